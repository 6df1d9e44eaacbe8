"""Small builders for flag tests: a caller with contacts, a case, an episode, a block."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from engage.accounts.models import ApiKey
from engage.cases.models import CallBlock, Case
from engage.contacts.models import Contact
from engage.detection.models import Episode
from engage.identity.models import Caller

NUMBER = "+447700900123"


def caller_with_contacts(number: str = NUMBER, hours_ago: list[float] = (1, 30, 100), name: str = "Ann Example",
                         address: str = "1 High Street, Cambridge") -> Caller:
    caller = Caller.objects.create(display_name=name, primary_number=number, postcode="CB1 1AA")
    now = timezone.now()
    for h in hours_ago:
        Contact.objects.create(
            channel="101", arrived_at=now - dt.timedelta(hours=h), phone_raw=number, phone_e164=number,
            phone_status="present", name=name, address=address, caller=caller,
        )
    return caller


def case_for(caller: Caller, status: str = "open", guidance: str = "Be calm; refer to CSU plan.", risk: str = "high") -> Case:
    return Case.objects.create(caller=caller, status=status, guidance=guidance, risk_level=risk, triage="vulnerable")


def episode_for(caller: Caller, status: str = "new", days_ago: float = 0) -> Episode:
    end = timezone.now() - dt.timedelta(days=days_ago)
    return Episode.objects.create(
        caller=caller, rule="five_in_a_day", window_start=end - dt.timedelta(hours=12), window_end=end,
        first_contact_at=end - dt.timedelta(hours=10), last_contact_at=end, contact_count=5, status=status,
    )


def block_for(case: Case, target_kind: str = "number", target: str = NUMBER, status: str = "authorised",
              expires_in_days: int | None = 30) -> CallBlock:
    today = timezone.localdate()
    return CallBlock.objects.create(
        case=case, target_kind=target_kind, target=target, rationale="persistent nuisance", status=status,
        decided_at=timezone.now(), review_on=today + dt.timedelta(days=14),
        expires_on=None if expires_in_days is None else today + dt.timedelta(days=expires_in_days),
    )


def api_key(name: str = "iccs", **perms) -> str:
    return ApiKey.issue(name, **perms)[1]
