"""Bad input: a clear one-line error for unusable files, quarantine for unusable rows, the rest imported."""
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engage.contacts.formats import COLUMNS
from engage.contacts.ingest import IngestError, ingest_file
from engage.contacts.models import Contact, QuarantinedRow
from engage.testing import engage_command, subprocess_env

from .conftest import write_csv

CALL = {"call_id": "C1", "started_at": "2025-01-01T10:00:00Z", "ended_at": "2025-01-01T10:04:00Z", "direction": "in",
        "line": "999", "cli": "07700 900123", "handler_id": "H1"}


def test_missing_columns_name_the_file_and_the_columns(tmp_path):
    path = write_csv(tmp_path / "calls.csv", ["call_id", "started", "line"], [["C1", "2025-01-01", "999"]])
    with pytest.raises(IngestError) as exc:
        ingest_file(path, "calls")
    assert str(exc.value).startswith(f"{path}: missing columns: started_at, ended_at, direction, cli, handler_id")


@pytest.mark.django_db(transaction=True)
def test_cli_errors_are_one_line_without_traceback(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty file"):
        call_command("import", str(empty), source="calls")
    wrong = write_csv(tmp_path / "wrong.csv", ["a", "b"], [["1", "2"]])
    proc = subprocess.run([*engage_command(), "import", "--source", "acd", str(wrong)], env=subprocess_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert f"{wrong}: missing columns: call_id, line, arrived_at" in proc.stderr


@pytest.mark.django_db
def test_header_only_file_imports_nothing(tmp_path):
    result = ingest_file(write_csv(tmp_path / "c.csv", COLUMNS["calls"], []), "calls", defer=True)
    assert (result.read, result.imported, result.status) == (0, 0, "completed")


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_bom_and_cp1252_files(tmp_path, encoding):
    path = write_csv(tmp_path / "d.csv", COLUMNS["digital"], [
        {"contact_id": "D1", "channel": "webchat", "started_at": "2025-01-01 10:00", "name": "Zoë Brontë", "subject": "£20 stolen"},
    ], encoding=encoding)
    result = ingest_file(path, "digital", defer=True)
    assert (result.imported, result.quarantined) == (1, 0)
    c = Contact.objects.get()
    assert (c.name, c.subject) == ("Zoë Brontë", "£20 stolen")


@pytest.mark.postgres
@pytest.mark.django_db
def test_bad_rows_are_quarantined_and_good_rows_still_go_in(tmp_path):
    rows = [
        CALL,
        {**CALL, "call_id": "C2", "started_at": "31/02/2025 10:00"},  # no such date
        {**CALL, "call_id": "C3", "started_at": ""},  # no timestamp
        {**CALL, "call_id": ""},  # no key
        {**CALL, "call_id": "C1", "started_at": "2025-01-01T11:00:00Z"},  # duplicate key in the file
        {**CALL, "call_id": "C4", "cli": "see notes", "ended_at": "soon"},  # odd number, bad end: kept
        {**CALL, "call_id": "C5", "direction": "sideways"},
    ]
    path = write_csv(tmp_path / "calls.csv", COLUMNS["calls"], rows)
    with path.open("a", newline="") as f:
        f.write("C6,2025-01-01T12:00:00Z,2025-01")  # truncated last line, no newline
    result = ingest_file(path, "calls", defer=True)
    assert (result.read, result.imported, result.duplicate, result.quarantined) == (8, 2, 1, 5)
    assert result.problems == [
        (3, "started_at", "unrecognised date/time '31/02/2025 10:00'"),
        (4, "started_at", "missing timestamp"),
        (5, "call_id", "missing key"),
        (8, "direction", "unknown direction 'sideways' (expected in/out)"),
        (9, "", "truncated: 3 fields, header has 7"),
    ]
    c4 = Contact.objects.get(sources__source_key="C4")
    assert (c4.phone_status, c4.phone_e164, c4.ended_at) == ("invalid", "", None)
    q = QuarantinedRow.objects.get(line_number=9)
    assert (q.file_name, q.raw, q.run_id) == (str(path.resolve()), "C6,2025-01-01T12:00:00Z,2025-01", result.run_id)


@pytest.mark.django_db
def test_unparseable_numbers_are_not_a_reason_to_quarantine(tmp_path):
    path = write_csv(tmp_path / "acd.csv", COLUMNS["acd"], [
        {"call_id": "A1", "line": "101", "arrived_at": "2025-06-01 10:00:00", "answered_at": "", "abandoned": "",
         "queue_seconds": "n/a", "talk_seconds": "12,5"},
    ])
    result = ingest_file(path, "acd", defer=True)
    assert (result.imported, result.quarantined) == (1, 0)
    c = Contact.objects.get()
    assert (c.queue_seconds, c.talk_seconds, c.abandoned) == (None, None, True)  # unanswered: abandoned
    assert c.arrived_at.isoformat() == "2025-06-01T09:00:00+00:00"  # BST
