"""Normalised keys for names, addresses and postcodes, used by every linkage path.

One implementation serves the live receiver, `engage resolve` and `--full`, so the
fast path and the batch path compare exactly the same strings. Cached: real data
repeats the same few thousand names and addresses many times.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "lady", "lord", "master"}
_SUFFIXES = {"jr", "jnr", "sr", "snr", "ii", "iii"}
_UNKNOWN_NAMES = {"", "unknown", "not known", "n/a", "na", "none", "anon", "anonymous", "withheld",
                  "caller", "not given", "refused", "no name", "nk", "unk", "null"}

# Street-type abbreviations written either way round are one address.
_ADDRESS_WORDS = {
    "rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "ln": "lane",
    "cl": "close", "cres": "crescent", "cresc": "crescent", "ct": "court", "crt": "court",
    "dr": "drive", "drv": "drive", "gdns": "gardens", "gdn": "garden", "gr": "grove", "grv": "grove",
    "pl": "place", "sq": "square", "tce": "terrace", "terr": "terrace", "pk": "park", "wy": "way",
    "hse": "house", "ho": "house", "flt": "flat", "apt": "flat", "apartment": "flat", "fl": "flat",
    "bldg": "building", "mt": "mount", "nth": "north", "sth": "south", "n": "north", "s": "south",
    "e": "east", "w": "west", "upr": "upper", "lwr": "lower", "gt": "great", "lt": "little",
    "hts": "heights", "mws": "mews", "wlk": "walk", "bvd": "boulevard", "blvd": "boulevard",
    "cottages": "cottage", "cotts": "cottage", "rise": "rise", "row": "row",
}
_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)([0-9][A-Z]{2})$")


def _ascii_lower(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


class NameKey(NamedTuple):
    full: str  # "" when no usable name
    first: str
    surname: str


@functools.lru_cache(maxsize=262_144)
def name_key(raw: str | None) -> NameKey:
    """'Mr. John  SMITH-Jones' -> ('john smith jones', 'john', 'smith jones').

    "Smith, John" is read as surname first. Titles, suffixes, punctuation and the
    placeholders handlers type when no name is given ('unknown', 'anon') are dropped.
    """
    text = _ascii_lower((raw or "").strip())
    if "," in text:
        surname_part, _, first_part = text.partition(",")
        text = f"{first_part} {surname_part}"
    text = re.sub(r"[^a-z' -]", " ", text).replace("'", "").replace("-", " ")
    words = [w for w in text.split() if w not in _TITLES and w not in _SUFFIXES]
    full = " ".join(words)
    if full in _UNKNOWN_NAMES or not words:
        return NameKey("", "", "")
    if len(words) == 1:
        return NameKey(full, "", words[0])
    # A middle name is often dropped: the surname is the last word.
    return NameKey(full, words[0], words[-1])


@functools.lru_cache(maxsize=262_144)
def address_key(raw: str | None) -> str:
    """'Flat 2, 14 Mill Rd.' -> 'flat 2 14 mill road' (case, punctuation, abbreviations)."""
    text = _ascii_lower((raw or "").strip())
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    words = [_ADDRESS_WORDS.get(w, w) for w in text.split()]
    return " ".join(words)


@functools.lru_cache(maxsize=65_536)
def postcode_key(raw: str | None) -> str:
    """'cb1 2ab' -> 'CB1 2AB'; a postcode that is not UK-shaped is kept upper-cased, unspaced."""
    text = re.sub(r"[^A-Za-z0-9]", "", raw or "").upper()
    match = _POSTCODE_RE.match(text)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    return text


def postcode_district(postcode: str) -> str:
    """The outward code: 'CB1 2AB' -> 'CB1'."""
    key = postcode_key(postcode)
    return key.split(" ")[0] if " " in key else ""
