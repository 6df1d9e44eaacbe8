"""Places: one key per place however it was written, so repeat locations can be counted.

`place_key("Chef Menteur Hwy & Downman Rd") == place_key("downman road / chef menteur highway")`.
Rules (docs/rules.md, "Places"): upper case, accents and punctuation dropped; street
types, directions and "Saint" reduced to one abbreviation (STREET/ST -> ST, AVENUE/AV ->
AVE, HIGHWAY -> HWY, ...); leading zeros dropped from house and block numbers (030XX ->
30XX); the words BLK/BLOCK after a block number dropped; a UK postcode written with its
space; an intersection ("A & B", "A and B", "A / B") is its streets sorted, so "A & B" ==
"B & A" (each comma-separated segment on its own, so "A & B, 70126" == "B & A, 70126").
House numbers are kept: 12 and 14 High Street are different places.
"""
from __future__ import annotations

import functools
import re
import unicodedata

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
_INTERSECTION = re.compile(r"\s*(?:&|\+|@|\bAND\b|\s/\s)\s*")
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
