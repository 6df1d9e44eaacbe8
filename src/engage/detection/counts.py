"""Recent contact counts for the handler's flag: one indexed query on (caller, arrived_at)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from engage.contacts.models import Contact


def recent_contacts(caller_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Contacts (any channel) from this caller in the last 24 hours and 7 days up to `now`."""
    from django.utils import timezone

    now = now or timezone.now()
    day_ago, week_ago = now - dt.timedelta(hours=24), now - dt.timedelta(days=7)
    counts = Contact.objects.filter(caller_id=caller_id, arrived_at__gt=week_ago, arrived_at__lte=now).aggregate(
        week=Count("id"), day=Count("id", filter=Q(arrived_at__gt=day_ago))
    )
    return {"24h": counts["day"], "7d": counts["week"]}
