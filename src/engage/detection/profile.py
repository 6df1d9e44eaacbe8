"""A caller's profile: what a coordinator reads before deciding (JSON-ready for the web pages)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from engage.contacts.models import Contact
from engage.detection.models import Episode
from engage.detection.rules import timezone_name

FIELDS = ("id", "channel", "arrived_at", "queue_seconds", "talk_seconds", "abandoned", "phone_e164", "phone_status",
          "name", "address", "postcode", "opening_code", "grade", "closing_code", "subject", "email", "handle")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _ranked(counter: Counter, key: str) -> list[dict]:
    return [{key: k, "contacts": n} for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))) if k]


def caller_profile(caller_id: int) -> dict:
    """Counts by channel, 7x24 heatmap (local time, Monday first), subjects, grades, weekly
    trend, abandoned calls, handling time, numbers, names, addresses, first/last contact
    and episodes. Raises Caller.DoesNotExist for an unknown caller."""
    from engage.identity.models import Caller

    caller = Caller.objects.get(pk=caller_id)
    tz = ZoneInfo(timezone_name())
    contacts = list(Contact.objects.filter(caller_id=caller_id).order_by("arrived_at").values(*FIELDS))
    heatmap = [[0] * 24 for _ in range(7)]
    weekly: Counter = Counter()
    queue = talk = 0.0
    for c in contacts:
        local = c["arrived_at"].astimezone(tz)
        heatmap[local.weekday()][local.hour] += 1
        weekly[(local.date() - dt.timedelta(days=local.weekday())).isoformat()] += 1
        queue += c["queue_seconds"] or 0.0
        talk += c["talk_seconds"] or 0.0
    weeks = []
    if contacts:
        monday = dt.date.fromisoformat(min(weekly))
        while monday.isoformat() <= max(weekly):
            weeks.append({"week": monday.isoformat(), "contacts": weekly.get(monday.isoformat(), 0)})
            monday += dt.timedelta(days=7)
    episodes = [
        {"id": e.pk, "rule": e.rule, "window_start": e.window_start.isoformat(), "window_end": e.window_end.isoformat(),
         "first_contact": e.first_contact_at.isoformat(), "last_contact": e.last_contact_at.isoformat(),
         "contacts": e.contact_count, "status": e.status}
        for e in Episode.objects.filter(caller_id=caller_id).order_by("window_start")
    ]
    withheld = sum(1 for c in contacts if c["phone_status"] in ("withheld", "unavailable"))
    return {
        "caller": {"id": caller.pk, "display_name": caller.display_name, "primary_number": caller.primary_number,
                   "postcode": caller.postcode, "area_code": caller.area_code},
        "contacts": len(contacts),
        "first_contact": contacts[0]["arrived_at"].isoformat() if contacts else None,
        "last_contact": contacts[-1]["arrived_at"].isoformat() if contacts else None,
        "by_channel": dict(sorted(Counter(c["channel"] for c in contacts).items())),
        "heatmap": {"days": list(DAYS), "hours": list(range(24)), "counts": heatmap, "timezone": str(tz)},
        "subjects": _ranked(Counter(c["opening_code"] or c["subject"] for c in contacts), "subject"),
        "grades": _ranked(Counter(c["grade"] for c in contacts), "grade"),
        "closing_codes": _ranked(Counter(c["closing_code"] for c in contacts), "closing_code"),
        "weekly": weeks,
        "abandoned": sum(1 for c in contacts if c["abandoned"]),
        "handling_seconds": {"queue": round(queue, 1), "talk": round(talk, 1), "total": round(queue + talk, 1)},
        "numbers": _ranked(Counter(c["phone_e164"] for c in contacts), "number"),
        "withheld_or_unavailable": withheld,
        "names": _ranked(Counter(c["name"].strip() for c in contacts), "name"),
        "addresses": _ranked(Counter(" ".join(p for p in (c["address"].strip(), c["postcode"].strip()) if p)
                                     for c in contacts), "address"),
        "emails": _ranked(Counter(c["email"] for c in contacts), "email"),
        "handles": _ranked(Counter(c["handle"] for c in contacts), "handle"),
        "episodes": episodes,
    }
