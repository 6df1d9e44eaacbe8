"""Phone numbers: parse what a system recorded into E.164 or a distinct state.

Withheld, unavailable, invalid and the dialled emergency number itself are states,
never numbers, so two withheld calls can never be counted as one caller.
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import shortnumberinfo

PRESENT = "present"
WITHHELD = "withheld"
UNAVAILABLE = "unavailable"
INVALID = "invalid"
STATUSES = (PRESENT, WITHHELD, UNAVAILABLE, INVALID)

_WITHHELD_WORDS = {"withheld", "private", "anonymous", "restricted", "number withheld", "hidden", "blocked"}
_UNAVAILABLE_WORDS = {"", "unavailable", "unknown", "n/a", "na", "none", "null", "not available", "-", "out of area"}


class Phone(NamedTuple):
    raw: str
    e164: str  # "" unless status is PRESENT
    status: str


# A UK number written the common ways: 0 or +44, then 9 or 10 digits, spaces anywhere.
# phonenumbers gives every such number as possible (GB lengths 7, 9, 10) and its E.164 is
# +44 and the digits; tests/identity/test_phones.py checks this against phonenumbers.
_UK_COMMON = re.compile(r"(?:0|\+44)([1-9]\d{8,9})")


@functools.lru_cache(maxsize=262_144)
def normalise(raw: str | None, region: str = "GB") -> Phone:
    """Normalise one recorded number. Cached: real data repeats numbers a lot."""
    text = (raw or "").strip()
    if region == "GB":
        common = _UK_COMMON.fullmatch(text.replace(" ", ""))
        # 180020 is also a national prefix (phonenumbers strips it): leave those to it.
        if common and not common.group(1).startswith("180020"):
            return Phone(text, "+44" + common.group(1), PRESENT)
    return parse(text, region)


def parse(text: str, region: str = "GB") -> Phone:
    """Normalise with phonenumbers alone (no fast path); `text` is already stripped."""
    word = text.lower()
    if word in _WITHHELD_WORDS:
        return Phone(text, "", WITHHELD)
    if word in _UNAVAILABLE_WORDS:
        return Phone(text, "", UNAVAILABLE)
    digits = re.sub(r"[^\d+]", "", text)
    if not digits or shortnumberinfo.is_emergency_number(digits, region) or digits in {"999", "112", "101", "911"}:
        # The dialled line recorded in the CLI field says nothing about the caller.
        return Phone(text, "", UNAVAILABLE if digits else INVALID)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Phone(text, "", INVALID)
    # Ofcom's drama ranges and newly allocated ranges are "possible" but not "valid":
    # any possible number is a number (DOMAIN.md).
    if not phonenumbers.is_possible_number(parsed):
        return Phone(text, "", INVALID)
    return Phone(text, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), PRESENT)


def e164_or_none(raw: str | None, region: str = "GB") -> str | None:
    phone = normalise(raw, region)
    return phone.e164 or None
