"""Impact figures cached per data version (docs/reports.md, "Impact", performance).

The aggregates are first brought up to date (days marked by imports, callers whose
contacts moved, which a trigger on contacts marks); the version is then read in a few
indexed aggregates: the newest contact id, the aggregates' last rebuild, the callers'
last update, the episodes' and interventions' counts and last changes, and the cases'
status changes, referrals and call blocks (for the monthly report).
Any import, merge, new episode, intervention or case change alters it, so a cached figure is never
served for data it was not computed from.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max


def data_version(current: bool = True) -> str:
    """The version of the data impact figures are computed from. `current=False` skips
    bringing the aggregates up to date, for figures that do not read them (what-if)."""
    from engage.cases.models import CallBlock, Case, Intervention, Referral, StatusChange
    from engage.contacts.models import Contact
    from engage.detection.models import Episode
    from engage.identity.models import Caller
    from engage.service.aggregate import refresh
    from engage.service.models import ServiceWatermark

    if current:
        refresh()  # the figures read the aggregates: bring them up to date before naming the version
    parts = [
        Contact.objects.aggregate(m=Max("id"))["m"],
        ServiceWatermark.objects.aggregate(m=Max("updated_at"))["m"] if current else None,
        Caller.objects.aggregate(m=Max("updated_at"), n=Count("id")),
        Episode.objects.aggregate(m=Max("updated_at"), n=Count("id")),
        Intervention.objects.aggregate(m=Max("recorded_at"), n=Count("id"), s=Max("started_on")),
        Case.objects.aggregate(n=Count("id")),
        StatusChange.objects.aggregate(n=Count("id"), m=Max("at")),
        Referral.objects.aggregate(n=Count("id"), m=Max("accepted_at")),
        CallBlock.objects.aggregate(n=Count("id"), r=Max("requested_at"), d=Max("decided_at")),
    ]
    return json.dumps(parts, cls=DjangoJSONEncoder, sort_keys=True)


def cached(key: str, compute: Callable[[], object], version: str | None = None) -> object:
    """compute() once per data version; JSON round-trip so cold and warm results look alike."""
    from engage.impact.models import ImpactSnapshot

    version = version or data_version()
    hit = ImpactSnapshot.objects.filter(key=key, version=version).values_list("payload", flat=True).first()
    if hit is not None:
        return hit
    started = time.perf_counter()
    payload = json.loads(json.dumps(compute(), cls=DjangoJSONEncoder))
    ImpactSnapshot.objects.update_or_create(
        key=key, defaults={"version": version, "payload": payload, "seconds": time.perf_counter() - started}
    )
    return payload


def cached_pdf(month: str, render: Callable[[str], bytes]) -> bytes:
    """The monthly report PDF, rendered once per data version and month; `render` is
    given the version, so the report's own figures need not read it again."""
    import base64

    version = data_version()
    payload = cached(f"pdf:{month}", lambda: base64.b64encode(render(version)).decode(), version)
    return base64.b64decode(payload)
