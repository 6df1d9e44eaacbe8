import csv
from pathlib import Path

import pytest

from engage.contacts import ingest
from engage.contacts.models import Contact, ImportRun, QuarantinedRow, SourceRecord

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write_csv(path: Path, header: list[str], rows: list[list[str]] | list[dict], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return path


def snapshot() -> set:
    """The contacts as content, independent of ids and import order."""
    keys: dict[int, list] = {}
    for cid, system, key in SourceRecord.objects.values_list("contact_id", "system", "source_key"):
        keys.setdefault(cid, []).append((system, key))
    fields = ["channel", "arrived_at", "answered_at", "ended_at", "queue_seconds", "talk_seconds", "abandoned",
              "phone_e164", "phone_status", "phone_raw", "name", "incident_number", "grade", "reference", "handler"]
    out = set()
    for row in Contact.objects.values("id", *fields):
        out.add((tuple(sorted(keys.get(row["id"], []))), *(row[f] for f in fields)))
    return out


def clear() -> None:
    SourceRecord.objects.all().delete()
    Contact.objects.all().delete()
    QuarantinedRow.objects.all().delete()
    ImportRun.objects.all().delete()


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 50 rows (both paths), so tests cross batch boundaries with little data."""
    real = ingest._settings

    def settings():
        return {**real(), "batch_size": 50, "bulk_batch_size": 50}

    monkeypatch.setattr(ingest, "_settings", settings)
