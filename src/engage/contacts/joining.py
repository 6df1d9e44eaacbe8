"""Joining source rows into contacts, so that import order never matters.

A contact is a pure function of its source rows (`build_contact`), and which rows
belong together is a pure function of all rows for the number (`match_incidents`):
whichever file comes first, the same rows end up in the same contacts with the same
fields. docs/formats.md, "Joining sources", states the rules and edge cases.
"""
from __future__ import annotations

import bisect
import functools
import datetime as dt
from collections.abc import Iterable

from engage.identity.phones import PRESENT, normalise

# Which source wins for a field several sources provide: ACD times are the switch's
# own, the call log's CLI is the network's, C&C holds what the handler typed.
_ORDER = {"acd": 0, "calls": 1, "digital": 2, "cc": 3}
_PHONE_ORDER = {"calls": 0, "cc": 1, "digital": 2, "acd": 3}

CONTACT_FIELDS = [
    "channel", "arrived_at", "answered_at", "ended_at", "queue_seconds", "talk_seconds", "abandoned",
    "phone_raw", "phone_e164", "phone_status", "name", "address", "postcode", "email", "handle", "location",
    "place_key", "incident_number", "opening_code", "grade", "closing_code", "narrative", "subject",
    "reference", "handler",
]
_TEXT_FIELDS = {
    "name", "address", "postcode", "email", "handle", "location", "incident_number", "opening_code", "grade",
    "closing_code", "narrative", "subject", "reference", "handler",
}


def _place_key_function():
    try:  # detection owns place normalisation; without it the key is left empty
        from engage.detection.places import place_key_of
    except ImportError:
        return lambda location, address: ""
    return place_key_of


_place_key = None


@functools.lru_cache(maxsize=200_000)
def place_key(location: str, address: str) -> str:
    """The contact's place (incident location, else the caller's address); cached: places repeat."""
    global _place_key
    if _place_key is None:
        _place_key = _place_key_function()
    if not location and not address:
        return ""
    try:
        return (_place_key(location, address) or "")[:300]
    except Exception:  # noqa: BLE001 - a place we cannot key is still a contact
        return ""


_EMPTY = {name: "" for name in _TEXT_FIELDS}


def build_contact(parts: Iterable[tuple[str, str, dict]], region: str = "GB") -> dict:
    """The contact's fields from its source rows: (system, source_key, data) triples."""
    parts = list(parts)
    if len(parts) == 1:  # the common case: one source row, nothing to merge
        ordered = parts
        out = {k: v for k, v in parts[0][2].items() if v is not None and v != ""}
    else:
        ordered = sorted(parts, key=lambda p: (_ORDER.get(p[0], 9), p[1]))
        out = {}
        for _system, _key, data in ordered:
            for name, value in data.items():
                if value is not None and value != "" and name not in out:
                    out[name] = value
    phone = _phone(ordered, region)
    contact = dict.fromkeys(CONTACT_FIELDS)
    contact.update(_EMPTY)
    contact.update(out)
    # An abandoned flag only ACD knows; a phone contact without ACD is not abandoned.
    abandoned = next((p[2]["abandoned"] for p in ordered if p[0] == "acd" and "abandoned" in p[2]), False)
    contact.update(
        phone_raw=phone.raw[:64], phone_e164=phone.e164, phone_status=phone.status, abandoned=bool(abandoned),
        channel=_channel(ordered), place_key=place_key(contact["location"], contact["address"]),
    )
    return contact


def _phone(ordered: list[tuple[str, str, dict]], region: str):
    """The first source that has a real number, else the first recorded state."""
    if len(ordered) == 1:
        return normalise(ordered[0][2].get("phone_raw") or "", region)
    by_phone = sorted(ordered, key=lambda p: (_PHONE_ORDER.get(p[0], 9), p[1]))
    phones = [normalise(p[2].get("phone_raw") or "", region) for p in by_phone]
    chosen = next((p for p in phones if p.status == PRESENT), None)
    return chosen or next((p for p in phones if p.raw), None) or normalise("", region)


def _channel(ordered: list[tuple[str, str, dict]]) -> str:
    # A known channel from any source beats "other" (e.g. a call log line "other" with
    # an ACD line "999").
    channels = [p[2].get("channel") for p in ordered if p[2].get("channel")]
    return next((c for c in channels if c != "other"), channels[0] if channels else "other")


def _ts(text) -> dt.datetime:
    if isinstance(text, dt.datetime):
        return text.replace(tzinfo=None) if text.tzinfo is None else text.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return dt.datetime.fromisoformat(text)


def match_incidents(
    calls: list[tuple[object, str]], incidents: list[tuple[object, str]], tolerance_seconds: float
) -> dict[str, str]:
    """Join C&C incidents to calls from the same number: incident key -> call key.

    Incidents are taken in time order; each takes the closest call that started within
    the tolerance before (or at) its creation and is not yet taken by another incident.
    Inputs are (time, key) pairs for ONE number; the result depends only on the sets.
    """
    tol = dt.timedelta(seconds=tolerance_seconds)
    call_list = sorted((_ts(t), k) for t, k in calls)
    starts = [t for t, _ in call_list]
    taken: set[int] = set()
    result: dict[str, str] = {}
    for created, inc_key in sorted((_ts(t), k) for t, k in incidents):
        i = bisect.bisect_right(starts, created) - 1
        while i >= 0 and starts[i] >= created - tol:
            if i not in taken:
                taken.add(i)
                result[inc_key] = call_list[i][1]
                break
            i -= 1
    return result
