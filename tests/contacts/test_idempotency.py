"""Re-importing a file, or an overlapping later export, adds nothing twice; each run is recorded."""
import csv
import hashlib
import json

import pytest
from django.core.management import call_command

from engage.contacts.formats import COLUMNS
from engage.contacts.ingest import ingest_file
from engage.contacts.models import Contact, ImportRun, SourceRecord

from .conftest import write_csv


def calls(start: int, end: int) -> list[dict]:
    return [{"call_id": f"C{i}", "started_at": f"2025-02-01T10:{i % 60:02d}:00Z", "direction": "in", "line": "101",
             "cli": f"07700 900{i % 1000:03d}"} for i in range(start, end)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_reimport_and_overlapping_export_add_nothing_twice(tmp_path):
    first = write_csv(tmp_path / "jan.csv", COLUMNS["calls"], calls(0, 120))
    overlap = write_csv(tmp_path / "feb.csv", COLUMNS["calls"], calls(80, 200))
    a = ingest_file(first, "calls", defer=True)
    b = ingest_file(first, "calls", defer=True)
    c = ingest_file(overlap, "calls", defer=True)
    assert (a.imported, a.duplicate) == (120, 0)
    assert (b.imported, b.duplicate) == (0, 120)
    assert (c.imported, c.duplicate) == (80, 40)
    assert Contact.objects.count() == SourceRecord.objects.count() == 200
    run = ImportRun.objects.get(pk=a.run_id)
    assert run.file_hash == hashlib.sha256(first.read_bytes()).hexdigest()
    assert (run.status, run.rows_read, run.rows_imported, run.rows_duplicate) == ("completed", 120, 120, 0)
    assert run.started_at <= run.ended_at


@pytest.mark.django_db
def test_imports_quarantine_and_summary_commands(tmp_path, capsys):
    rows = calls(0, 5) + [{"call_id": "BAD", "started_at": "yesterday", "direction": "in"}]
    path = write_csv(tmp_path / "calls.csv", COLUMNS["calls"], rows)
    call_command("import", str(path), source="calls", defer=True, json=True)
    out = json.loads(capsys.readouterr().out)
    assert (out[0]["imported"], out[0]["quarantined"]) == (5, 1)
    run_id = out[0]["run_id"]
    call_command("imports", json=True)
    runs = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["rows_read"], r["status"]) for r in runs] == [(run_id, 6, "completed")]
    export = tmp_path / "q.csv"
    call_command("quarantine", run=run_id, csv=str(export))
    assert capsys.readouterr().out.startswith("1 quarantined rows written to")
    with export.open() as f:
        got = list(csv.DictReader(f))
    assert [(g["line_number"], g["field"], g["reason"]) for g in got] == [("7", "started_at", "unrecognised date/time 'yesterday'")]
    call_command("summary", json=True)
    summary = json.loads(capsys.readouterr().out)
    assert summary["contacts"] == 5 and summary["by_month"] == {"2025-02": {"101": 5}}
    assert summary["quarantined_rows"] == 1 and summary["rows"]["read"] == 6
    call_command("summary")  # the Rich tables render
    assert "(5 contacts)" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)  # a one-pass plan commits on a connection of its own
def test_import_table_totals_a_multi_file_run(tmp_path, capsys):
    calls_csv = write_csv(tmp_path / "calls.csv", COLUMNS["calls"], calls(0, 6))
    acd_csv = write_csv(tmp_path / "acd.csv", COLUMNS["acd"], [
        {"call_id": f"C{i}", "line": "101", "arrived_at": f"2025-02-01T10:{i:02d}:00Z", "abandoned": "N"} for i in range(4)])
    call_command("import", f"calls={calls_csv}", f"acd={acd_csv}", defer=True, json=True)
    out = json.loads(capsys.readouterr().out)
    assert [(r["source"], r["imported"], r["one_load"]) for r in out] == [("calls", 6, True), ("acd", 4, True)]
    assert len({r["seconds"] for r in out}) == 1  # the plan's one time, the same for every file
    call_command("import", f"calls={calls_csv}", f"acd={acd_csv}", defer=True)  # not empty now: file by file
    table = capsys.readouterr().out
    total = next(line for line in table.splitlines() if "total" in line)
    assert [cell.strip() for cell in total.split("│")[4:9]] == ["10", "0", "10", "0", "0"]
