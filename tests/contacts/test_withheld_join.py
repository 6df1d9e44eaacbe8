"""The no-CLI join: a no-number incident joins the ONE answered no-CLI call on its line."""
import datetime as dt
import itertools

import pytest

from engage.contacts import ingest
from engage.contacts.formats import COLUMNS
from engage.contacts.ingest import ingest_file, ingest_files, ingest_rows
from engage.contacts.joining import match_withheld, no_cli
from engage.contacts.models import Contact, SourceRecord

from .conftest import clear, snapshot, write_csv

T0 = dt.datetime(2025, 1, 1, 10, 0, 0)


def at(seconds):
    return T0 + dt.timedelta(seconds=seconds)


def test_one_candidate_joins_two_do_not():
    calls = [("101", at(0), "A")]
    assert match_withheld(calls, [("101", at(600), "I")], 900) == {"I": "A"}
    assert match_withheld(calls, [("101", at(0), "I")], 900) == {"I": "A"}  # the same second counts
    assert match_withheld(calls, [("101", at(900), "I")], 900) == {"I": "A"}
    assert match_withheld(calls, [("101", at(901), "I")], 900) == {}
    assert match_withheld(calls, [("101", at(-1), "I")], 900) == {}  # a call after the incident
    assert match_withheld(calls, [("999", at(600), "I")], 900) == {}  # another line
    # Two candidate calls: which is the caller's is a guess, so neither.
    assert match_withheld(calls + [("101", at(300), "B")], [("101", at(600), "I")], 900) == {}
    # Two incidents whose one candidate is the same call: neither takes it.
    assert match_withheld(calls, [("101", at(600), "I"), ("101", at(700), "J")], 900) == {}


def test_no_cli_states():
    assert no_cli("") and no_cli("  ") and no_cli("Withheld") and no_cli("PRIVATE") and no_cli("999")
    assert not no_cli("07700 900123")


def call(cid, t, line="101", cli="withheld"):
    return {"call_id": cid, "started_at": t, "direction": "in", "line": line, "cli": cli}


def acd(cid, t, abandoned="N", line="101"):
    return {"call_id": cid, "line": line, "arrived_at": t, "answered_at": "" if abandoned == "Y" else t,
            "abandoned": abandoned}


def incident(number, t, source="101", phone="Withheld"):
    return {"incident_number": number, "created_at": t, "source": source, "caller_phone": phone,
            "caller_name": "Kerry Harrison"}


def write(tmp_path, rows: dict[str, list]) -> list[tuple]:
    files = []
    for name, (source, data) in rows.items():
        files.append((write_csv(tmp_path / f"{name}.csv", COLUMNS[source], data), source))
    return files


def together(key):
    """The source keys of the contact holding the first key."""
    cid = SourceRecord.objects.filter(source_key=key).values_list("contact_id", flat=True).first()
    return set(SourceRecord.objects.filter(contact_id=cid).values_list("source_key", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_order_joins_the_one_answered_call(tmp_path):
    files = write(tmp_path, {
        "calls": ("calls", [call("A", "2025-01-01 10:00:00"), call("N", "2025-01-01 10:00:00", cli="07700 900001")]),
        "acd": ("acd", [acd("A", "2025-01-01 10:00:00"), acd("N", "2025-01-01 10:00:00")]),
        "cc": ("cc", [incident("I1", "2025-01-01 10:10:00"), incident("I2", "2025-01-01 12:00:00")]),
    })
    results = []
    for order in itertools.permutations(files):
        clear()
        for path, source in order:
            ingest_file(path, source, defer=True)
        assert together("I1") == {"I1", "A"}
        assert together("I2") == {"I2"}  # no call within the tolerance
        assert together("N") == {"N"}  # a call with a number is not a candidate
        assert Contact.objects.get(incident_number="I1").name == "Kerry Harrison"
        results.append(snapshot())
    assert all(r == results[0] for r in results[1:])


@pytest.mark.postgres
@pytest.mark.django_db
def test_abandoned_call_or_no_acd_row_does_not_qualify(tmp_path):
    files = write(tmp_path, {
        "calls": ("calls", [call("A", "2025-01-01 10:00:00"), call("B", "2025-01-01 14:00:00")]),
        "acd": ("acd", [acd("A", "2025-01-01 10:00:00", abandoned="Y")]),  # B: no ACD row at all
        "cc": ("cc", [incident("I1", "2025-01-01 10:10:00"), incident("I2", "2025-01-01 14:10:00")]),
    })
    for path, source in files:
        ingest_file(path, source, defer=True)
    assert together("I1") == {"I1"} and together("I2") == {"I2"}
    assert together("A") == {"A"} and together("B") == {"B"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_second_call_in_a_later_import_undoes_the_join(tmp_path):
    first = write(tmp_path, {
        "calls": ("calls", [call("A", "2025-01-01 10:00:00")]),
        "acd": ("acd", [acd("A", "2025-01-01 10:00:00"), acd("B", "2025-01-01 10:05:00")]),
        "cc": ("cc", [incident("I1", "2025-01-01 10:10:00")]),
    })
    for path, source in first:
        ingest_file(path, source, defer=True)
    assert together("I1") == {"I1", "A"}
    ingest_rows("calls", [call("B", "2025-01-01 10:05:00")])  # the live feed brings a second candidate
    assert together("I1") == {"I1"}
    assert together("A") == {"A"} and together("B") == {"B"}
    assert Contact.objects.count() == 3 and not Contact.objects.filter(sources=None).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_incident_wanted_by_two_is_released_when_one_finds_another_call(tmp_path, small_batches):
    # I1 and I2 both have A as their one candidate: neither joins. A later call B (before I2
    # only) gives I2 two candidates, so I1 alone wants A and joins it.
    files = write(tmp_path, {
        "calls": ("calls", [call("A", "2025-01-01 10:00:00")]),
        "acd": ("acd", [acd("A", "2025-01-01 10:00:00"), acd("B", "2025-01-01 10:12:00")]),
        "cc": ("cc", [incident("I1", "2025-01-01 10:10:00"), incident("I2", "2025-01-01 10:14:00")]),
        "b": ("calls", [call("B", "2025-01-01 10:12:00")]),
    })
    for path, source in files[:3]:
        ingest_file(path, source, defer=True)
    assert together("I1") == {"I1"} and together("I2") == {"I2"}
    ingest_file(*files[3], defer=True)
    assert together("I1") == {"I1", "A"} and together("I2") == {"I2"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_switched_off(tmp_path, monkeypatch):
    real = ingest._settings
    monkeypatch.setattr(ingest, "_settings", lambda: {**real(), "join_withheld": False})
    files = write(tmp_path, {
        "calls": ("calls", [call("A", "2025-01-01 10:00:00")]),
        "acd": ("acd", [acd("A", "2025-01-01 10:00:00")]),
        "cc": ("cc", [incident("I1", "2025-01-01 10:10:00")]),
    })
    ingest_files(files, defer=True)  # the one-pass plan
    assert together("I1") == {"I1"}
    clear()
    for path, source in files:
        ingest_file(path, source, defer=True)
    assert together("I1") == {"I1"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_plan_and_file_by_file_agree_across_batches(tmp_path, small_batches):
    calls, acds, incidents = [], [], []
    for n in range(120):  # calls every 5 minutes: some incidents have one candidate, some two
        t = (T0 + dt.timedelta(minutes=5 * n + (n % 3))).strftime("%Y-%m-%d %H:%M:%S")
        line = "101" if n % 4 else "999"
        calls.append(call(f"C{n}", t, line=line, cli=["withheld", "", "unavailable", "07700 900001"][n % 4]))
        acds.append(acd(f"C{n}", t, abandoned="Y" if n % 7 == 0 else "N", line=line))
        if n % 2:
            created = (T0 + dt.timedelta(minutes=5 * n + 4 + n % 11)).strftime("%Y-%m-%d %H:%M:%S")
            incidents.append(incident(f"I{n}", created, source=line, phone="" if n % 3 else "Withheld"))
    files = write(tmp_path, {"calls": ("calls", calls), "acd": ("acd", acds), "cc": ("cc", incidents)})
    ingest_files(files, defer=True)
    planned = snapshot()
    joined = SourceRecord.objects.filter(system="cc", contact__sources__system="calls").count()
    assert 0 < joined < len(incidents)  # the rule did join some, and left the ambiguous ones
    for order in (files, files[::-1], [files[2], files[0], files[1]]):
        clear()
        for path, source in order:
            ingest_file(path, source, defer=True)
        assert snapshot() == planned


@pytest.mark.postgres
@pytest.mark.django_db
def test_live_feed_row_by_row_in_random_order_gives_the_plans_contacts(tmp_path):
    # Dense rows (a call every 1-4 minutes, tolerance 15): joins form chains across each
    # other's windows, so a row's arrival changes other incidents' joins.
    import random

    rng = random.Random(11)
    rows = {"calls": [], "acd": [], "cc": []}
    t = T0
    for n in range(90):
        t += dt.timedelta(seconds=rng.randrange(60, 240))
        stamp = t.strftime("%Y-%m-%d %H:%M:%S")
        line = rng.choice(["101", "101", "999"])
        rows["calls"].append(call(f"C{n}", stamp, line=line, cli=rng.choice(["withheld", "", "07700 900002"])))
        if rng.random() < 0.9:
            rows["acd"].append(acd(f"C{n}", stamp, abandoned="Y" if rng.random() < 0.15 else "N", line=line))
        if rng.random() < 0.6:
            created = (t + dt.timedelta(seconds=rng.randrange(0, 1200))).strftime("%Y-%m-%d %H:%M:%S")
            rows["cc"].append(incident(f"I{n}", created, source=line, phone=rng.choice(["", "Withheld"])))
    files = write(tmp_path, {source: (source, data) for source, data in rows.items()})
    ingest_files(files, defer=True)
    planned = snapshot()
    assert SourceRecord.objects.filter(system="cc", contact__sources__system="calls").exists()
    clear()
    feed = [(source, row) for source, data in rows.items() for row in data]
    rng.shuffle(feed)
    for source, row in feed:
        ingest_rows(source, [row], defer=True)
    assert snapshot() == planned
