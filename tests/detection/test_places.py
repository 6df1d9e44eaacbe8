"""Place keys: one place written differently is one place; tested on NOPD's real export."""
import csv
from collections import Counter
from pathlib import Path

import pytest

from engage.detection.places import place_key

NOPD = Path("/work/shared/data/nopd/calls_for_service_2022_sample.csv")
NOPD_MAP = Path(__file__).resolve().parents[2] / "src/engage/contacts/maps/nopd.toml"


@pytest.mark.parametrize("a, b", [
    ("Chef Menteur Hwy & Downman Rd", "Downman Rd & Chef Menteur Hwy"),
    ("Chef Menteur Hwy & Downman Rd, 70126", "downman road and chef menteur highway, 70126"),
    ("S Claiborne Ave & Martin Luther King Jr Blvd", "Martin Luther King Jr Blvd & S Claiborne Ave"),
    ("Elysian Fields Av & N Claiborne Av", "N. Claiborne Avenue / Elysian Fields Avenue"),
    ("003XX Blk Bienville St", "003XX Bienville Street"),
    ("030XX Oliver White Ave", "30xx oliver white avenue"),
    ("Saint Bernard Av & N Villere St", "N Villere St & St. Bernard Ave"),
    ("Flat 2, 14 High Street, Cambridge, CB1 2AB", "flat 2 14 high st cambridge cb12ab"),
    ("12 Mill Road", "12 MILL RD."),
])
def test_same_place(a, b):
    assert place_key(a) == place_key(b) != ""


@pytest.mark.parametrize("a, b", [
    ("12 High Street", "14 High Street"),  # house numbers are kept
    ("030XX Oliver White Ave", "031XX Oliver White Ave"),  # different blocks
    ("Chef Menteur Hwy & Downman Rd", "Chef Menteur Hwy & Crowder Blvd"),
    ("1 Andover Road", "1 Dover Road"),  # "AND" inside a word is not an intersection
])
def test_different_places(a, b):
    assert place_key(a) != place_key(b)


def test_empty_text_has_no_key():
    assert place_key("") == place_key(None) == place_key(" , ") == ""


def _nopd_rows():
    if not NOPD.exists():
        pytest.skip("NOPD export not present")
    with NOPD.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_nopd_intersections_written_both_ways_are_one_place():
    rows = _nopd_rows()
    raw = Counter(r["BLOCK_ADDRESS"] for r in rows)
    keyed = Counter(place_key(r["BLOCK_ADDRESS"]) for r in rows)
    forward, backward = raw["Chef Menteur Hwy & Downman Rd"], raw["Downman Rd & Chef Menteur Hwy"]
    assert forward and backward
    assert keyed[place_key("Chef Menteur Hwy & Downman Rd")] == forward + backward
    # Every intersection written both ways round collapses; nothing else merges wrongly:
    # each key's spellings differ only in order, case, punctuation or abbreviations.
    swapped = {a for a in raw if " & " in a and " & ".join(reversed(a.split(" & "))) in raw}
    assert len(swapped) > 20
    assert len(keyed) < len(raw) - len(swapped) / 2 + 1
    assert keyed.most_common(1)[0][0] == place_key("Downman Rd & Chef Menteur Hwy")


@pytest.mark.django_db
def test_nopd_import_and_busiest_locations():
    """The export loaded through the shipped column map (maps/nopd.toml); `engage locations` ranks places."""
    if not NOPD_MAP.exists():
        pytest.skip("NOPD column map not there yet")
    _nopd_rows()
    import json
    from io import StringIO

    from django.core.management import call_command

    from engage.contacts.ingest import ingest_file
    from engage.contacts.models import Contact
    from engage.detection.incremental import fill_place_keys

    result = ingest_file(NOPD, "cc", column_map=NOPD_MAP, defer=True)
    assert result.imported > 5000
    fill_place_keys(Contact.objects.values_list("id", flat=True))
    out = StringIO()
    call_command("locations", "--top", "3", "--json", stdout=out)
    places = json.loads(out.getvalue())["places"]
    top = places[0]
    assert top["place_key"] == place_key("Downman Rd & Chef Menteur Hwy, 70126")
    expected = Contact.objects.filter(location__in=["Chef Menteur Hwy & Downman Rd, 70126",
                                                    "Downman Rd & Chef Menteur Hwy, 70126"]).count()
    assert top["contacts"] == expected and top["spellings"] == 2
    out = StringIO()
    call_command("locations", "--since", "2022-07-01", "--until", "2022-08-01", "--json", stdout=out)
    july = json.loads(out.getvalue())["places"]
    assert all("2022-07" <= p["first_contact"][:7] <= "2022-08" for p in july)
    assert sum(p["contacts"] for p in july) <= sum(1 for c in Contact.objects.filter(
        arrived_at__gte="2022-07-01T05:00Z", arrived_at__lt="2022-08-01T05:00Z"))
