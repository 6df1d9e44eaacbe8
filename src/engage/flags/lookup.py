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

import dataclasses
import datetime as dt
import functools
import re
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from engage import config
from engage.identity.phones import PRESENT, normalise

DEFAULTS: dict[str, Any] = {
    "case_statuses": ["open", "referred", "monitoring"],
    "episode_active_days": 28,
    "episode_statuses": ["new", "reviewed"],
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
        return dataclasses.asdict(self) | {"blocked": self.blocked, "reasons": list(self.reasons)}


def lookup_number(raw_number: str, now: dt.datetime | None = None) -> Flag:
    """The flag for one number in any common format. Never raises on bad input."""
    phone = normalise(raw_number or "", config.section("force").get("phone_region", "GB"))
    if phone.status != PRESENT:
        return Flag(number=raw_number, e164="", phone_status=phone.status)
    now = now or timezone.now()
    e164 = phone.e164
    shared = _shared_label(e164)
    caller = None if shared else _caller_for(e164)
    caller_id = caller["caller_id"] if caller else None
    case = _live_case(caller_id) if caller_id else None
    episode = _active_episode(caller_id, now) if caller_id else None
    block = _active_block(e164, caller_id, caller.get("address", "") if caller else "", now)
    counts = _recent_contacts(caller_id, e164, now)

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
        shared_number=shared or "",
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


def _shared_label(e164: str) -> str | None:
    from engage.identity.models import SharedNumber

    row = SharedNumber.objects.filter(e164=e164).values_list("label", flat=True).first()
    if row is None:
        return None
    return row or "shared number"


def _caller_for(e164: str) -> dict | None:
    """The caller behind the latest resolved contact from this number (index phone_e164, arrived_at)."""
    from engage.contacts.models import Contact
    from engage.identity.models import Caller

    row = (
        Contact.objects.filter(phone_e164=e164, caller__isnull=False)
        .order_by("-arrived_at")
        .values("caller_id", "caller__display_name", "address")
        .first()
    )
    if row:
        return {"caller_id": row["caller_id"], "name": row["caller__display_name"], "address": row["address"]}
    caller = Caller.objects.filter(primary_number=e164).order_by("-updated_at").values("id", "display_name").first()
    if caller:
        return {"caller_id": caller["id"], "name": caller["display_name"], "address": ""}
    return None


def _live_case(caller_id: int) -> dict | None:
    from engage.cases.models import Case

    return (
        Case.objects.filter(caller_id=caller_id, status__in=settings()["case_statuses"])
        .order_by("-opened_at")
        .values("id", "status", "triage", "guidance", "risk_level")
        .first()
    )


def _active_episode(caller_id: int, now: dt.datetime) -> dict | None:
    from engage.detection.models import Episode

    since = now - dt.timedelta(days=settings()["episode_active_days"])
    return (
        Episode.objects.filter(
            caller_id=caller_id, status__in=settings()["episode_statuses"], last_contact_at__gte=since
        )
        .order_by("-last_contact_at")
        .values("id", "rule", "status")
        .first()
    )


_SPACES = re.compile(r"[\s,.]+")


def address_key(address: str) -> str:
    """Addresses compared without case, punctuation or repeated spaces."""
    return _SPACES.sub(" ", (address or "").upper()).strip()


def _active_block(e164: str, caller_id: int | None, address: str, now: dt.datetime) -> Block | None:
    """An authorised, unexpired block on the number, on the caller's case, or on their address."""
    from engage.cases.models import CallBlock

    today = timezone.localdate(now)
    target = Q(target_kind=CallBlock.Target.NUMBER, target=e164)
    if caller_id:
        target |= Q(case__caller_id=caller_id)
    rows = (
        CallBlock.objects.filter(status=CallBlock.Status.AUTHORISED)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .filter(target | Q(target_kind=CallBlock.Target.ADDRESS) if address else target)
        .order_by("-decided_at")
        .values("id", "target_kind", "target", "status", "review_on", "expires_on", "case__caller_id")[:20]
    )
    key = address_key(address)
    fields = {f.name for f in dataclasses.fields(Block)}
    for row in rows:
        on_number = row["target_kind"] == CallBlock.Target.NUMBER and row["target"] == e164
        on_caller = caller_id is not None and row["case__caller_id"] == caller_id
        on_address = row["target_kind"] == CallBlock.Target.ADDRESS and key and address_key(row["target"]) == key
        if on_number or on_caller or on_address:
            return Block(**{k: v for k, v in row.items() if k in fields})
    return None


@functools.cache
def _detection_counts():
    """engineer D's engage.detection.counts.recent_contacts, when it exists."""
    try:
        from engage.detection.counts import recent_contacts
    except ImportError:
        return None
    return recent_contacts


def _recent_contacts(caller_id: int | None, e164: str, now: dt.datetime) -> dict[str, int]:
    """Contacts in the last 24 hours and 7 days: the caller's, or the number's when unresolved."""
    counter = _detection_counts()
    if caller_id and counter is not None:
        counts = counter(caller_id, now)
        return {"24h": int(counts["24h"]), "7d": int(counts["7d"])}
    from engage.contacts.models import Contact

    rows = Contact.objects.filter(caller_id=caller_id) if caller_id else Contact.objects.filter(phone_e164=e164)
    counts = rows.filter(arrived_at__gte=now - dt.timedelta(days=7), arrived_at__lte=now).aggregate(
        d7=Count("id"), h24=Count("id", filter=Q(arrived_at__gte=now - dt.timedelta(hours=24)))
    )
    return {"24h": counts["h24"], "7d": counts["d7"]}
