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
# Each step below mirrors one line of place_key/_street; Rust's regex has no lookahead, so
# `^0+(?=\d)` becomes `^0+(\d)` -> `$1` (the same zeros go).

# Characters Python 3.11's Unicode 14.0 does not know but Polars' newer tables decompose to
# ASCII (an outlined Latin letter/digit -> A-Z/0-9); Python drops them, so they go first here.
# tests/detection/test_places.py recomputes this set over every code point.
_UNKNOWN_TO_PYTHON = r"[\x{A7F1}\x{1CCD6}-\x{1CCF9}]"
_SPLIT = "\ue000"  # an intersection marker: not ASCII, so never in the text by then
_PART = ["id", "segment_no", "part_no"]


def _ascii_upper(text: pl.Expr) -> pl.Expr:
    """NFKD, then ASCII only, upper case, apostrophes gone (O'Neil -> ONEIL)."""
    return (text.str.replace_all(_UNKNOWN_TO_PYTHON, "").str.normalize("NFKD")
            .str.replace_all(r"[^\x00-\x7F]+", "").str.to_uppercase().str.replace_all("'", "", literal=True))


def _tokens(texts: pl.Series) -> pl.DataFrame:
    """One row per non-empty token, in order: id (of the text), segment_no, part_no, token."""
    return (
        pl.DataFrame({"text": texts}).with_row_index("id")
        .select("id", _ascii_upper(pl.col("text")).str.split(",").alias("segment"))
        .explode("segment")
        .with_columns(pl.int_range(pl.len()).over("id").alias("segment_no"))
        .with_columns(pl.col("segment").str.replace_all(_INTERSECTION.pattern, _SPLIT).str.split(_SPLIT).alias("part"))
        .explode("part")
        .with_columns(pl.int_range(pl.len()).over("id", "segment_no").alias("part_no"))
        .select(*_PART, pl.col("part").str.replace_all(r"[^A-Z0-9# ]+", " ").str.replace_all("#", "", literal=True)
                .str.split(" ").alias("token"))
        .explode("token")
        .filter(pl.col("token") != "")
    )


def _street_tokens(tokens: pl.DataFrame) -> pl.DataFrame:
    """_street's per-token rules: BLK/BLOCK/OF after a number, leading zeros, postcodes, abbreviations."""
    token = pl.col("token")
    postcode = token.str.contains(_POSTCODE.pattern)
    dropper = token.is_in(sorted(_DROP_AFTER_NUMBER))
    # A dropper goes when the last token kept before it starts with a digit: droppers never
    # do, so that is the nearest earlier non-dropper (a postcode's kept half is "2AB").
    after_number = (pl.when(~dropper).then(postcode | token.str.contains("^[0-9]"))
                    .forward_fill().over(_PART).fill_null(False))
    stripped = token.str.replace(r"^0+(\d)", "${1}")
    return tokens.filter(~(dropper & after_number)).select(
        *_PART,
        pl.when(postcode).then(stripped.str.replace(_POSTCODE.pattern, "${1} ${2}"))
        .otherwise(stripped.replace(ABBREVIATIONS)).alias("token"),
    )


def place_keys(texts: pl.Series) -> pl.Series:
    """place_key of every text (null -> ""), computed in Polars' native code, not per row."""
    keys = (
        _street_tokens(_tokens(texts))
        .group_by(_PART, maintain_order=True).agg(pl.col("token").str.join(" ").alias("part"))
        .group_by("id", "segment_no").agg(pl.col("part").unique().sort().str.join(" & ").alias("segment"))
        .sort("id", "segment_no")
        .group_by("id", maintain_order=True).agg(pl.col("segment").str.join(" ").str.slice(0, 300).alias("key"))
    )
    ids = pl.DataFrame({"id": pl.int_range(len(texts), dtype=pl.UInt32, eager=True)})
    return ids.join(keys, on="id", how="left", maintain_order="left")["key"].fill_null("").alias(texts.name)


def place_keys_of(location: pl.Series, address: pl.Series) -> pl.Series:
    """place_key_of for every (location, address) row: keys each distinct text once."""
    location, address = location.fill_null(""), address.fill_null("")
    texts = pl.concat([location, address]).unique()
    keys = place_keys(texts)
    by_location = location.replace_strict(texts, keys, return_dtype=pl.String)
    by_address = address.replace_strict(texts, keys, return_dtype=pl.String)
    return pl.select(pl.when(by_location != "").then(by_location).otherwise(by_address)).to_series().alias("place_key")
