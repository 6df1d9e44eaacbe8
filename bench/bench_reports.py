"""Reports over one year of a large force (5 million contacts): every page and command under 2 s.

Builds (once, cached by row count) a benchmark SQLite database of 5M contacts written
straight into the tables with executemany (no Faker, no importer), 200k callers, 3,000
repeat callers with episodes, 300 with interventions, and a callback task per abandoned
999 call. Then times each report page/command beside the bare SQL query behind it (the
same figure straight off the contacts table) and prints the ratio.
Env: BENCH_REPORTS_CONTACTS (default 5,000,000), BENCH_REPORTS_DB (default var/bench_reports.sqlite3).
"""
from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import numpy as np

N = int(os.environ.get("BENCH_REPORTS_CONTACTS", "5000000"))
DB = Path(os.environ.get("BENCH_REPORTS_DB", "var/bench_reports.sqlite3")).resolve()
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
CALLERS, REPEAT, INTERVENED = 200_000, 3_000, 300
CHANNELS = np.array(["999", "101", "online_report", "webchat", "social_media"])
SHARES = np.array([0.2, 0.31, 0.04, 0.42, 0.03])


def _use_db() -> None:
    from django.db import connections

    conn = connections["default"]
    conn.close()
    conn.settings_dict["NAME"] = str(DB)


def _fmt(epoch: np.ndarray) -> list[str]:
    return [dt.datetime.fromtimestamp(e, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S") for e in epoch.tolist()]


def build() -> None:
    from django.core.management import call_command
    from django.db import connection

    DB.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(DB) + suffix).unlink(missing_ok=True)
    _use_db()
    call_command("migrate", verbosity=0, skip_checks=True)
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("PRAGMA synchronous=OFF")
    from engage.identity.models import Caller

    Caller.objects.bulk_create((Caller(id=i) for i in range(1, CALLERS + 1)), batch_size=20000)
    with connection.cursor() as cur:
        # Arrivals: a year, busier by day (a sine over the hour), Poisson-ish.
        span = 365 * 86400
        chunk = 500_000
        for lo in range(0, N, chunk):
            n = min(chunk, N - lo)
            t = np.sort(rng.uniform(0, span, n)) + START.timestamp()
            channel = rng.choice(CHANNELS, size=n, p=SHARES)
            phone = np.isin(channel, ["999", "101"])
            wait = np.where(channel == "999", rng.exponential(2.0, n), rng.exponential(6.0, n))
            abandoned = phone & (rng.random(n) < np.where(channel == "999", 0.03, 0.06))
            talk = np.where(abandoned, 0.0, rng.exponential(300, n))
            # 15% of contacts from the repeat callers, the rest spread over everyone.
            caller = np.where(rng.random(n) < 0.15, rng.integers(1, REPEAT + 1, n), rng.integers(1, CALLERS + 1, n))
            arrived = _fmt(t)
            answered = _fmt(t + wait)
            ended = _fmt(t + wait + talk)
            rows = []
            for i in range(n):
                p = bool(phone[i])
                rows.append((
                    str(channel[i]), arrived[i], answered[i] if p and not abandoned[i] else None, ended[i] if p else None,
                    float(wait[i]) if p else None, float(talk[i]) if p else None, bool(abandoned[i]),
                    f"+4477009{int(caller[i]) % 100000:05d}" if p else "", "present" if p else "unavailable", arrived[i], int(caller[i]),
                ))
            cur.executemany(
                "INSERT INTO contacts_contact (channel, arrived_at, answered_at, ended_at, queue_seconds, talk_seconds, abandoned, "
                "phone_raw, phone_e164, phone_status, name, address, postcode, email, handle, location, place_key, incident_number, "
                "opening_code, grade, closing_code, narrative, subject, reference, handler, imported_at, caller_id) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, '', ?, ?, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', ?, ?)", rows)
            print(f"  {lo + n:,} contacts ({time.perf_counter() - started:.0f} s)", flush=True)
    from engage.cases.models import Case, Intervention
    from engage.detection.models import Episode

    days = [START + dt.timedelta(days=int(d)) for d in rng.integers(30, 300, REPEAT)]
    Episode.objects.bulk_create(
        (Episode(caller_id=c, rule="5_in_day", window_start=d, window_end=d, first_contact_at=d, last_contact_at=d, contact_count=5)
         for c, d in zip(range(1, REPEAT + 1), days)), batch_size=5000)

    for c in range(1, INTERVENED + 1):
        case = Case.objects.create(caller_id=c, status="open")
        ep = Episode.objects.get(caller_id=c)
        Intervention.objects.create(case=case, kind="visit", started_on=(ep.last_contact_at + dt.timedelta(days=10)).date())
    with connection.cursor() as cur:
        cur.execute("INSERT INTO service_callbacktask (contact_id, created_at, due_at, priority, reasons, status, outcome, incident_number, note) "
                    "SELECT id, arrived_at, arrived_at, 0, '[]', 'open', '', '', '' FROM contacts_contact WHERE channel = '999' AND abandoned")
        cur.execute("ANALYZE")
    print(f"  built {N:,} contacts in {time.perf_counter() - started:.0f} s", flush=True)


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bare(sql: str, params=()):
    from django.db import connection

    def run():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()
    return run


def main() -> None:
    import io

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from engage.accounts.models import Profile
    from engage.contacts.models import Contact

    _use_db()
    try:
        have = Contact.objects.count()
    except Exception:
        have = -1
    if have != N:
        print(f"building benchmark database {DB} ({N:,} contacts)...", flush=True)
        build()
    from engage.service.aggregate import rebuild_all

    t = time.perf_counter()
    rows = rebuild_all()
    print(f"service aggregate rebuilt from all contacts: {rows:,} rows in {time.perf_counter() - t:.1f} s (once; kept current on import)")
    user, _ = User.objects.get_or_create(username="bench-analyst")
    Profile.objects.get_or_create(user=user, defaults={"role": "analyst"})
    handler, _ = User.objects.get_or_create(username="bench-handler")
    Profile.objects.get_or_create(user=handler, defaults={"role": "handler"})
    analyst, hclient = Client(), Client()
    analyst.force_login(user)
    hclient.force_login(handler)
    month = "2025-11"
    s, e = "2025-11-01 00:00:00", "2025-12-01 00:00:00"
    month_sql = ("SELECT channel, COUNT(*), SUM(abandoned), SUM(CASE WHEN queue_seconds <= 10 THEN 1 ELSE 0 END), AVG(queue_seconds) "
                 "FROM contacts_contact WHERE arrived_at >= %s AND arrived_at < %s GROUP BY channel")
    year_sql = ("SELECT substr(arrived_at, 1, 7), channel, COUNT(*) FROM contacts_contact WHERE arrived_at >= %s AND arrived_at < %s "
                "GROUP BY 1, 2")
    repeat_sql = ("SELECT substr(arrived_at, 1, 7), COUNT(*), SUM(COALESCE(queue_seconds,0)+COALESCE(talk_seconds,0)) FROM contacts_contact "
                  "WHERE arrived_at >= %s AND arrived_at < %s AND caller_id IN (SELECT caller_id FROM detection_episode) GROUP BY 1")
    cb_sql = ("SELECT t.id FROM service_callbacktask t JOIN contacts_contact c ON c.id = t.contact_id WHERE t.status IN ('open','in_progress') "
              "ORDER BY t.priority DESC, c.arrived_at LIMIT 500")
    y0 = "2024-12-01 00:00:00"

    def get(client, url):
        def run():
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
        return run

    def cmd(*args):
        return lambda: call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())

    cases = [
        ("GET /service/ (month + 12-month trend)", get(analyst, f"/service/?month={month}"), bare(month_sql, [s, e])),
        ("GET /service/volumes.csv (12 months)", get(analyst, f"/service/volumes.csv?month={month}"), bare(year_sql, [y0, e])),
        ("engage report service --json", cmd("report", "service", "--month", month, "--json"), bare(month_sql, [s, e])),
        ("GET /service/callbacks/", get(hclient, "/service/callbacks/"), bare(cb_sql)),
        ("GET /impact/", get(analyst, f"/impact/?month={month}"), bare(repeat_sql, [y0, e])),
        ("GET /impact/report/ (HTML)", get(analyst, f"/impact/report/?month={month}"), bare(repeat_sql, [y0, e])),
        ("GET /impact/report.pdf", get(analyst, f"/impact/report.pdf?month={month}"), bare(repeat_sql, [y0, e])),
        ("engage report monthly --pdf", cmd("report", "monthly", "--month", month, "--pdf", str(DB.parent / "bench_report.pdf")),
         bare(repeat_sql, [y0, e])),
        ("engage whatif --reduce-repeat-demand 50 (7 days)", cmd("whatif", "--reduce-repeat-demand", "50", "--days", "7"),
         bare("SELECT arrived_at, queue_seconds, talk_seconds, abandoned, caller_id FROM contacts_contact WHERE arrived_at >= %s "
              "AND channel IN ('999','101')", ["2025-12-24 23:59:59"])),
    ]
    print(f"{'page / command':52} {'time s':>8} {'bare SQL s':>11} {'ratio':>7}  <2 s?")
    for name, fn, base in cases:
        fn()  # warm (first request compiles templates, loads plotly.js)
        t_fn, t_base = timed(fn, 2), timed(base, 2)
        print(f"{name:52} {t_fn:8.2f} {t_base:11.3f} {t_fn / t_base if t_base else float('inf'):7.1f}  {'yes' if t_fn < 2 else 'NO'}",
              flush=True)
