"""The real-time flag: what a handler must know about a number as the phone rings.

`lookup_number("07700 900123")` answers in a handful of indexed queries:

1. normalise the number (cached; withheld/unavailable/invalid are states, not numbers);
2. a shared number (care home, hospital, payphone) is nobody on its own: no caller
   is attributed, only a block on the number itself can flag it;
3. the caller is the one behind the most recent resolved contact from the number
   (``Contact.phone_e164`` -> ``Contact.caller``), else a caller whose primary number
   it is;
4. the caller's live case (not closed, newest first), their active episode, an active
   call block on the number, the caller's case or the caller's last address, and
   their contacts in the last 24 hours and 7 days.

Flagged means (docs/flags.md): the caller has a live case (status in
``[flags] case_statuses``: open, referred, monitoring) with handling guidance, OR an
active episode (detection rule crossed, status new or reviewed, last contact within
``[flags] episode_active_days``), OR an active call block (authorised and not expired)
applies to the number or caller.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from engage import config
from engage.contacts.models import Contact
from engage.detection.counts import counts_params, counts_sql
from engage.identity.phones import PRESENT, normalise

DEFAULTS: dict[str, Any] = {  # the [flags] section of default_config.toml; docs/flags.md
    "case_statuses": ["open", "referred", "monitoring"],
    "episode_active_days": 28,
    "episode_statuses": ["new", "reviewed"],
    "api_key_cache_seconds": 15,
    "audit": "buffered",
    "audit_flush_seconds": 0.25,
    "max_push_rows": 1000,
}


@functools.cache
def settings() -> dict[str, Any]:
    """The [flags] configuration section over the defaults above."""
    return {**DEFAULTS, **config.section("flags")}


@dataclasses.dataclass(frozen=True)
class Block:
    id: int
    target_kind: str
    target: str
    status: str
    review_on: dt.date | None
    expires_on: dt.date | None


@dataclasses.dataclass(frozen=True)
class Flag:
    number: str  # as given
    e164: str  # "" unless phone_status is "present"
    phone_status: str  # present / withheld / unavailable / invalid
    flagged: bool = False
    reasons: tuple[str, ...] = ()
    shared_number: str = ""  # label when the number is a known shared number
    caller_id: int | None = None
    caller_name: str = ""
    case_id: int | None = None
    case_status: str = ""
    triage: str = ""
    guidance: str = ""
    risk_level: str = ""
    episode_id: int | None = None
    episode_rule: str = ""
    episode_status: str = ""
    block: Block | None = None
    contacts_24h: int = 0
    contacts_7d: int = 0

    @property
    def blocked(self) -> bool:
        return self.block is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings); by hand, as dataclasses.asdict is slow on this path."""
        data = {f: getattr(self, f) for f in _FLAG_FIELDS}
        data["reasons"] = list(self.reasons)
        data["blocked"] = self.block is not None
        b = self.block
        data["block"] = None if b is None else {
            "id": b.id, "target_kind": b.target_kind, "target": b.target, "status": b.status,
            "review_on": b.review_on.isoformat() if b.review_on else None,
            "expires_on": b.expires_on.isoformat() if b.expires_on else None,
        }
        return data


_FLAG_FIELDS = tuple(f.name for f in dataclasses.fields(Flag))


def lookup_number(raw_number: str, now: dt.datetime | None = None) -> Flag:
    """The flag for one number in any common format. Never raises on bad input."""
    phone = normalise(raw_number or "", config.section("force").get("phone_region", "GB"))
    if phone.status != PRESENT:
        return Flag(number=raw_number, e164="", phone_status=phone.status)
    now = now or timezone.now()
    e164 = phone.e164
    with _cursor() as (cursor, ops):
        shared, caller_id, address = _who(cursor, e164)
        caller = _caller_state(cursor, ops, caller_id, now) if caller_id else None
        block = _active_block(cursor, ops, e164, caller_id, address, now)
        counts = caller["counts"] if caller else _number_counts(cursor, ops, e164, now)
    case = caller["case"] if caller else None
    episode = caller["episode"] if caller else None

    reasons = []
    if case and case["guidance"].strip():
        reasons.append("case")
    if episode:
        reasons.append("episode")
    if block:
        reasons.append("block")
    return Flag(
        number=raw_number,
        e164=e164,
        phone_status=phone.status,
        flagged=bool(reasons),
        reasons=tuple(reasons),
        shared_number=shared if shared is not None else "",
        caller_id=caller_id,
        caller_name=caller["name"] if caller else "",
        case_id=case["id"] if case else None,
        case_status=case["status"] if case else "",
        triage=case["triage"] if case else "",
        guidance=case["guidance"] if case else "",
        risk_level=case["risk_level"] if case else "",
        episode_id=episode["id"] if episode else None,
        episode_rule=episode["rule"] if episode else "",
        episode_status=episode["status"] if episode else "",
        block=block,
        contacts_24h=counts["24h"],
        contacts_7d=counts["7d"],
    )


# Raw SQL on the database driver's own cursor, on purpose: this is the phone-is-ringing
# path, and ORM querysets cost several times these indexed queries, Django's cursor
# wrapper (placeholder rewriting, error wrapping per statement) about as much again.


@functools.cache
def _sql() -> dict[str, str]:
    from engage.cases.models import CallBlock, Case
    from engage.detection.models import Episode
    from engage.identity.models import Caller, SharedNumber

    t = {m.__name__: m._meta.db_table for m in (CallBlock, Case, Contact, Episode, Caller, SharedNumber)}
    case_in = ", ".join(["%s"] * len(settings()["case_statuses"]))
    episode_in = ", ".join(["%s"] * len(settings()["episode_statuses"]))
    merged = f"SELECT id FROM {t['Caller']} WHERE merged_into_id = %s"  # one level: blocks are few
    latest = (f"FROM {t['Contact']} c WHERE c.phone_e164 = %s AND c.caller_id IS NOT NULL "
              f"ORDER BY c.arrived_at DESC LIMIT 1")
    sql = {
        # Who is behind the number: shared-number label, the caller of the latest resolved
        # contact (index phone_e164, arrived_at) and its address, else the caller whose
        # primary number it is. One row, every part an indexed lookup.
        "who": f"SELECT (SELECT label FROM {t['SharedNumber']} WHERE e164 = %s), "
        f"(SELECT COUNT(*) FROM {t['SharedNumber']} WHERE e164 = %s), "
        f"(SELECT c.caller_id {latest}), (SELECT c.address {latest}), "
        f"(SELECT id FROM {t['Caller']} WHERE primary_number = %s AND merged_into_id IS NULL "
        f"ORDER BY updated_at DESC LIMIT 1)",
        # The caller's name, live case, active episode and recent counts (detection's own
        # definition, engage.detection.counts), in one row. Cases and episodes of callers
        # merged into this one (identity.merge_callers moves the contacts, not the cases)
        # still count: a merge must never drop a flag. The status tests are expressions
        # (`|| ''`) so that SQLite, which has no table statistics, searches the few rows of
        # the caller's family by caller_id instead of every live case by status.
        "caller": f"WITH RECURSIVE family(id) AS (SELECT id FROM {t['Caller']} WHERE id = %s UNION "
        f"SELECT m.id FROM {t['Caller']} m JOIN family f ON m.merged_into_id = f.id) "
        f"SELECT k.display_name, cs.id, cs.status, cs.triage, cs.guidance, cs.risk_level, "
        f"ep.id, ep.rule, ep.status, n.d7, n.h24 FROM {t['Caller']} k "
        f"LEFT JOIN {t['Case']} cs ON cs.id = (SELECT c.id FROM family f JOIN {t['Case']} c ON c.caller_id = f.id "
        f"WHERE c.status || '' IN ({case_in}) ORDER BY c.opened_at DESC, c.id DESC LIMIT 1) "
        f"LEFT JOIN {t['Episode']} ep ON ep.id = (SELECT e.id FROM family f JOIN {t['Episode']} e ON e.caller_id = f.id "
        f"WHERE e.status || '' IN ({episode_in}) AND e.last_contact_at >= %s ORDER BY e.last_contact_at DESC LIMIT 1) "
        f"CROSS JOIN ({counts_sql('caller')}) n WHERE k.id = %s",
        "count_number": counts_sql("number"),
        # Authorised blocks are few; address blocks are matched in Python (address_key).
        "block": f"SELECT b.id, b.target_kind, b.target, b.status, b.review_on, b.expires_on, "
        f"CASE WHEN k.caller_id = %s OR k.caller_id IN ({merged}) THEN 1 ELSE 0 END "
        f"FROM {t['CallBlock']} b JOIN {t['Case']} k ON k.id = b.case_id "
        f"WHERE b.status = 'authorised' AND (b.expires_on IS NULL OR b.expires_on >= %s) "
        f"AND ((b.target_kind = 'number' AND b.target = %s) OR k.caller_id = %s "
        f"OR k.caller_id IN ({merged}) OR b.target_kind = %s) "
        f"ORDER BY b.decided_at DESC LIMIT 50",
    }
    if connection.vendor == "sqlite":  # the driver's own placeholder (no literal % in these statements)
        sql = {name: text.replace("%s", "?") for name, text in sql.items()}
    return sql


@contextlib.contextmanager
def _cursor() -> Iterator[tuple[Any, Any]]:
    """(The driver's cursor, the backend's operations), with Django's connection handling
    kept: health check, (re)connect, and errors translated and noted as Django's own
    cursor would. The connection is looked up once: each `connection.x` goes through a
    context-local lookup that costs as much as adapting a parameter."""
    conn = connections[DEFAULT_DB_ALIAS]
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        cursor = conn.connection.cursor()
        try:
            yield cursor, conn.ops
        finally:
            cursor.close()


def _one(cursor, sql: str, params: list) -> tuple | None:
    cursor.execute(sql, params)
    return cursor.fetchone()


def _date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _who(cursor, e164: str) -> tuple[str | None, int | None, str]:
    """(shared-number label or None, caller id or None, the caller's latest address)."""
    label, shared, contact_caller, address, primary_caller = _one(cursor, _sql()["who"], [e164] * 5)
    if shared:
        return (label or "shared number"), None, ""
    if contact_caller is not None:
        return None, contact_caller, address or ""
    return None, primary_caller, ""


def _caller_state(cursor, ops, caller_id: int, now: dt.datetime) -> dict | None:
    since = now - dt.timedelta(days=settings()["episode_active_days"])
    params = [caller_id, *settings()["case_statuses"], *settings()["episode_statuses"],
              ops.adapt_datetimefield_value(since), *counts_params(caller_id, now, ops), caller_id]
    row = _one(cursor, _sql()["caller"], params)
    if row is None:
        return None
    name, case_id, status, triage, guidance, risk, episode_id, rule, episode_status, d7, h24 = row
    return {
        "name": name,
        "case": None if case_id is None else
        {"id": case_id, "status": status, "triage": triage, "guidance": guidance or "", "risk_level": risk},
        "episode": None if episode_id is None else {"id": episode_id, "rule": rule, "status": episode_status},
        "counts": {"24h": int(h24), "7d": int(d7)},
    }


_SPACES = re.compile(r"[\s,.]+")


def address_key(address: str) -> str:
    """Addresses compared without case, punctuation or repeated spaces."""
    return _SPACES.sub(" ", (address or "").upper()).strip()


def _active_block(cursor, ops, e164: str, caller_id: int | None, address: str, now: dt.datetime) -> Block | None:
    """An authorised, unexpired block on the number, on the caller's case, or on their address."""
    # The force's own date (TIME_ZONE): a block expires at its local midnight.
    today = ops.adapt_datefield_value(timezone.localdate(now, timezone.get_default_timezone()))
    # An impossible target_kind when there is no address to compare: no address blocks fetched.
    who = caller_id or -1
    cursor.execute(_sql()["block"], [who, who, today, e164, who, who, "address" if address else "-"])
    rows = cursor.fetchall()
    key = address_key(address)
    for block_id, kind, target, status, review_on, expires_on, on_callers_case in rows:
        on_number = kind == "number" and target == e164
        on_caller = caller_id is not None and bool(on_callers_case)
        on_address = kind == "address" and key and address_key(target) == key
        if on_number or on_caller or on_address:
            return Block(block_id, kind, target, status, _date(review_on), _date(expires_on))
    return None


def _number_counts(cursor, ops, e164: str, now: dt.datetime) -> dict[str, int]:
    """An unresolved number's contacts in the last 24 hours and 7 days."""
    d7, h24 = _one(cursor, _sql()["count_number"], counts_params(e164, now, ops))
    return {"24h": int(h24), "7d": int(d7)}
