"""Detection benchmarks (`python -m bench detection`).

1. Batch: the configured Operation Engage rule over 10 million synthetic contacts (about
   5 years of a large force: ~1.5M callers, a few hundred heavy callers), episodes and
   evidence included, against a bare DuckDB window query computing the same two counts
   (calendar-day count in Europe/London, rolling 7-day count with RANGE BETWEEN INTERVAL
   7 DAYS PRECEDING AND CURRENT ROW) on the same Arrow table, in the same run.
2. Incremental: per imported contact on SQLite (a scratch database in a subprocess), the
   detection receiver's time and the import-plus-detection commit, against a bare indexed
   INSERT of the same contact row.

Scale: ENGAGE_BENCH_DETECTION_ROWS (default 10_000_000), ENGAGE_BENCH_INCREMENTAL (5000).
"""
from __future__ import annotations

import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa

US = 1_000_000
DAY = 86_400 * US
START = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)


def generate(n: int, seed: int = 7) -> pa.Table:
    """n contacts over 5 years: heavy callers in bursts, the public in a long tail."""
    rng = np.random.default_rng(seed)
    start_us = int(START.timestamp()) * US
    span = 5 * 365 * DAY
    heavy_callers, frequent_callers, public_callers = 400, 50_000, 1_500_000
    n_heavy = int(n * 0.08)  # 400 heavy callers, ~2,000 contacts each in 5 years
    n_frequent = int(n * 0.30)  # 50,000 frequent callers, ~60 each
    n_public = n - n_heavy - n_frequent  # 1.5M occasional callers, a few each
    public = np.concatenate([rng.integers(0, frequent_callers, n_frequent),
                             frequent_callers + rng.integers(0, public_callers, n_public)]) + heavy_callers + 1
    public_ts = start_us + rng.integers(0, span, n_public + n_frequent)
    # Heavy callers: contacts cluster in active spells (days with several calls).
    heavy = rng.integers(1, heavy_callers + 1, n_heavy)
    spell_day = rng.integers(0, 5 * 365, heavy_callers + 1)
    spell_len = rng.integers(20, 400, heavy_callers + 1)
    day = (spell_day[heavy] + rng.integers(0, 1 << 30, n_heavy) % spell_len[heavy]) % (5 * 365)
    heavy_ts = start_us + day * DAY + rng.integers(0, DAY, n_heavy)
    caller = np.concatenate([public, heavy]).astype(np.int64)
    ts = np.concatenate([public_ts, heavy_ts]).astype(np.int64)
    order = rng.permutation(n)  # import order is not time order
    caller, ts = caller[order], ts[order]
    withheld = rng.random(n) < 0.12  # unresolved contacts (withheld numbers): no caller
    channel = rng.choice(np.array(["999", "101", "webchat"], dtype=object), n, p=[0.4, 0.5, 0.1])
    return pa.table({
        "id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        "caller_id": pa.array(caller, mask=withheld),
        "place_key": pa.nulls(n, pa.string()),
        "channel": pa.array(channel, pa.string()).dictionary_encode().cast(pa.string()),
        "ts": pa.array(ts),
        "phone": pa.nulls(n, pa.string()),
        "opening_code": pa.nulls(n, pa.string()),
    })


BASELINE = """
SELECT count(*) FILTER (WHERE day_n >= 5 OR week_n >= 10) AS crossing, sum(day_n), sum(week_n) FROM (
  SELECT count(*) OVER (PARTITION BY caller_id, CAST(timezone('Europe/London', make_timestamptz(ts)) AS DATE)) AS day_n,
         count(*) OVER (PARTITION BY caller_id ORDER BY make_timestamp(ts)
                        RANGE BETWEEN INTERVAL 7 DAYS PRECEDING AND CURRENT ROW) AS week_n
  FROM contacts WHERE caller_id IS NOT NULL AND channel IN ('999', '101'))
"""


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def bench_batch(n: int) -> None:
    import duckdb

    from engage.detection import batch
    from engage.detection.rules import load_rules, timezone_name

    started = time.perf_counter()
    contacts = generate(n)
    print(f"generated {n:,} contacts in {time.perf_counter() - started:.1f} s "
          f"({contacts.column('caller_id').null_count:,} without a caller)", flush=True)
    rule = [r for r in load_rules() if r.name == "engage"]
    tz = timezone_name()
    timings: dict[str, list[float]] = {"baseline": [], "engage": []}
    results = None
    for _ in range(2):  # alternate, keep the best of two: the machine is shared
        con = duckdb.connect()
        con.register("contacts", contacts)
        t = time.perf_counter()
        base = con.execute(BASELINE).fetchall()
        timings["baseline"].append(time.perf_counter() - t)
        con.close()
        t = time.perf_counter()
        results = batch.detect(contacts, rule, tz)
        timings["engage"].append(time.perf_counter() - t)
    result = results[0]
    base_s, ours_s = min(timings["baseline"]), min(timings["engage"])
    print(f"baseline: bare DuckDB window query, both counts   {base_s:7.2f} s  (runs {', '.join(f'{x:.2f}' for x in timings['baseline'])}; "
          f"{base[0][0]:,} crossing contacts)")
    print(f"engage:   batch detection -> episodes + evidence  {ours_s:7.2f} s  (runs {', '.join(f'{x:.2f}' for x in timings['engage'])}; "
          f"{result.episodes.num_rows:,} episodes, {result.evidence.num_rows:,} evidence links)")
    print(f"ratio engage / baseline: {ours_s / base_s:.2f}x (target <= 1.5x)")
    print(f"peak memory (process, generation included): {peak_rss_gib():.2f} GiB (target < 4 GiB)", flush=True)


def bench_incremental(count: int) -> None:
    """Run the SQLite part in a child process with its own scratch database."""
    with tempfile.TemporaryDirectory(prefix="engage-bench-det-") as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", ENGAGE_VAR=tmp,
                   DJANGO_SETTINGS_MODULE="engage.settings")
        subprocess.run([sys.executable, "-m", "bench.bench_detection", "--incremental-child", str(count)],
                       env=env, check=True)


def _insert_sql():
    from engage.contacts.models import Contact

    fields = [f for f in Contact._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    return fields, f"INSERT INTO {Contact._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"


def _row(fields, values: dict) -> list:
    from django.db import connection

    out = []
    for f in fields:
        v = values.get(f.attname, f.get_default() if f.has_default() or not f.null else None)
        if isinstance(v, dt.datetime):
            v = connection.ops.adapt_datetimefield_value(v)
        out.append(v)
    return out


def incremental_child(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from engage.detection import batch, incremental
    from engage.detection.store import Context, stored_specs
    from engage.identity.models import Caller

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(11)
    n_callers, heavy = 20_000, 60
    Caller.objects.bulk_create([Caller(display_name=f"caller {i}") for i in range(n_callers)], batch_size=5000)
    caller_ids = list(Caller.objects.values_list("id", flat=True))
    now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    fields, insert = _insert_sql()

    def pick_caller() -> int:
        return caller_ids[rng.integers(0, heavy)] if rng.random() < 0.3 else caller_ids[rng.integers(heavy, n_callers)]

    def values(when: dt.datetime) -> dict:
        return {"channel": "999" if rng.random() < 0.45 else "101", "arrived_at": when, "caller_id": pick_caller(),
                "phone_status": "present", "imported_at": when, "location": f"{rng.integers(1, 3000)} High Street"}

    history = int(os.environ.get("ENGAGE_BENCH_HISTORY", 100_000))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(insert, [_row(fields, values(now - dt.timedelta(seconds=int(s))))
                                    for s in rng.integers(1, 60 * 86_400, history)])
    t = time.perf_counter()
    stats = batch.run_full()
    print(f"history: {history:,} contacts, {n_callers:,} callers ({heavy} heavy); `engage detect --full` on it "
          f"(place keys, DuckDB, episodes and evidence written) {time.perf_counter() - t:.1f} s; "
          f"{stats['created']:,} episodes", flush=True)
    ctx = Context.load()
    base, total, detect, cpu = [], [], [], []
    clock = now
    for i in range(count):
        clock += dt.timedelta(seconds=int(rng.integers(1, 120)))
        late = rng.random() < 0.05  # 5% arrive late: up to 3 days in the past
        when = clock - dt.timedelta(seconds=int(rng.integers(0, 3 * 86_400))) if late else clock
        row = _row(fields, values(when))
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:  # baseline: the bare insert
            cursor.execute(insert, row)
        base.append(time.perf_counter() - t0)
        row = _row(fields, values(when))
        t0 = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(insert, row)
                cid = cursor.lastrowid
            t1, c1 = time.perf_counter(), time.process_time()
            incremental.process([cid], ctx)
            detect.append(time.perf_counter() - t1)
            cpu.append(time.process_time() - c1)
        total.append(time.perf_counter() - t0)
    print(f"load average after the stream: {', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    # The baseline's contacts were never evaluated: catch them up, then compare with batch.
    incremental.process(incremental.pending_contact_ids(), ctx)
    expected = sorted(s for r in batch.detect(batch.load_contacts(), ctx.rules, ctx.tz, sorted(ctx.shared_numbers))
                      for s in r.specs())
    agree = stored_specs([r.name for r in ctx.rules]) == expected

    def pct(xs, q):
        return 1000 * float(np.percentile(xs, q))

    print(f"{count:,} contacts imported one at a time (5% late), SQLite, WAL, synchronous=NORMAL:")
    print(f"  baseline: bare indexed INSERT + commit       p50 {pct(base, 50):6.2f} ms  p99 {pct(base, 99):6.2f} ms")
    print(f"  engage:   detection receiver (in the txn)    p50 {pct(detect, 50):6.2f} ms  p99 {pct(detect, 99):6.2f} ms  (target p99 < 5 ms)")
    print(f"  engage:   detection receiver, CPU time      p50 {pct(cpu, 50):6.2f} ms  p99 {pct(cpu, 99):6.2f} ms  "
          "(this process's own work, without waiting for a core)")
    print(f"  engage:   INSERT + detection + commit        p50 {pct(total, 50):6.2f} ms  p99 {pct(total, 99):6.2f} ms  "
          f"(ratio p99 {pct(total, 99) / pct(base, 99):.2f}x)")
    print(f"  incremental episodes == batch episodes afterwards: {agree} ({len(expected):,} episodes)", flush=True)
    if not agree:
        raise SystemExit("incremental and batch disagree")


def main() -> None:
    rows = int(os.environ.get("ENGAGE_BENCH_DETECTION_ROWS", 10_000_000))
    print(f"load average at start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores, shared)", flush=True)
    if rows:
        bench_batch(rows)
    bench_incremental(int(os.environ.get("ENGAGE_BENCH_INCREMENTAL", 5000)))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--incremental-child":
        incremental_child(int(sys.argv[2]))
    else:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engage.settings")
        django.setup()
        main()
