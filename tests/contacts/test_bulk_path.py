"""The bulk path (column-wise checks, vector.py) and the per-row path give the same database."""
import csv
import json

import pytest

from engage.contacts import ingest, vector
from engage.contacts.formats import COLUMNS
from engage.contacts.ingest import ingest_file
from engage.contacts.models import ImportRun, QuarantinedRow, SourceRecord
from engage.contacts.sample import generate_rows

from .conftest import clear, snapshot

# Rows each path must treat alike: odd times (DST change, offsets, fractions, other
# formats, impossible dates), odd numbers and states, padding and Unicode spaces, keys
# too long or missing, duplicates, outbound and unknown directions, odd flags and figures.
ODD = {
    "calls": [
        {"call_id": "X1", "started_at": "2025-03-30T00:59:59Z", "ended_at": "2025-03-30 01:30:00", "direction": " IN ",
         "line": " 999 ", "cli": "+44 7700 900123", "handler_id": "\u2003H1\u2003"},
        {"call_id": "X2", "started_at": "2025-03-30 02:30:00", "ended_at": "soon", "direction": "", "line": "Emergency",
         "cli": "(07700) 900-123", "handler_id": "H" * 80},
        {"call_id": "X3", "started_at": "2025-03-30T01:15:00+01:00", "ended_at": "", "direction": "i", "line": "112",
         "cli": "07700900123", "handler_id": ""},
        {"call_id": "X4", "started_at": "2025-10-26 01:30", "ended_at": "2025-10-26T01:45:00.250Z", "direction": "inbound",
         "line": "101", "cli": "withheld", "handler_id": "H4"},
        {"call_id": "X5", "started_at": "30/03/2025 10:00", "ended_at": "", "direction": "in", "line": "x", "cli": "999",
         "handler_id": ""},
        {"call_id": "X6", "started_at": "2025-02-30T10:00:00Z", "direction": "in", "cli": "01632 960001"},
        {"call_id": "X7", "started_at": "1899-12-31T23:00:00Z", "direction": "in"},
        {"call_id": "X8", "started_at": "2025-03-30T10:00:00Z", "direction": "sideways"},
        {"call_id": "X9", "started_at": "nonsense", "direction": "out"},
        {"call_id": " ", "started_at": "2025-03-30T10:00:00Z", "direction": "in"},
        {"call_id": "K" * 129, "started_at": "2025-03-30T10:00:00Z", "direction": "in"},
        {"call_id": "X1", "started_at": "2025-03-30T11:00:00Z", "direction": "in", "cli": "0044 7700 900124"},
        {"call_id": "X10", "started_at": " 2025-03-31T24:00:00Z ", "direction": "in", "cli": "+441800201234"},
        {"call_id": "X11", "started_at": "20250331T100000Z", "direction": "in", "cli": "0 1 6 3 2 9 6 0 0 0 2"},
    ],
    "acd": [
        {"call_id": "X1", "line": "999", "arrived_at": "2025-03-30T00:59:58Z", "answered_at": "", "ended_at": "",
         "abandoned": " yes ", "queue_seconds": " 1_0 ", "talk_seconds": "nan"},
        {"call_id": "X2", "line": "101", "arrived_at": "2025-03-30 02:29:00", "answered_at": "2025-03-30 02:30:00",
         "ended_at": "bad", "abandoned": "maybe", "queue_seconds": "1e9", "talk_seconds": "-3.5"},
        {"call_id": "X4", "line": "", "arrived_at": "2025-10-26 01:29:00", "answered_at": "", "abandoned": "",
         "queue_seconds": "inf", "talk_seconds": ""},
        {"call_id": "X12", "line": "999", "arrived_at": "", "abandoned": "N"},
    ],
    "cc": [
        {"incident_number": " INC-X1 ", "created_at": "2025-03-30T01:05:00Z", "source": "999", "caller_name": " Zoë ",
         "caller_phone": "07700 900123", "caller_postcode": "cb1 1aa", "location": "12 High St", "narrative": "n" * 5},
        {"incident_number": "INC-X2", "created_at": "2025-03-30 03:00:00", "source": "Web Chat", "caller_postcode": "ß1",
         "caller_address": "x" * 400},
        {"incident_number": "INC-X3", "created_at": "bad", "source": "999"},
    ],
    "digital": [
        {"contact_id": "DX1", "channel": "Web", "started_at": "2025-03-30T09:00:00Z", "name": "Ann", "phone": "+44 1632 960001",
         "email": " Ann@Example.ORG ", "reference": "INC-X2"},
        {"contact_id": "DX2", "channel": "fax", "started_at": "2025-03-30 09:00:00", "email": "ÉMILE@EXAMPLE.FR",
         "reference": "r" * 150},
        {"contact_id": "", "channel": "webchat", "started_at": "2025-03-30 09:00:00"},
    ],
}


def write(tmp_path):
    rows = generate_rows(phone_contacts=600, digital_contacts=200, seed=5, start="2025-03-29")
    paths = {}
    for source, extra in ODD.items():
        path = paths[source] = tmp_path / f"{source}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS[source])
            for row in rows[source] + extra:
                writer.writerow([row.get(c, "") for c in COLUMNS[source]])
    return paths


def state() -> tuple:
    sources = {
        (system, key, line, str(at), phone, link, json.dumps(json.loads(data), sort_keys=True))
        for system, key, line, at, phone, link, data in SourceRecord.objects.values_list(
            "system", "source_key", "line_number", "at", "phone_e164", "link_key", "data")
    }
    quarantined = set(QuarantinedRow.objects.values_list("source", "line_number", "field", "reason", "raw"))
    runs = list(ImportRun.objects.order_by("id").values_list(
        "source", "status", "rows_read", "rows_imported", "rows_quarantined", "rows_duplicate", "rows_skipped"))
    return snapshot(), sources, quarantined, runs


@pytest.mark.postgres
@pytest.mark.django_db
def test_both_paths_give_the_same_contacts_source_rows_and_quarantine(tmp_path, monkeypatch, small_batches):
    paths = write(tmp_path)
    bulk_runs = []
    real = ingest._Importer.consume_columns
    monkeypatch.setattr(ingest._Importer, "consume_columns", lambda self, *a: (bulk_runs.append(1), real(self, *a))[1])
    got = {}
    for path_name in ("bulk", "per-row"):
        if path_name == "per-row":
            monkeypatch.setattr(vector, "read_file", lambda *a: None)
        clear()
        for source in ("cc", "calls", "acd", "digital"):
            ingest_file(paths[source], source, defer=True)
        got[path_name] = state()
    assert len(bulk_runs) == 4  # the first round did go through the bulk path
    assert got["bulk"][0] == got["per-row"][0]
    assert got["bulk"][1] == got["per-row"][1]
    assert got["bulk"][2] == got["per-row"][2]
    assert got["bulk"][3] == got["per-row"][3]
    assert len(got["bulk"][2]) == 9  # the unusable odd rows, quarantined alike by both


def test_files_the_bulk_path_cannot_read_exactly_go_row_by_row(tmp_path):
    cases = {
        "quoted line break": b'call_id,started_at\nA,"2025-01-01\n10:00"\n',
        "blank line": b"call_id,started_at\nA,2025-01-01\n\nB,2025-01-01\n",
        "too few fields": b"call_id,started_at\nA\n",
        "too many fields": b"call_id,started_at\nA,1,2\n",
        "NUL": b"call_id,started_at\nA\x00,1\n",
        "lone CR": b"call_id,started_at\rA,1\r",
    }
    for name, data in cases.items():
        path = tmp_path / "f.csv"
        path.write_bytes(data)
        assert vector.read_file(path, 2, "utf-8-sig", ",") is None, name
    path.write_bytes(b"call_id,started_at\r\nA,1\r\nB,\r\n")
    frame = vector.read_file(path, 2, "utf-8-sig", ",")
    assert frame.rows() == [("A", "1", 2), ("B", "", 3)]
    assert vector.read_file(path, 2, "cp1252", ",") is None


def _foreign_keys() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "contacts_sourcerecord").values()
        return {info["columns"][0] for info in constraints if info["foreign_key"]}


def _contact_indexes(table: str = "contacts_contact") -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        return {name for name, info in connection.introspection.get_constraints(cursor, table).items()
                if info["index"] and not info["primary_key"] and not info["unique"]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # committed batches, as in a real load (PostgreSQL cannot index a table with pending FK checks)
def test_a_big_load_rebuilds_the_indexes_it_dropped_and_a_killed_one_is_repaired(tmp_path, monkeypatch):
    from engage.contacts import store
    from engage.contacts.ingest import ingest_files, ingest_rows

    from engage.contacts import plan

    before, lookups = _contact_indexes(), _contact_indexes("contacts_sourcerecord")
    # One index per look-up (contacts migration 0004): no LIKE twins on PostgreSQL, no single-column
    # copies of the composite indexes' first columns.
    assert len(before) == 6 and {"contact_channel", "contact_place_key", "contact_incident_number"} <= before
    assert {"source_record_link", "source_record_phone_at"} <= lookups
    assert not any(name.startswith("contacts_sourcerecord_run_id") for name in lookups)  # migration 0005
    real = ingest._settings
    paths = write(tmp_path)
    for planned in (True, False):  # the one-pass plan (empty store), then file by file
        clear()
        monkeypatch.setattr(ingest, "_settings", lambda p=planned: {**real(), "defer_indexes_rows": 1, "plan": p})
        seen = []
        spied = (plan, "_batch_tables") if planned else (ingest, "_commit")
        real_write = getattr(*spied)
        monkeypatch.setattr(*spied, lambda *a, w=real_write: (
            seen.append((_contact_indexes(), _contact_indexes("contacts_sourcerecord"), _foreign_keys())), w(*a))[1])
        results = ingest_files([(paths["calls"], "calls"), (paths["acd"], "acd")], defer=True)
        assert [r.source for r in results] == ["calls", "acd"] and results[0].imported > 500
        assert seen and all(contact == set() for contact, _, _ in seen)  # no contact index during the load
        # The plan needs no look-up either: it drops those of the source rows too (their unique key stays),
        # and on PostgreSQL their foreign keys (checked row by row otherwise).
        assert all(("source_record_link" in source) != planned for _, source, _ in seen)
        assert all(fks == ({"contact_id", "run_id"} if not planned or not store.is_postgres() else set())
                   for _, _, fks in seen)
        assert _contact_indexes() == before and _contact_indexes("contacts_sourcerecord") == lookups  # all back
        assert _foreign_keys() == {"contact_id", "run_id"}
        monkeypatch.setattr(*spied, real_write)

    # A load killed after dropping them: the next run of any kind puts them back.
    from django.db import connection

    store.drop_deferrable_indexes(connection.cursor(), lookups=True)
    store.drop_source_foreign_keys(connection.cursor())
    assert _contact_indexes() == set()
    monkeypatch.setattr(ingest, "_settings", real)
    ingest_rows("digital", [{"contact_id": "W1", "channel": "webchat", "started_at": "2025-05-01T09:00:00Z"}], defer=True)
    assert _contact_indexes() == before and _contact_indexes("contacts_sourcerecord") == lookups
    assert _foreign_keys() == {"contact_id", "run_id"}


def _unchecked_foreign_keys() -> set[str]:
    """PostgreSQL: the source rows' foreign keys added NOT VALID and not validated since."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'contacts_sourcerecord'::regclass "
                       "AND contype = 'f' AND NOT convalidated")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_plan_validates_the_foreign_keys_it_adds_unchecked_and_a_killed_one_is_repaired(tmp_path, monkeypatch):
    from django.db import connection

    from engage.contacts import store
    from engage.contacts.ingest import ingest_files, ingest_rows

    if not store.is_postgres():
        pytest.skip("SQLite: a plan keeps the foreign keys")
    from engage.contacts import plan

    real = ingest._settings
    monkeypatch.setattr(ingest, "_settings", lambda: {**real(), "defer_indexes_rows": 1, "plan": True})
    paths = write(tmp_path)
    paused = []
    real_tables = plan._batch_tables
    monkeypatch.setattr(plan, "_batch_tables", lambda *a: (paused.append(_autovacuum_paused()), real_tables(*a))[1])
    ingest_files([(paths[source], source) for source in ("calls", "acd", "cc")], defer=True)
    assert _foreign_keys() == {"contact_id", "run_id"} and _unchecked_foreign_keys() == set()
    # No autovacuum on the tables while the rows pour in (its lock would hold the index builds up); back after.
    assert paused and all(tables == {"contacts_contact", "contacts_sourcerecord"} for tables in paused)
    assert _autovacuum_paused() == set()
    # A load killed between adding the keys unchecked and validating them: the next run checks them
    # (and gives the tables their autovacuum back).
    store.drop_source_foreign_keys(connection.cursor())
    store.ensure_foreign_keys(connection.cursor(), check=False)
    store.pause_autovacuum(connection.cursor())
    assert len(_unchecked_foreign_keys()) == 2 and len(_autovacuum_paused()) == 2
    monkeypatch.setattr(ingest, "_settings", real)
    ingest_rows("digital", [{"contact_id": "W1", "channel": "webchat", "started_at": "2025-05-01T09:00:00Z"}], defer=True)
    assert _foreign_keys() == {"contact_id", "run_id"} and _unchecked_foreign_keys() == set()
    assert _autovacuum_paused() == set()


def _autovacuum_paused() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE 'autovacuum_enabled=false' = ANY(reloptions)")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the plan's own writer connections (two on PostgreSQL) commit
def test_a_plan_commits_its_batches_in_order_so_a_failed_one_takes_the_later_ones_with_it(
        tmp_path, monkeypatch, small_batches):
    import time

    from engage.contacts import plan, store
    from engage.contacts.ingest import ingest_files
    from engage.contacts.models import Contact

    paths = write(tmp_path)
    _with_plan(monkeypatch, True)
    real_writers = store.frame_writers

    def writers():
        first = real_writers()
        real_write, calls = first[0].write, []

        def slow_then_broken(table, frame):  # batch 0, still writing when batch 1 (other writer) is done
            calls.append(table)
            if len(calls) == 1:
                time.sleep(0.5)
                raise OSError("disk full")
            real_write(table, frame)
        first[0].write = slow_then_broken
        return first

    monkeypatch.setattr(store, "frame_writers", writers)
    built = []
    real_tables = plan._batch_tables
    monkeypatch.setattr(plan, "_batch_tables", lambda *a: (built.append(1), real_tables(*a))[1])
    with pytest.raises(OSError, match="disk full"):
        ingest_files([(paths[source], source) for source in SOURCES_ORDER], defer=True)
    assert len(built) >= 2  # a later batch was on its way meanwhile
    assert not Contact.objects.exists() and not SourceRecord.objects.exists()
    assert set(ImportRun.objects.values_list("status", "rows_imported")) == {("failed", 0)}


@pytest.mark.django_db
def test_import_command_takes_source_file_pairs(tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    paths = write(tmp_path)
    call_command("import", f"calls={paths['calls']}", f"acd={paths['acd']}", defer=True, json=True)
    out = json.loads(capsys.readouterr().out)
    assert [(r["source"], r["quarantined"]) for r in out] == [("calls", 6), ("acd", 1)]
    with pytest.raises(CommandError, match="write each file as SOURCE=FILE"):
        call_command("import", str(paths["calls"]))


# ---------------------------------------------------------------- the one-pass plan (plan.py)

SOURCES_ORDER = ("calls", "acd", "cc", "digital")


def _with_plan(monkeypatch, enabled: bool) -> None:
    real = ingest._settings
    monkeypatch.setattr(ingest, "_settings", lambda: {**real(), "plan": enabled})


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_one_pass_plan_gives_the_per_file_result(tmp_path, monkeypatch, small_batches):
    from engage.contacts import plan
    from engage.contacts.ingest import ingest_files

    paths = write(tmp_path)
    files = [(paths[source], source) for source in SOURCES_ORDER]
    planned = []
    real_load = plan.load
    monkeypatch.setattr(plan, "load", lambda *a: (planned.append(1), real_load(*a))[1])
    got, results = {}, {}
    for name, enabled in (("plan", True), ("per-file", False)):
        with monkeypatch.context() as m:
            _with_plan(m, enabled)
            clear()
            results[name] = ingest_files(files, defer=True)
            got[name] = state()
    assert planned == [1]  # the per-file round did not plan
    for part in range(4):  # contacts, source rows, quarantine, run counters
        assert got["plan"][part] == got["per-file"][part]
    counts = lambda rs: [(r.source, r.read, r.imported, r.duplicate, r.quarantined, r.skipped, sorted(r.problems))  # noqa: E731
                         for r in rs]
    assert counts(results["plan"]) == counts(results["per-file"])
    assert len(got["plan"][2]) == 9
    # Joins happened across sources (calls+ACD+incident in one contact), over batch boundaries of 50.
    assert any(len(keys) == 3 for keys, *_ in got["plan"][0])

    # A second load finds the store full: the per-file path, everything a duplicate, nothing changed.
    again = ingest_files(files, defer=True)
    assert planned == [1] and all(r.imported == 0 for r in again)
    assert state()[0] == got["plan"][0]


def test_match_calls_is_match_incidents_for_every_number():
    """The as-of join with its exceptions gives the greedy rule's answer, ties and conflicts included."""
    import random

    import polars as pl

    from engage.contacts.joining import match_incidents
    from engage.contacts.plan import match_calls

    rng = random.Random(4)
    for _ in range(60):
        calls, incidents = [], []
        for n in range(rng.randint(1, 200)):
            phone = f"+4477009{rng.randint(0, 5):05d}"
            stamp = f"2025-01-01 10:{rng.randint(0, 40):02d}:{rng.choice([0, 0, 30, 59]):02d}"
            (calls if rng.random() < 0.55 else incidents).append((phone, stamp, f"K{n}"))
        frame = lambda rows: pl.DataFrame(rows, schema={"phone": pl.String, "at": pl.String, "key": pl.String}, orient="row")  # noqa: E731,E501
        tolerance = rng.choice([0, 60, 300, 900])
        got = dict(match_calls(frame(calls), frame(incidents), tolerance).iter_rows())
        want = {}
        for phone in {p for p, _, _ in incidents}:
            want.update(match_incidents([(t, k) for p, t, k in calls if p == phone],
                                        [(t, k) for p, t, k in incidents if p == phone], tolerance))
        assert got == want


@pytest.mark.django_db
def test_a_plan_that_fails_records_its_runs_as_failed(tmp_path, monkeypatch):
    from engage.contacts import plan
    from engage.contacts.ingest import ingest_files

    paths = write(tmp_path)

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(plan, "_commit_batch", broken)
    with pytest.raises(OSError, match="disk full"):
        ingest_files([(paths[source], source) for source in SOURCES_ORDER], defer=True)
    assert set(ImportRun.objects.values_list("status", "message")) == {("failed", "disk full")}
    assert not SourceRecord.objects.exists()
