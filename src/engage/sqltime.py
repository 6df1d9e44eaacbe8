"""Stored times as seconds since 1970, computed by the database (SQLite and PostgreSQL alike).

Reading a million times as numbers is far cheaper than as datetime objects.
"""
from __future__ import annotations

from django.db import connection


def epoch_seconds_sql(column: str, whole: bool = False) -> str:
    """SQL for a stored UTC time column as epoch seconds.

    whole=True gives exact integers (the identity rules compare times to the second);
    otherwise fractional seconds (service levels keep the sub-second waits). The SQLite
    form has '%%' as a cursor with parameters wants it.
    """
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)" if whole else f"EXTRACT(EPOCH FROM {column})"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)" if whole else f"(julianday({column}) - 2440587.5) * 86400.0"
