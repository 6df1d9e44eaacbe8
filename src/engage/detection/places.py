"""Places: one key per place however it was written, so repeat locations can be counted.

`place_key("Chef Menteur Hwy & Downman Rd") == place_key("downman road / chef menteur highway")`.
Rules (docs/rules.md, "Places"): upper case, accents and punctuation dropped; street
types, directions and "Saint" reduced to one abbreviation (STREET/ST -> ST, AVENUE/AV ->
AVE, HIGHWAY -> HWY, ...); leading zeros dropped from house and block numbers (030XX ->
30XX); the words BLK/BLOCK after a block number dropped; a UK postcode written with its
space; an intersection ("A & B", "A and B", "A / B") is its streets sorted, so "A & B" ==
"B & A" (each comma-separated segment on its own, so "A & B, 70126" == "B & A, 70126").
House numbers are kept: 12 and 14 High Street are different places.

Two implementations of the one rule: `place_key`/`place_key_of` in Python for the live feed
and detection's few contacts at a time, and `place_keys_of` in Polars' native code for the
importer's batches (a Python call per distinct place held the GIL for seconds per million
contacts). tests/detection/test_places.py checks they agree on generated and real text.
"""
from __future__ import annotations

import functools
import re
import unicodedata

import polars as pl

ABBREVIATIONS = {
    "STREET": "ST", "STR": "ST", "SAINT": "ST",
    "ROAD": "RD", "AVENUE": "AVE", "AV": "AVE", "AVEN": "AVE",
    "HIGHWAY": "HWY", "HIWAY": "HWY", "HWAY": "HWY",
    "BOULEVARD": "BLVD", "BOUL": "BLVD", "BLV": "BLVD",
    "DRIVE": "DR", "DRV": "DR", "LANE": "LN", "PLACE": "PL", "COURT": "CT", "CRT": "CT",
    "PARKWAY": "PKWY", "PKY": "PKWY", "EXPRESSWAY": "EXPY", "EXPWY": "EXPY",
    "TERRACE": "TER", "TERR": "TER", "CLOSE": "CL", "CRESCENT": "CRES", "CRESC": "CRES",
    "SQUARE": "SQ", "GARDENS": "GDNS", "GROVE": "GR", "MOUNT": "MT", "CIRCLE": "CIR",
    "PLAZA": "PLZ", "APARTMENT": "APT",
    "JUNIOR": "JR", "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}
_DROP_AFTER_NUMBER = {"BLK", "BLOCK", "OF"}
# Python's str \s also matches \x1c-\x1f, the Rust regex in Polars does not: spelled out so
# both engines split at the same places (the text is ASCII by then, so nothing else differs).
_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f ]"
_INTERSECTION = re.compile(rf"{_SPACE}*(?:&|\+|@|\bAND\b|{_SPACE}/{_SPACE}){_SPACE}*")
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")
_NUMBERISH = re.compile(r"^0+(?=\d)")


def _street(part: str) -> str:
    tokens = re.sub(r"[^A-Z0-9# ]+", " ", part).split()
    out: list[str] = []
    for token in tokens:
        token = token.replace("#", "")
        if not token:
            continue
        if token in _DROP_AFTER_NUMBER and out and out[-1][:1].isdigit():
            continue
        token = _NUMBERISH.sub("", token)
        match = _POSTCODE.match(token)
        if match:
            out.extend(match.groups())
            continue
        out.append(ABBREVIATIONS.get(token, token))
    return " ".join(out)


@functools.lru_cache(maxsize=65_536)
def place_key(text: str | None) -> str:
    """Normalised key of an address or intersection; "" when there is nothing to key."""
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    ascii_text = ascii_text.replace("'", "")  # O'Neil -> ONEIL, not ONE IL
    segments = []
    for segment in ascii_text.split(","):  # "A & B, 70126": the intersection, then its zip
        parts = {_street(p) for p in _INTERSECTION.split(segment)}
        parts.discard("")
        if parts:
            segments.append(" & ".join(sorted(parts)))
    return " ".join(segments)[:300]


def place_key_of(location: str | None, address: str | None) -> str:
    """A contact's place: where the incident is (location), else the caller's address."""
    return place_key(location) or place_key(address)


# --- The same rule column-wise, for the importer's batches -------------------------------
# _street's per-token rules become regex replacements over the whole text, in which a token
# is a run of [A-Z0-9] between non-word characters (space, comma, the intersection marker):
# so `^...$` on a token is `\b...\b` here, and Rust's regex has no lookahead, so `^0+(?=\d)`
# is `\b0+(\d)` -> `$1` (the same zeros go). Grouping, explode and per-row Python are avoided:
# they cost more than the whole rule (a Python call per place held the GIL for seconds per
# million contacts).

# Characters Python 3.11's Unicode 14.0 does not know but Polars' newer tables decompose to
# ASCII (an outlined Latin letter/digit -> A-Z/0-9); Python drops them, so they go first here.
# tests/detection/test_places.py recomputes this set over every code point.
_UNKNOWN_TO_PYTHON = r"[\x{A7F1}\x{1CCD6}-\x{1CCF9}]"
_SPLIT = "\ue000"  # the intersection marker: not ASCII, so never in the text by then
# A run of BLK/BLOCK/OF after a token starting with a digit (a postcode's kept half "2AB"
# included, hence after the postcode split): droppers never start with one themselves.
_DROPPERS_AFTER_NUMBER = r"\b(\d[A-Z0-9]*)(?: +(?:" + "|".join(sorted(_DROP_AFTER_NUMBER)) + r")\b)+"
# Abbreviations by Aho-Corasick over " WORD " with every token between two spaces of its
# own, so neighbouring tokens never share the space a match needs.
_ABBREVIATION_PATTERNS = [f" {word} " for word in ABBREVIATIONS]
_ABBREVIATION_REPLACEMENTS = [f" {short} " for short in ABBREVIATIONS.values()]


def _ascii_upper(texts: pl.Series) -> pl.Series:
    """NFKD, then ASCII only, upper case, apostrophes gone (O'Neil -> ONEIL)."""
    # Normalising is most of the cost and ASCII text is its own NFKD: only the others go through.
    others = texts.str.contains(r"[^\x00-\x7F]").fill_null(False).arg_true()
    if len(others):
        ascii_only = (texts.gather(others).str.replace_all(_UNKNOWN_TO_PYTHON, "").str.normalize("NFKD")
                      .str.replace_all(r"[^\x00-\x7F]+", ""))
        texts = texts.scatter(others, ascii_only)
    return texts.str.to_uppercase().str.replace_all("'", "", literal=True)


def _streets(text: pl.Expr) -> pl.Expr:
    """_street on every part: tokens joined by two spaces, parts by " _SPLIT ", segments " , "."""
    tokens = (
        text.str.replace_all(_INTERSECTION.pattern, f" {_SPLIT} ")
        .str.replace_all(rf"[^A-Z0-9#, {_SPLIT}]+", " ").str.replace_all("#", "", literal=True)
        .str.replace_all(r"\b0+(\d)", "${1}")
        .str.replace_all(r"\b" + _POSTCODE.pattern[1:-1] + r"\b", "${1} ${2}")
        .str.replace_all(_DROPPERS_AFTER_NUMBER, "${1}")
    )
    spaced = " " + tokens.str.replace_all(" ", "  ", literal=True).str.replace_all(",", " , ", literal=True) + " "
    return spaced.str.replace_many(_ABBREVIATION_PATTERNS, _ABBREVIATION_REPLACEMENTS)


def _intersection_keys(streets: pl.Series) -> pl.Series:
    """Per segment its distinct non-empty parts sorted, joined " & "; segments joined " "."""
    tidy = streets.str.replace_all(" +", " ").str.replace_all(rf" ?([,{_SPLIT}]) ?", "${1}").str.strip_chars(" ")
    segments = tidy.str.split(",").list.eval(
        pl.element().str.split(_SPLIT).list.filter(pl.element() != "").list.unique().list.sort().list.join(" & "))
    return segments.list.filter(pl.element() != "").list.join(" ")


def place_keys(texts: pl.Series) -> pl.Series:
    """place_key of every text (null -> ""), computed in Polars' native code, not per row."""
    streets = pl.select(_streets(pl.lit(_ascii_upper(texts.fill_null(""))))).to_series()
    # Most texts are no intersection: their segments are their one part each, joined by one
    # space; the list work (as costly as all the rest) is only done for the others.
    keys = streets.str.replace_all("[ ,]+", " ").str.strip_chars(" ")
    crossings = streets.str.contains(_SPLIT, literal=True).arg_true()
    if len(crossings):
        keys = keys.scatter(crossings, _intersection_keys(streets.gather(crossings)))
    return keys.str.slice(0, 300).alias(texts.name)


def place_keys_of(location: pl.Series, address: pl.Series) -> pl.Series:
    """place_key_of for every (location, address) row: keys each distinct text once."""
    location, address = location.fill_null(""), address.fill_null("")
    texts = pl.concat([location, address]).unique()
    keys = place_keys(texts)
    by_location = location.replace_strict(texts, keys, return_dtype=pl.String)
    by_address = address.replace_strict(texts, keys, return_dtype=pl.String)
    return pl.select(pl.when(by_location != "").then(by_location).otherwise(by_address)).to_series().alias("place_key")
