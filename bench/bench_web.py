"""The coordinator's screens on a busy force: time per page beside a constant endpoint.

Builds (once, cached) a SQLite database with BENCH_WEB_CALLERS callers (default 3,000)
of 5-60 contacts each (about 100k contacts), an episode per caller (a third still new),
a case for every fifth caller with a THRIVE review and, for some, a call block. Then
renders each page in-process with Django's test client (the whole stack: middleware,
permission check, audit write, template) REPEAT times (the PDF REPEAT/5) and prints median and p95
beside the same client's time for GET /api/ping (a constant JSON answer).
Env: BENCH_WEB_CALLERS, BENCH_WEB_DB (default var/bench_web.sqlite3), BENCH_WEB_REPEAT (20).
"""
from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

CALLERS = int(os.environ.get("BENCH_WEB_CALLERS", "3000"))
DB = Path(os.environ.get("BENCH_WEB_DB", "var/bench_web.sqlite3")).resolve()
REPEAT = int(os.environ.get("BENCH_WEB_REPEAT", "20"))
T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)
SUBJECTS = ["CONCERN_WELFARE", "ASB", "HOAX", "NOISE", "MENTAL_HEALTH", "THEFT", "DOMESTIC", "ABUSIVE_CALL"]
POSTCODES = ["CB1 2AB", "CB22 3AA", "PE1 1AA", "PE13 2BB", "PE29 0ZP", "CB6 1AA"]


def _use_db() -> None:
    from django.db import connections

    conn = connections["default"]
    conn.close()
    conn.settings_dict["NAME"] = str(DB)


def _build() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from engage.accounts.users import create_user, demo_users
    from engage.cases import services
    from engage.contacts.models import Contact
    from engage.detection.models import Episode
    from engage.identity.models import Caller

    DB.parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0, skip_checks=True)
    rng = random.Random(7)
    for username, role, name, areas in demo_users():
        create_user(username, role, areas=areas, full_name=name, password="bench-password-1")
    from django.contrib.auth import get_user_model

    coordinator = get_user_model().objects.get(username="coordinator")
    inspector = get_user_model().objects.get(username="inspector")
    with transaction.atomic():
        callers = Caller.objects.bulk_create(
            Caller(display_name=f"Person {i}", primary_number=f"+4477009{i:05d}", postcode=POSTCODES[i % 6])
            for i in range(CALLERS)
        )
        contacts = []
        for caller in callers:
            for k in range(rng.randint(5, 60)):
                at = T0 + timedelta(days=rng.uniform(0, 120))
                contacts.append(Contact(
                    channel=rng.choice(["999", "101"]), arrived_at=at, phone_raw=caller.primary_number,
                    phone_e164=caller.primary_number, phone_status="present", name=caller.display_name,
                    address=f"{k % 3 + 1} High Street", postcode=caller.postcode, caller=caller,
                    opening_code=rng.choice(SUBJECTS), subject=rng.choice(SUBJECTS), abandoned=rng.random() < 0.05,
                ))
        Contact.objects.bulk_create(contacts, batch_size=5000)
        episodes = Episode.objects.bulk_create(
            Episode(caller=c, rule="engage", window_start=T0, window_end=T0 + timedelta(days=7), first_contact_at=T0,
                    last_contact_at=T0 + timedelta(days=7), contact_count=10,
                    status="new" if i % 3 == 0 else "reviewed")
            for i, c in enumerate(callers)
        )
        thrive = {h: "noted" for h in services.THRIVE}
        for i, episode in enumerate(episodes):
            if i % 5 != 1:
                continue
            case = services.open_case(episode, coordinator, reason="bench")
            services.add_risk_review(case, coordinator, risk_level="medium",
                                     next_review_on=date.today() + timedelta(days=1 + i % 40), **thrive)
            if i % 15 == 1:
                block = services.request_block(case, coordinator, "number", episode.caller.primary_number, "bench")
                if i % 30 == 1:
                    services.decide_block(block, inspector, authorise=True, note="bench")


def _time(client, url: str, repeat: int = REPEAT) -> list[float]:
    client.get(url)  # warm: template loading, plotly import
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    _use_db()
    settings.ALLOWED_HOSTS = ["*"]
    if not DB.exists():
        started = time.perf_counter()
        _build()
        print(f"built {DB} in {time.perf_counter() - started:.0f} s")
    from engage.cases.models import Case
    from engage.contacts.models import Contact

    case = Case.objects.order_by("pk").first()
    print(f"{Contact.objects.count():,} contacts, {get_user_model().objects.count()} users, "
          f"{Case.objects.count():,} cases; {REPEAT} requests per page, in-process test client")
    client = Client()
    client.force_login(get_user_model().objects.get(username="coordinator"))
    session = client.session
    session["engage_purposes"] = {f"case:{case.pk}": "bench", f"caller:{case.caller_id}": "bench"}
    session.save()
    pages = [
        ("GET /api/ping (baseline)", "/api/ping"),
        ("dashboard /", "/"),
        ("review queue /review/ (25 rows, suggestions)", "/review/"),
        ("caller profile /callers/<id>/ (3 charts)", f"/callers/{case.caller_id}/"),
        ("case /cases/<id>/", f"/cases/{case.pk}/"),
        ("blocks /blocks/", None),
        ("meetings /meetings/", "/meetings/"),
        ("meetings CSV", "/meetings/?format=csv"),
        ("meetings PDF (WeasyPrint)", "/meetings/?format=pdf"),
    ]
    inspector = Client()
    inspector.force_login(get_user_model().objects.get(username="inspector"))
    base = None
    print(f"{'page':48} {'median ms':>10} {'p95 ms':>8} {'x ping':>8}")
    for label, url in pages:
        repeat = max(3, REPEAT // 5) if "pdf" in (url or "") else REPEAT  # a PDF takes seconds
        times = _time(inspector, "/blocks/") if url is None else _time(client, url, repeat)
        median, p95 = statistics.median(times) * 1000, sorted(times)[int(0.95 * (len(times) - 1))] * 1000
        base = base or median
        print(f"{label:48} {median:10.1f} {p95:8.1f} {median / base:8.1f}")
