"""Joining source rows into contacts, so that import order never matters.

A contact is a pure function of its source rows (`build_contacts`), and which rows
belong together is a pure function of all rows for the number (`match_incidents`):
whichever file comes first, the same rows end up in the same contacts with the same
fields. docs/formats.md, "Joining sources", states the rules and edge cases.
"""
from __future__ import annotations

import bisect
import functools
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

import polars as pl

from engage.contacts.formats import ALL_DATA_FIELDS, FLAG_FIELDS, NUMBER_FIELDS
from engage.identity.phones import PRESENT, UNAVAILABLE, WITHHELD, normalise

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


def _place_keys(location: pl.Series, address: pl.Series) -> pl.Series:
    """place_key for a batch, column-wise in Polars (detection.places.place_keys_of)."""
    try:  # the same layering as _place_key_function: no detection, no keys
        from engage.detection.places import place_keys_of
    except ImportError:
        return pl.repeat("", len(location), dtype=pl.String, eager=True)
    return place_keys_of(location, address)


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


def _phone_states(raws: pl.Series, region: str) -> pl.DataFrame:
    """normalise() of each distinct recorded number: (raw, e164, status) for the contact."""
    uniques = raws.unique().to_list()
    phones = [normalise(r, region) for r in uniques]
    return pl.DataFrame(
        {"phone_raw": uniques, "p_raw": [p.raw[:64] for p in phones], "p_e164": [p.e164 for p in phones],
         "p_status": [p.status for p in phones]},
        schema={"phone_raw": pl.String, "p_raw": pl.String, "p_e164": pl.String, "p_status": pl.String},
    )


def _first_set(name: str, where: pl.Expr | None = None) -> pl.Expr:
    """The first value in part order that is neither null nor empty (and meets `where`)."""
    col = pl.col(name)
    keep = col.is_not_null() if name in NUMBER_FIELDS or name in FLAG_FIELDS else col.is_not_null() & (col != "")
    return col.filter(keep if where is None else keep & where).first()


def build_contacts(parts: pl.DataFrame, region: str = "GB") -> pl.DataFrame:
    """Each contact's fields from its source rows.

    `parts` has contact_id, system, source_key and the data fields (formats.DATA_FIELDS;
    null when a source does not have one). Returns contact_id and CONTACT_FIELDS. Rules:
    per field the first set value in source order (_ORDER, then key); the phone from the
    first source with a real number (_PHONE_ORDER), else the first recorded state; a
    known channel beats "other"; abandoned only from ACD.
    """
    for name in ALL_DATA_FIELDS:
        if name not in parts.columns:
            dtype = pl.Float64 if name in NUMBER_FIELDS else pl.Boolean if name in FLAG_FIELDS else pl.String
            parts = parts.with_columns(pl.lit(None, dtype).alias(name))
    parts = parts.with_columns(
        pl.col("system").replace_strict(_ORDER, default=9, return_dtype=pl.Int8).alias("_order"),
        pl.col("system").replace_strict(_PHONE_ORDER, default=9, return_dtype=pl.Int8).alias("_phone_order"),
        pl.col("phone_raw").fill_null(""),
    )
    merged = parts.sort(["contact_id", "_order", "source_key"]).group_by("contact_id", maintain_order=True).agg(
        *(_first_set(f).alias(f) for f in ALL_DATA_FIELDS if f not in ("channel", "abandoned", "phone_raw")),
        pl.coalesce(_first_set("channel", pl.col("channel") != "other"), _first_set("channel"), pl.lit("other"))
        .alias("channel"),
        pl.coalesce(_first_set("abandoned", pl.col("system") == "acd"), pl.lit(False)).alias("abandoned"),
    )
    # The phone: first source whose number is present, else the first with anything recorded.
    phones = (
        parts.select("contact_id", "source_key", "_phone_order", "phone_raw")
        .join(_phone_states(parts["phone_raw"], region), on="phone_raw", how="left")
        .sort(["contact_id", pl.col("p_status") != PRESENT, pl.col("p_raw") == "", "_phone_order", "source_key"])
        .group_by("contact_id", maintain_order=True)
        .agg(pl.col("p_raw").first().alias("phone_raw"), pl.col("p_e164").first().alias("phone_e164"),
             pl.col("p_status").first().alias("phone_status"))
    )
    out = merged.join(phones, on="contact_id", how="left").with_columns(
        *(pl.col(f).fill_null("") for f in _TEXT_FIELDS if f != "place_key"),
    )
    out = out.with_columns(_place_keys(out["location"], out["address"]).alias("place_key"))
    return out.select("contact_id", *CONTACT_FIELDS)


_EMPTY = {name: "" for name in _TEXT_FIELDS}


def build_contact(parts: Iterable[tuple[str, str, dict]], region: str = "GB") -> dict:
    """build_contacts' rules for one contact in plain Python: (system, source_key, data) triples.

    For the live feed's few rows a frame costs more than it saves; the importer uses
    this below a batch size and tests/contacts/test_bulk_path.py checks both agree.
    """
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


def naive_utc(text: str | dt.datetime) -> dt.datetime:
    """A source row's time (the importer's naive-UTC text, or a database datetime) as naive UTC."""
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
    iso = dt.datetime.fromisoformat  # the importer's times are text: skip naive_utc's checks
    call_list = sorted((iso(t) if type(t) is str else naive_utc(t), k) for t, k in calls)
    starts = [t for t, _ in call_list]
    taken: set[int] = set()
    result: dict[str, str] = {}
    for created, inc_key in sorted((naive_utc(t), k) for t, k in incidents):
        i = bisect.bisect_right(starts, created) - 1
        while i >= 0 and starts[i] >= created - tol:
            if i not in taken:
                taken.add(i)
                result[inc_key] = call_list[i][1]
                break
            i -= 1
    return result


# Lines on which a no-number incident may join a no-CLI call (docs/formats.md, rule 4).
WITHHELD_LINES = ("999", "101")


def no_cli(raw: str | None, region: str = "GB") -> bool:
    """A call-log CLI that names nobody: withheld, unavailable or empty (an invalid CLI is not one)."""
    text = (raw or "").strip()
    return not text or normalise(text, region).status in (WITHHELD, UNAVAILABLE)


def match_withheld(
    calls: Iterable[tuple[str, object, str]], incidents: Iterable[tuple[str, object, str]], tolerance_seconds: float
) -> dict[str, str]:
    """Join no-number incidents to answered no-CLI calls on their line: incident key -> call key.

    Inputs are (line, time, key): the qualifying calls (no CLI, answered) and the incidents
    with no usable number. An incident's candidates are the calls on its line that started
    within the tolerance before (or at) its creation. It joins its call only when that call
    is its ONE candidate and no other incident has that call as its one candidate: an
    ambiguous join would merge two people. A pure function of the two sets, and local in
    time (ingest._match_withheld relies on that: a row at t changes only incidents created
    within [t - tol, t + 2 tol]).
    """
    tol = dt.timedelta(seconds=tolerance_seconds)
    starts: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for line, at, key in calls:
        starts[line].append((naive_utc(at), key))
    for line_calls in starts.values():
        line_calls.sort()
    sole: dict[str, str] = {}
    for line, at, key in incidents:
        line_calls = starts.get(line, [])
        created = naive_utc(at)
        hi = bisect.bisect_right(line_calls, (created, "\uffff"))
        lo = bisect.bisect_left(line_calls, (created - tol, ""))
        if hi - lo == 1:
            sole[key] = line_calls[lo][1]
    wanted = Counter(sole.values())
    return {inc: call for inc, call in sole.items() if wanted[call] == 1}
