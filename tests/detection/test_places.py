"""Place keys: one place written differently is one place; tested on NOPD's real export."""
import csv
import itertools
import re
import unicodedata
from collections import Counter
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from hypothesis import given, settings, strategies as st

from engage.detection.places import (
    _INTERSECTION, _SPACE, _ascii_upper, place_key, place_key_of, place_keys, place_keys_of,
)

NOPD = Path("/work/shared/data/nopd/calls_for_service_2022_sample.csv")
NOPD_MAP = Path(__file__).resolve().parents[2] / "src/engage/contacts/maps/nopd.toml"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


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


# --- The column-wise twin (place_keys_of) gives exactly the Python key -------------------

_WORDS = ["AND", "and", "And", "BLK", "Blk", "BLOCK", "OF", "of", "STREET", "Street", "ST", "St.", "SAINT", "STR",
          "AVENUE", "AV", "ROAD", "HIGHWAY", "NORTH", "SOUTHWEST", "JUNIOR", "APARTMENT", "ANDOVER", "BLOCKS",
          "CB1 2AB", "CB12AB", "cb12ab", "SW1A1AA", "M11AE", "0CB12AB", "003XX", "030XX", "000", "0", "007", "70126",
          "12", "1A", "Saint-Étienne", "Café", "Straße", "O'Neil"]
_CHARS = list("ABZaz09#&+@/,' \t\n\x0b\x0c\r\x1c\x1f\u00a0\u2003-._") + [
    "é", "É", "ñ", "ß", "Ⅻ", "①", "ﬁ", "²", "½", "Å", "\u0301", "ı", "İ", "ǅ", "😀", "北", "\x85", "\ue000",
    "\U0001ccd6", "\ua7f1"]
_TEXT = st.one_of(
    st.none(),
    st.lists(st.one_of(st.sampled_from(_WORDS), st.sampled_from(_CHARS)), max_size=14).map("".join),
    st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join),
)


def _assert_column_wise_agrees(locations: list[str | None], addresses: list[str | None]) -> None:
    texts = pl.Series(locations + addresses, dtype=pl.String)
    assert place_keys(texts).to_list() == [place_key(t) for t in locations + addresses]
    assert texts.to_list() == locations + addresses  # the caller's column is left as it was
    both = place_keys_of(pl.Series(locations, dtype=pl.String), pl.Series(addresses, dtype=pl.String))
    assert both.to_list() == [place_key_of(loc, addr) for loc, addr in zip(locations, addresses)]


def test_column_wise_keys_of_no_rows():
    assert place_keys_of(pl.Series([], dtype=pl.String), pl.Series([], dtype=pl.String)).to_list() == []


@settings(max_examples=1000, deadline=None)  # ~6,000 pairs: each example is a batch, as in the importer
@given(st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=12))
def test_column_wise_keys_equal_python_keys(pairs):
    _assert_column_wise_agrees([p[0] for p in pairs], [p[1] for p in pairs])


@pytest.mark.parametrize("text, key", [
    ("003XX Blk of BLOCK Bienville St", "3XX BIENVILLE ST"),  # a run of droppers after a number all go
    ("Blk 003XX Bienville", "BLK 3XX BIENVILLE"),  # before any number it stays
    ("CB12AB BLK", "CB1 2AB"),  # a postcode's kept half "2AB" starts with a digit
    ("12 # BLK", "12"), ("000", "0"), ("0CB12AB", "0CB12AB"),
    ("A\x1c&\x1cB", "A & B"), ("A \x1f/\x1f B", "A & B"),  # Python's \s includes \x1c-\x1f
    ("Saint-Étienne & Straße, ①", "ST ETIENNE & STRAE 1"),
    ("x" * 400, "X" * 300),
])
def test_column_wise_edge_cases(text, key):
    assert place_key(text) == key
    _assert_column_wise_agrees([text, None, ""], [None, text, ""])


def test_every_code_point_reduces_to_the_same_ascii():
    """NFKD + ASCII per character agree for all of Unicode, incl. characters newer than Python's tables.

    NFKD never composes and ASCII characters do not reorder, so agreeing per character is
    agreeing on every text; _UNKNOWN_TO_PYTHON is what makes the newest ones agree.
    """
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    python = [unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode().upper().replace("'", "")
              for c in chars]
    column = _ascii_upper(pl.Series(chars)).to_list()
    assert [c for c, p, k in zip(chars, python, column) if p != k] == []


def test_intersection_pattern_is_the_old_one_on_ascii_text():
    r"""Spelling \s out as _SPACE changed no split: the text is ASCII when it is split."""
    assert {chr(c) for c in range(128) if re.fullmatch(r"\s", chr(c))} == \
        {chr(c) for c in range(128) if re.fullmatch(_SPACE, chr(c))}
    old = re.compile(r"\s*(?:&|\+|@|\bAND\b|\s/\s)\s*")
    texts = ["".join(p) for p in itertools.product(["A", "AND", " ", "\x1c", "/", "&", "+", "@", "B"], repeat=4)]
    assert all(old.split(t) == _INTERSECTION.split(t) for t in texts)


def _distinct_texts(path: Path, *columns: str) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return sorted({row[c] for row in csv.DictReader(f) for c in columns if c in row})


def test_column_wise_keys_on_nopd_and_the_examples():
    """Real NOPD block addresses (ZIPs, 0-padded blocks, both-way intersections) and examples/."""
    texts = []
    if NOPD.exists():  # the shipped map keys "BLOCK_ADDRESS, Zip"
        texts = _distinct_texts(NOPD, "BLOCK_ADDRESS", "TypeText", "DispositionText")
        texts += sorted({f"{r['BLOCK_ADDRESS']}, {r['Zip']}" for r in _nopd_rows()})
    for name in ("cc", "digital"):
        texts += _distinct_texts(EXAMPLES / f"{name}.csv", "location", "caller_address", "name", "subject")
    assert len(texts) > (5000 if NOPD.exists() else 10)
    _assert_column_wise_agrees(texts, list(reversed(texts)))


def test_column_wise_keys_on_synth_output(tmp_path):
    call_command("synth", "--days", "2", "--seed", "5", "--scale", "0.3", "--out", str(tmp_path), stdout=StringIO())
    texts = _distinct_texts(tmp_path / "cc.csv", "location", "caller_address")
    assert len(texts) > 100
    _assert_column_wise_agrees(texts, list(reversed(texts)))
