"""Areas served by community safety units, found from a postcode's district.

Configured as `[[areas]]` tables (code, name, postcode_prefixes); a postcode belongs
to the area with the longest prefix that matches its outward code.
"""
from __future__ import annotations

import functools
import re

from engage import config
from engage.identity.normalise import postcode_key


def areas() -> list[dict]:
    """The configured areas: [{'code', 'name', 'postcode_prefixes'}, ...]."""
    return [dict(a) for a in config.load().get("areas", [])]


@functools.cache
def _prefixes() -> list[tuple[str, str]]:
    pairs = [(" ".join(p.upper().split()), a["code"]) for a in areas() for p in a.get("postcode_prefixes", [])]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def _matches(prefix: str, key: str, district: str) -> bool:
    if " " in prefix:  # a sector, e.g. "CB1 2"
        return key.startswith(prefix)
    if prefix.isalpha():  # a postcode area, e.g. "CB": any district in it
        return re.fullmatch(rf"{prefix}\d[0-9A-Z]?", district) is not None
    return district == prefix  # a district: "CB2" must not claim "CB21"


@functools.lru_cache(maxsize=65_536)
def area_for_postcode(postcode: str | None) -> str:
    """Area code for a postcode ('CB22 3AB' -> 'SCA'), or '' when no area claims it."""
    key = postcode_key(postcode)
    if not key:
        return ""
    district = key.split(" ")[0]  # a full postcode or a bare district ("CB1")
    for prefix, code in _prefixes():
        if _matches(prefix, key, district):
            return code
    return ""


def clear_cache() -> None:
    """Forget cached areas (tests that change the configuration)."""
    _prefixes.cache_clear()
    area_for_postcode.cache_clear()
