"""Recent contact counts: a caller's (or a number's) contacts in the last 24 hours and 7 days.

One definition, used by the handler's flag (`engage.flags.lookup`, which embeds
`counts_sql` in its caller statement so the phone-is-ringing path stays one round trip)
and by everything else through `recent_contacts`. Rolling windows (now - span, now], all
channels, one indexed range scan on (caller_id, arrived_at) or (phone_e164, arrived_at).
Raw SQL because an ORM aggregate costs several times the query itself on the flag path.
"""
from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

from engage.contacts.models import Contact

DAY, WEEK = dt.timedelta(hours=24), dt.timedelta(days=7)
KEYS = {"caller": "caller_id", "number": "phone_e164"}  # what a count can be keyed on


def counts_sql(key: str) -> str:
    """SELECT d7, h24 for one caller (key "caller") or number (key "number"), with
    "%s" placeholders filled by `counts_params`."""
    column = KEYS[key]
    return (f"SELECT COUNT(*) AS d7, COALESCE(SUM(CASE WHEN arrived_at > %s THEN 1 ELSE 0 END), 0) AS h24 "
            f"FROM {Contact._meta.db_table} WHERE {column} = %s AND arrived_at > %s AND arrived_at <= %s")


def counts_params(value: int | str, now: dt.datetime, ops: BaseDatabaseOperations | None = None) -> list:
    """The parameters of `counts_sql` for a caller id or E.164 number at `now` (`ops`: the
    connection's operations, if the caller holds them already)."""
    adapt = (ops or connection.ops).adapt_datetimefield_value
    return [adapt(now - DAY), value, adapt(now - WEEK), adapt(now)]


def recent_contacts(caller_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Contacts (any channel) from this caller in the last 24 hours and 7 days up to `now`."""
    with connection.cursor() as cursor:
        cursor.execute(counts_sql("caller"), counts_params(caller_id, now or timezone.now()))
        d7, h24 = cursor.fetchone()
    return {"24h": int(h24), "7d": int(d7)}
