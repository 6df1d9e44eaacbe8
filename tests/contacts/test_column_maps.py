"""Column maps: a foreign export (the real NOPD one) loads through TOML with no code change."""
import csv
import datetime as dt
from pathlib import Path

import pytest

from engage.contacts.colmap import MapError, load_map, parse_map
from engage.contacts.ingest import ingest_file
from engage.contacts.models import Contact, ImportRun

from .conftest import write_csv

NOPD = Path("/work/shared/data/nopd/calls_for_service_2022_sample.csv")
if not NOPD.exists():  # CI clones the repo with shared/ beside it
    NOPD = Path(__file__).resolve().parents[3] / "shared/data/nopd/calls_for_service_2022_sample.csv"


def nopd_expected() -> dict:
    """Counts worked out independently of the importer, with the csv module."""
    seen, counts = set(), {"read": 0, "skipped": 0, "duplicate": 0, "imported": 0}
    with NOPD.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            counts["read"] += 1
            if row["SelfInitiated"].strip().upper() == "Y":
                counts["skipped"] += 1
            elif row["item_number"] in seen:
                counts["duplicate"] += 1
            else:
                seen.add(row["item_number"])
                counts["imported"] += 1
    return counts


@pytest.mark.postgres
@pytest.mark.django_db
def test_nopd_export_loads_through_its_map():
    expected = nopd_expected()
    result = ingest_file(NOPD, "cc", "nopd", defer=True)
    got = {k: getattr(result, k) for k in expected}
    assert got == expected and result.quarantined == 0
    assert Contact.objects.count() == expected["imported"]
    run = ImportRun.objects.get(pk=result.run_id)
    assert (run.status, run.rows_skipped, run.column_map.endswith("nopd.toml")) == ("completed", expected["skipped"], True)
    # A0111422: "1/1/2022 21:54" New Orleans time (CST, UTC-6), priority 1A (first typed as 2D).
    c = Contact.objects.get(incident_number="A0111422")
    assert c.arrived_at == dt.datetime(2022, 1, 2, 3, 54, tzinfo=dt.timezone.utc)
    assert (c.grade, c.channel, c.phone_status) == ("1", "other", "unavailable")
    assert c.location == "027XX Jackson Ave, 70113"
    assert c.opening_code == "94 DISCHARGING FIREARM"
    assert c.narrative == "DISCHARGING FIREARM / GONE ON ARRIVAL"
    # Re-importing adds nothing.
    again = ingest_file(NOPD, "cc", "nopd", defer=True)
    assert (again.imported, again.duplicate, again.skipped) == (0, expected["imported"] + expected["duplicate"], expected["skipped"])
    assert Contact.objects.count() == expected["imported"]


@pytest.mark.django_db
def test_map_language_us_dates_codes_constants_concatenation_and_filters(tmp_path):
    (tmp_path / "force.toml").write_text('''
source = "calls"
timezone = "America/New_York"
date_formats = ["%m/%d/%Y %I:%M:%S %p"]
[fields]
call_id = "Ref"
started_at = "Start"
direction = { value = "in" }
line = { column = "Queue", values = { "EMERG" = "999", "NON*" = "101" } }
cli = { columns = ["Area", "Number"], sep = "" }
handler_id = "Agent"
[[skip]]
column = "Type"
in = ["test call"]
reason = "switch test call"
''')
    write_csv(tmp_path / "calls.csv", ["Ref", "Start", "Queue", "Area", "Number", "Agent", "Type"], [
        ["R1", "07/04/2025 01:30:00 PM", "EMERG", "07700", "900123", "A1", "real"],
        ["R2", "07/04/2025 01:31:00 PM", "NONEMERG-2", "07700", "900124", "A2", "Test Call"],
        ["R3", "13/04/2025 01:31:00 PM", "NONEMERG-2", "07700", "900125", "A2", "real"],
        ["R4", "07/04/2025 02:00:00 PM", "NON-EM", "", "", "A3", "real"],
    ])
    result = ingest_file(tmp_path / "calls.csv", "calls", tmp_path / "force.toml", defer=True)
    assert (result.read, result.imported, result.skipped, result.quarantined) == (4, 2, 1, 1)
    assert result.problems == [(4, "started_at", "unrecognised date/time '13/04/2025 01:31:00 PM'")]
    c = Contact.objects.get(sources__source_key="R1")
    assert (c.channel, c.phone_e164, c.handler) == ("999", "+447700900123", "A1")
    assert c.arrived_at == dt.datetime(2025, 7, 4, 17, 30, tzinfo=dt.timezone.utc)  # EDT is UTC-4
    assert Contact.objects.get(sources__source_key="R4").channel == "101"


def test_bad_maps_are_named_clearly(tmp_path):
    with pytest.raises(MapError, match="'source' must be one of"):
        parse_map({"fields": {"x": "y"}}, "m.toml")
    with pytest.raises(MapError, match="'callerid' is not a calls field"):
        parse_map({"source": "calls", "fields": {"callerid": "CLI"}}, "m.toml")
    with pytest.raises(MapError, match="unknown timezone"):
        parse_map({"source": "calls", "timezone": "Mars/Olympus", "fields": {"call_id": "x"}}, "m.toml")
    with pytest.raises(MapError, match="map is for source 'cc', not 'calls'"):
        load_map("nopd", "calls")
    with pytest.raises(MapError, match="column map not found"):
        load_map(tmp_path / "nope.toml")
