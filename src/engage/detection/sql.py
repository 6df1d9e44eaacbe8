"""Plain SQL for the incremental hot path (the ORM's query building costs more than the
queries themselves at a few milliseconds per contact). Both SQLite and PostgreSQL.

Statements go straight to the DB-API cursor of Django's connection (same connection, so
same transaction): Django's cursor wrapper and its placeholder rewriting cost about as
much as a small indexed query, and this path runs a handful per imported contact."""
from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from engage.contacts.models import Contact
from engage.detection import windows as W
from engage.detection.models import Episode, EvaluatedContact

CONTACTS = Contact._meta.db_table
STATES = EvaluatedContact._meta.db_table
EPISODES = Episode._meta.db_table
EVIDENCE = Episode.contacts.through._meta.db_table


class Stored(NamedTuple):
    """A stored episode's range and totals, in microseconds."""

    pk: int
    start: int
    end: int
    count: int
    first: int
    last: int


def us(value) -> int:
    """A time from the database in us: SQLite's text (naive UTC, read raw because Django's
    converter is the slowest part of a query), or a datetime (aware on PostgreSQL)."""
    if isinstance(value, str):
        try:
            return (dt.datetime.fromisoformat(value) - _NAIVE_EPOCH) // _ONE_US
        except ValueError:
            value = parse_datetime(value)
    if value.tzinfo is None:
        return (value - _NAIVE_EPOCH) // _ONE_US
    return W.to_us(value)


_ONE_US = dt.timedelta(microseconds=1)


def arrived() -> str:
    """`c.arrived_at`, as raw text on SQLite (see `us`)."""
    return "c.arrived_at || ''" if _db().vendor == "sqlite" else "c.arrived_at"


def param(ts: int):
    """A time as the database wants it. SQLite: Django's own text form of naive UTC
    ('YYYY-MM-DD HH:MM:SS[.ffffff]', which str() of a naive datetime also gives), built
    directly because Django's adapter costs more than the query it feeds."""
    if _db().vendor == "sqlite":
        return str(_NAIVE_EPOCH + dt.timedelta(microseconds=ts))
    return W.from_us(ts)


_NAIVE_EPOCH = dt.datetime(1970, 1, 1)


def marks(n: int) -> str:
    return ", ".join(["%s"] * n)


@functools.lru_cache(maxsize=512)
def _native(sql: str, vendor: str) -> str:
    """The statement in the driver's own placeholder style (sqlite3: ?, psycopg: %s)."""
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


def _db():
    """This thread's default connection itself: each attribute read through the
    `connection` proxy costs a thread-local lookup."""
    return connections[DEFAULT_DB_ALIAS]


def _run(sql: str, params, many: bool = False):
    db = _db()
    db.ensure_connection()
    cursor = db.connection.cursor()
    (cursor.executemany if many else cursor.execute)(_native(sql, db.vendor), params)
    return cursor


def fetch(sql: str, params) -> list[tuple]:
    cursor = _run(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def execute(sql: str, params, many: bool = False) -> None:
    _run(sql, params, many).close()


def contacts_with_state(ids: list[int]) -> list[tuple]:
    """(id, caller_id, place_key, channel, arrived_at, phone, code, location, address,
    evaluated?, evaluated caller_id, evaluated place_key, evaluated facts) for these contacts."""
    return fetch(
        f"SELECT c.id, c.caller_id, c.place_key, c.channel, {arrived()}, c.phone_e164, c.opening_code, "
        f"c.location, c.address, s.contact_id, s.caller_id, s.place_key, s.facts "
        f"FROM {CONTACTS} c LEFT JOIN {STATES} s ON s.contact_id = c.id WHERE c.id IN ({marks(len(ids))})", ids)


def subject_rows(subject: str, key: str, channels: tuple[str, ...], lo: int, hi: int, extra_ids: list[int]) -> list[tuple]:
    """Contacts of a subject in [lo, hi) on these channels that detection has counted for
    it already, or whose ids are given: (id, arrived_at, phone, code)."""
    column = "caller_id" if subject == "caller" else "place_key"
    value = int(key) if subject == "caller" else key
    seen = f"s.{column} = %s"
    params = [value, param(lo), param(hi), *channels, value]
    if extra_ids:
        seen = f"({seen} OR c.id IN ({marks(len(extra_ids))}))"
        params += extra_ids
    return fetch(
        f"SELECT c.id, {arrived()}, c.phone_e164, c.opening_code "
        f"FROM {CONTACTS} c LEFT JOIN {STATES} s ON s.contact_id = c.id "
        f"WHERE c.{column} = %s AND c.arrived_at >= %s AND c.arrived_at < %s "
        f"AND c.channel IN ({marks(len(channels))}) AND {seen}", params)


def episodes_touching(rule: str, subject: str, key: str, lo: int, hi: int) -> list[Stored]:
    column = "caller_id" if subject == "caller" else "place_key"
    rows = fetch(
        f"SELECT id, window_start, window_end, contact_count, first_contact_at, last_contact_at FROM {EPISODES} "
        f"WHERE rule = %s AND subject = %s AND {column} = %s AND window_start <= %s AND window_end >= %s ORDER BY id",
        [rule, subject, int(key) if subject == "caller" else key, param(hi), param(lo)])
    return [Stored(r[0], us(r[1]), us(r[2]), r[3], us(r[4]), us(r[5])) for r in rows]


def update_episode(pk: int, start: int, end: int, count: int, first: int, last: int) -> None:
    execute(
        f"UPDATE {EPISODES} SET window_start = %s, window_end = %s, contact_count = %s, first_contact_at = %s, "
        f"last_contact_at = %s, updated_at = %s WHERE id = %s",
        [param(start), param(end), count, param(first), param(last),
         connection.ops.adapt_datetimefield_value(timezone.now()), pk])


def add_evidence(pk: int, contact_ids) -> None:
    if contact_ids:
        execute(f"INSERT INTO {EVIDENCE} (episode_id, contact_id) VALUES (%s, %s)", [(pk, c) for c in contact_ids], many=True)


def set_place_keys(pairs: list[tuple[str, int]]) -> None:
    if pairs:
        execute(f"UPDATE {CONTACTS} SET place_key = %s WHERE id = %s", pairs, many=True)


def facts(channel: str, code: str | None, phone: str | None) -> str:
    """What counting depends on besides the subject, as stored (FACTS_SQL: the same in SQL)."""
    return f"{channel}|{code or ''}|{phone or ''}"


FACTS_SQL = "(c.channel || '|' || coalesce(c.opening_code, '') || '|' || coalesce(c.phone_e164, ''))"


def mark_evaluated(rows: list[tuple[int, int | None, str, str]]) -> None:
    """Upsert (contact_id, caller_id, place_key, facts) evaluation marks."""
    if rows:
        execute(f"INSERT INTO {STATES} (contact_id, caller_id, place_key, facts) VALUES (%s, %s, %s, %s) "
                f"ON CONFLICT (contact_id) DO UPDATE SET caller_id = excluded.caller_id, "
                f"place_key = excluded.place_key, facts = excluded.facts", rows, many=True)


def mark_all_evaluated() -> None:
    """After a full recomputation: every contact is evaluated as it now stands."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATES}")
        cursor.execute(f"INSERT INTO {STATES} (contact_id, caller_id, place_key, facts) "
                       f"SELECT c.id, c.caller_id, c.place_key, {FACTS_SQL} FROM {CONTACTS} c")


def pending_ids() -> list[int]:
    """Contacts never evaluated, or whose caller, place or facts changed since."""
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return [r[0] for r in fetch(
        f"SELECT c.id FROM {CONTACTS} c LEFT JOIN {STATES} s ON s.contact_id = c.id "
        f"WHERE s.contact_id IS NULL OR s.caller_id {differs} c.caller_id OR s.place_key <> c.place_key "
        f"OR s.facts <> {FACTS_SQL} ORDER BY c.id", [])]


def shared_numbers() -> frozenset[str]:
    from engage.identity.models import SharedNumber

    return frozenset(r[0] for r in fetch(f"SELECT e164 FROM {SharedNumber._meta.db_table}", []))
