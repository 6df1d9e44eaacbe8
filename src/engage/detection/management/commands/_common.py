"""Shared bits of the detection commands: dates from the command line, JSON, CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from django.core.management.base import CommandError

from engage.detection.rules import timezone_name
from engage.detection.windows import zone


def parse_when(value: str | None, option: str) -> dt.datetime | None:
    """YYYY-MM-DD (local midnight) or an ISO date-time (local unless it has an offset)."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone_name()))
    return moment


def to_json(data) -> str:
    return json.dumps(data, indent=2, default=str)


def to_csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in row.items()})
    return out.getvalue()


def local(iso: str | None) -> str:
    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(zone(timezone_name())).strftime("%Y-%m-%d %H:%M")
