"""Small factories: contacts, callers, episodes and cases made directly in the models."""
from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from engage.contacts.models import Contact

LONDON = ZoneInfo("Europe/London")
UTC = dt.timezone.utc
_seq = itertools.count(1)


def at(text: str) -> dt.datetime:
    """A local (Europe/London) time 'YYYY-MM-DD HH:MM[:SS]' as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def call(
    when: dt.datetime,
    channel: str = "999",
    wait: float | None = 3.0,
    abandoned: bool = False,
    talk: float = 120.0,
    number: str = "",
    caller=None,
    answered: bool | None = None,
    **fields,
) -> Contact:
    """A telephony contact with ACD timing (wait None: no ACD record)."""
    answered = (not abandoned) if answered is None else answered
    if wait is None:
        answered_at = ended_at = None
        talk = None
    else:
        answered_at = when + dt.timedelta(seconds=wait) if answered else None
        ended_at = when + dt.timedelta(seconds=wait + (talk if answered else 0))
    return Contact.objects.create(
        channel=channel,
        arrived_at=when,
        answered_at=answered_at,
        ended_at=ended_at,
        queue_seconds=wait,
        talk_seconds=(talk if answered else 0.0) if wait is not None else None,
        abandoned=abandoned,
        phone_raw=number,
        phone_e164=number,
        phone_status="present" if number else "withheld",
        caller=caller,
        **fields,
    )


def digital(when: dt.datetime, channel: str = "webchat", **fields) -> Contact:
    return Contact.objects.create(channel=channel, arrived_at=when, phone_status="unavailable", **fields)


def caller(name: str = ""):
    from engage.identity.models import Caller

    return Caller.objects.create(display_name=name or f"Caller {next(_seq)}")


def episode(caller, when: dt.datetime, rule: str = "5_in_day", count: int = 5):
    from engage.detection.models import Episode

    return Episode.objects.create(
        caller=caller, rule=rule, window_start=when - dt.timedelta(days=1), window_end=when,
        first_contact_at=when - dt.timedelta(hours=5), last_contact_at=when, contact_count=count,
    )


def case(caller, status: str = "open", triage: str = "vulnerable"):
    from engage.cases.models import Case

    return Case.objects.create(caller=caller, status=status, triage=triage)


def intervention(case, started_on: dt.date, kind: str = "visit"):
    from engage.cases.models import Intervention

    return Intervention.objects.create(case=case, kind=kind, started_on=started_on)


def user(role: str, username: str | None = None):
    from django.contrib.auth.models import User

    from engage.accounts.models import Profile

    u = User.objects.create_user(username or f"{role}{next(_seq)}", password="a-long-password-1")
    Profile.objects.create(user=u, role=role)
    return u
