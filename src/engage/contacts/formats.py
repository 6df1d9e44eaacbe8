"""The four canonical source formats and how one row becomes a source record.

Each source row is parsed into a `Record`: its key, time, number, link key and the
contact fields it contributes (`data`). A row is quarantined (`Bad`) only when it is
unusable (no key, no usable timestamp, wrong shape); a merely odd value (a phone number
that does not parse, a non-numeric queue time) is kept as a state or left empty.
See docs/formats.md.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from engage.identity.phones import PRESENT, normalise

UTC = dt.timezone.utc

# Columns of each canonical format, in file order; `key` names the row's unique key and
# `time` the timestamp a row cannot do without.
COLUMNS: dict[str, list[str]] = {
    "cc": [
        "incident_number", "created_at", "source", "caller_name", "caller_phone", "caller_address",
        "caller_postcode", "location", "opening_code", "grade", "closing_code", "narrative",
    ],
    "calls": ["call_id", "started_at", "ended_at", "direction", "line", "cli", "handler_id"],
    "acd": [
        "call_id", "line", "arrived_at", "answered_at", "ended_at", "abandoned", "queue_seconds",
        "talk_seconds", "handler_id",
    ],
    "digital": ["contact_id", "channel", "started_at", "name", "phone", "email", "handle", "subject", "reference"],
}
KEY = {"cc": "incident_number", "calls": "call_id", "acd": "call_id", "digital": "contact_id"}
TIME = {"cc": "created_at", "calls": "started_at", "acd": "arrived_at", "digital": "started_at"}
SOURCES = tuple(COLUMNS)

# The fields of a source row's `data` (SourceRecord.data, JSON) per source, in the order
# the parsers below write them, and the type of every such field.
DATA_FIELDS: dict[str, list[str]] = {
    "cc": ["channel", "arrived_at", "phone_raw", "name", "address", "postcode", "location", "incident_number",
           "opening_code", "grade", "closing_code", "narrative"],
    "calls": ["channel", "arrived_at", "ended_at", "phone_raw", "handler"],
    "acd": ["channel", "arrived_at", "answered_at", "ended_at", "abandoned", "queue_seconds", "talk_seconds", "handler"],
    "digital": ["channel", "arrived_at", "phone_raw", "name", "email", "handle", "subject", "reference"],
}
NUMBER_FIELDS = {"queue_seconds", "talk_seconds"}
FLAG_FIELDS = {"abandoned"}
ALL_DATA_FIELDS = list(dict.fromkeys(f for fields in DATA_FIELDS.values() for f in fields))

# Channel from a telephony line, a C&C source or a digital channel (case-insensitive).
_CHANNELS = {
    "999": "999", "112": "999", "emergency": "999",
    "101": "101", "non-emergency": "101", "non emergency": "101",
    "webchat": "webchat", "web chat": "webchat", "chat": "webchat",
    "online": "online_report", "online_report": "online_report", "online report": "online_report", "web": "online_report",
    "social": "social_media", "social_media": "social_media", "social media": "social_media",
}
DIGITAL_CHANNELS = {"webchat", "online_report", "social_media"}
_YES = {"y", "yes", "true", "1", "t"}
_NO = {"n", "no", "false", "0", "f"}


def channel_of(value: str) -> str:
    return _CHANNELS.get(value.strip().lower(), "other")


class BadRow(Exception):
    """A row that cannot be used: quarantined with the field and reason."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class SkipRow(Exception):
    """A row that is valid but not a contact from the public (outbound call, filtered)."""


@dataclass(slots=True)
class Record:
    system: str
    key: str
    line: int
    at: str  # naive UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]'
    phone: str  # E.164 when the number is present, else ""
    link: str  # call_id (calls/acd), reference (digital), incident number (digital cc)
    data: dict = field(default_factory=dict)
    matchable: bool = False  # takes part in the CLI/time join (calls, phone cc incidents)


def utc_text(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if not offset:  # already UTC ("Z"): the common case in system logs
        return str(value.replace(tzinfo=None))
    return str(value.replace(tzinfo=None) - offset)


class TimeParser:
    """Timestamps: explicit formats (a column map's) or ISO 8601; naive times are local."""

    _FALLBACK = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M")

    def __init__(self, timezone: str = "Europe/London", formats: list[str] | None = None):
        self.zone = ZoneInfo(timezone)
        self.formats = list(formats or [])

    def __call__(self, text: str) -> str | None:
        text = text.strip()
        if not text:
            return None
        value = None
        for fmt in self.formats:
            try:
                value = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if value is None:
            try:
                value = dt.datetime.fromisoformat(text)
            except ValueError:
                value = self._fallback(text)
                if value is None:
                    raise ValueError(f"unrecognised date/time {text[:40]!r}") from None
        if not 1900 < value.year < 2200:
            raise ValueError(f"date/time out of range {text[:40]!r}")
        if value.tzinfo is None:
            return self._local_to_utc(value)
        return utc_text(value)

    def _fallback(self, text: str) -> dt.datetime | None:
        for fmt in self._FALLBACK:
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
        return None

    def _local_to_utc(self, value: dt.datetime) -> str:
        offset = self._offset(value.replace(minute=0, second=0, microsecond=0))
        return str(value - offset)

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one parser per import
    def _offset(self, hour: dt.datetime) -> dt.timedelta:
        # Offset for a local hour (DST changes happen on the hour in the zones we serve).
        return hour.replace(tzinfo=self.zone).utcoffset() or dt.timedelta(0)


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None  # not a reason to lose the contact: the figure is simply unknown
    return value if value == value and abs(value) < 1e9 else None


def _phone(raw: str, region: str) -> tuple[str, str]:
    phone = normalise(raw or "", region)
    return phone.raw, (phone.e164 if phone.status == PRESENT else "")


def _optional_time(parse: TimeParser, text: str) -> str | None:
    try:
        return parse(text)
    except ValueError:
        return None  # an unusable secondary time is left empty; the row still counts


def _required_time(parse: TimeParser, row: dict, name: str) -> str:
    text = row.get(name) or ""
    if not text.strip():
        raise BadRow(name, "missing timestamp")
    try:
        return parse(text)
    except ValueError as exc:
        raise BadRow(name, str(exc)) from None


def _key(row: dict, name: str) -> str:
    key = (row.get(name) or "").strip()
    if not key:
        raise BadRow(name, "missing key")
    if len(key) > 128:
        raise BadRow(name, "key longer than 128 characters")
    return key


def _clip(text: str | None, size: int) -> str:
    # NUL is legal in a CSV field but not in a PostgreSQL text column.
    return (text or "").replace("\x00", "").strip()[:size]


def parse_cc(row: dict, line: int, parse: TimeParser, region: str) -> Record:
    key = _key(row, "incident_number")
    at = _required_time(parse, row, "created_at")
    channel = channel_of(row.get("source") or "")
    raw, e164 = _phone(row.get("caller_phone") or "", region)
    data = {
        "channel": channel, "arrived_at": at, "phone_raw": _clip(raw, 64), "name": _clip(row.get("caller_name"), 200),
        "address": _clip(row.get("caller_address"), 300), "postcode": _clip(row.get("caller_postcode"), 12).upper(),
        "location": _clip(row.get("location"), 300), "incident_number": _clip(key, 64),
        "opening_code": _clip(row.get("opening_code"), 64), "grade": _clip(row.get("grade"), 16),
        "closing_code": _clip(row.get("closing_code"), 64), "narrative": _clip(row.get("narrative"), 100_000),
    }
    digital = channel in DIGITAL_CHANNELS
    return Record("cc", key, line, at, e164, key if digital else "", data, matchable=not digital and bool(e164))


def parse_calls(row: dict, line: int, parse: TimeParser, region: str) -> Record:
    key = _key(row, "call_id")
    direction = (row.get("direction") or "in").strip().lower()
    if direction in {"out", "outbound", "o"}:
        raise SkipRow("outbound call")
    if direction not in {"in", "inbound", "i", ""}:
        raise BadRow("direction", f"unknown direction {direction[:20]!r} (expected in/out)")
    at = _required_time(parse, row, "started_at")
    raw, e164 = _phone(row.get("cli") or "", region)
    data = {
        "channel": channel_of(row.get("line") or ""), "arrived_at": at,
        "ended_at": _optional_time(parse, row.get("ended_at") or ""), "phone_raw": _clip(raw, 64),
        "handler": _clip(row.get("handler_id"), 64),
    }
    return Record("calls", key, line, at, e164, key, data, matchable=bool(e164))


def parse_acd(row: dict, line: int, parse: TimeParser, region: str) -> Record:
    key = _key(row, "call_id")
    at = _required_time(parse, row, "arrived_at")
    answered = _optional_time(parse, row.get("answered_at") or "")
    flag = (row.get("abandoned") or "").strip().lower()
    abandoned = flag in _YES if flag in _YES | _NO else answered is None
    data = {
        "channel": channel_of(row.get("line") or ""), "arrived_at": at, "answered_at": answered,
        "ended_at": _optional_time(parse, row.get("ended_at") or ""), "abandoned": abandoned,
        "queue_seconds": _number(row.get("queue_seconds") or ""), "talk_seconds": _number(row.get("talk_seconds") or ""),
        "handler": _clip(row.get("handler_id"), 64),
    }
    return Record("acd", key, line, at, "", key, data)


def parse_digital(row: dict, line: int, parse: TimeParser, region: str) -> Record:
    key = _key(row, "contact_id")
    at = _required_time(parse, row, "started_at")
    channel = channel_of(row.get("channel") or "")
    raw, e164 = _phone(row.get("phone") or "", region)
    reference = _clip(row.get("reference"), 100)
    data = {
        "channel": channel if channel in DIGITAL_CHANNELS else "other", "arrived_at": at, "phone_raw": _clip(raw, 64),
        "name": _clip(row.get("name"), 200), "email": _clip(row.get("email"), 200).lower(),
        "handle": _clip(row.get("handle"), 200), "subject": _clip(row.get("subject"), 300), "reference": reference,
    }
    return Record("digital", key, line, at, e164, reference, data)


PARSERS: dict[str, Callable[[dict, int, TimeParser, str], Record]] = {
    "cc": parse_cc, "calls": parse_calls, "acd": parse_acd, "digital": parse_digital,
}
