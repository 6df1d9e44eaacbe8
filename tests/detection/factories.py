"""Small contact factories for detection tests (Caller and Contact rows made directly)."""
from __future__ import annotations

import datetime as dt

from engage.contacts.models import Contact
from engage.identity.models import Caller

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 20, 0, 0, tzinfo=UTC)  # spans the March 2026 clock change


def caller(name: str = "", number: str = "") -> Caller:
    return Caller.objects.create(display_name=name, primary_number=number)


def contact(at: dt.datetime, who: Caller | None = None, channel: str = "999", **fields) -> Contact:
    fields.setdefault("phone_e164", who.primary_number if who else "")
    fields.setdefault("phone_status", "present" if fields["phone_e164"] else "withheld")
    return Contact.objects.create(channel=channel, arrived_at=at, caller=who, **fields)


def at(days: float = 0, hours: float = 0, minutes: float = 0, base: dt.datetime = T0) -> dt.datetime:
    return base + dt.timedelta(days=days, hours=hours, minutes=minutes)
