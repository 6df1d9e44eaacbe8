"""Lists for the CLI and the web pages: current repeat callers, busiest places."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, Max, Min

from engage import config
from engage.contacts.models import Contact
from engage.detection.models import Episode


def latest_contact_at() -> dt.datetime | None:
    return Contact.objects.aggregate(m=Max("arrived_at"))["m"]


def default_since() -> dt.datetime | None:
    """`current_days` before the latest contact: 'current' follows the data, not the wall clock."""
    latest = latest_contact_at()
    days = int(config.section("detection").get("current_days", 30))
    return latest - dt.timedelta(days=days) if latest else None


def repeat_callers(since: dt.datetime | None = None, *, suggest: bool = True) -> list[dict]:
    """Callers with an episode still open at or after `since`, most contacts first."""
    from engage.detection.triage import suggest as triage_suggest
    from engage.identity.models import Caller

    since = since or default_since()
    if since is None:
        return []
    episodes = Episode.objects.filter(subject=Episode.Subject.CALLER, window_end__gte=since, caller__isnull=False)
    by_caller: dict[int, list[Episode]] = defaultdict(list)
    for e in episodes.order_by("window_start"):
        by_caller[e.caller_id].append(e)
    callers = Caller.objects.in_bulk(list(by_caller))
    since_counts = dict(Contact.objects.filter(caller_id__in=list(by_caller), arrived_at__gte=since)
                        .values_list("caller_id").annotate(n=Count("id")).values_list("caller_id", "n"))
    totals = {row["caller_id"]: row for row in Contact.objects.filter(caller_id__in=list(by_caller))
              .values("caller_id").annotate(n=Count("id"), first=Min("arrived_at"), last=Max("arrived_at"))}
    rows = []
    for caller_id, eps in by_caller.items():
        caller = callers[caller_id]
        rules = Counter(e.rule for e in eps)
        total = totals.get(caller_id, {})
        row = {
            "caller_id": caller_id, "name": caller.display_name, "number": caller.primary_number,
            "area": caller.area_code, "contacts_since": since_counts.get(caller_id, 0),
            "contacts_total": total.get("n", 0),
            "first_contact": total["first"].isoformat() if total.get("first") else None,
            "last_contact": total["last"].isoformat() if total.get("last") else None,
            "episodes": len(eps), "rule_hits": dict(sorted(rules.items())),
            "episode_contacts": sum(e.contact_count for e in eps),
            "new_episodes": sum(1 for e in eps if e.status == Episode.Status.NEW),
        }
        if suggest:
            row["suggested"] = triage_suggest(caller_id).kind
        rows.append(row)
    rows.sort(key=lambda r: (-r["contacts_since"], r["caller_id"]))
    return rows


def busiest_places(since: dt.datetime | None = None, until: dt.datetime | None = None, top: int = 20,
                   channels: list[str] | None = None) -> list[dict]:
    """Places (by place key) with the most contacts in [since, until)."""
    qs = Contact.objects.exclude(place_key="")
    if since:
        qs = qs.filter(arrived_at__gte=since)
    if until:
        qs = qs.filter(arrived_at__lt=until)
    if channels:
        qs = qs.filter(channel__in=channels)
    ranked = list(qs.values("place_key").annotate(n=Count("id"), first=Min("arrived_at"), last=Max("arrived_at"))
                  .order_by("-n", "place_key")[:top])
    keys = [r["place_key"] for r in ranked]
    spellings: dict[str, Counter] = defaultdict(Counter)
    for key, location, address in qs.filter(place_key__in=keys).values_list("place_key", "location", "address"):
        spellings[key][location or address] += 1
    episodes = dict(Episode.objects.filter(subject=Episode.Subject.LOCATION, place_key__in=keys)
                    .values_list("place_key").annotate(n=Count("id")).values_list("place_key", "n"))
    return [{
        "place_key": r["place_key"], "contacts": r["n"],
        "first_contact": r["first"].isoformat(), "last_contact": r["last"].isoformat(),
        "written_as": [s for s, _ in spellings[r["place_key"]].most_common(3)],
        "spellings": len(spellings[r["place_key"]]), "episodes": episodes.get(r["place_key"], 0),
    } for r in ranked]
