"""Abandoned 999 calls: one callback task each, a worklist by risk and age, outcomes, figures."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from engage.config import section
from engage.contacts.models import Channel, Contact, PhoneStatus
from engage.service.aggregate import local_day_bounds, month_bounds
from engage.service.models import CallbackTask

# Priority weights: a known repeat or vulnerable caller matters most, then signs that
# someone tried and failed to speak (a second abandoned call, a silent open line).
WEIGHT_KNOWN = 4
WEIGHT_REPEAT = 2
WEIGHT_SILENT = 2
WEIGHT_NO_NUMBER = 1

DONE_OUTCOMES = {
    CallbackTask.Outcome.SAFE_MISDIAL,
    CallbackTask.Outcome.SAFE_POCKET,
    CallbackTask.Outcome.SAFE_OTHER,
    CallbackTask.Outcome.NEEDS_HELP,
}


def callback_target() -> dt.timedelta:
    return dt.timedelta(minutes=float(section("service").get("callback_target_minutes", 15)))


def abandoned_999() -> Q:
    return Q(channel=Channel.EMERGENCY, abandoned=True)


def _known_caller(contact: Contact) -> str | None:
    """Why this caller is known (open case, recent episode), looked up by caller or number."""
    from engage.cases.models import Case
    from engage.detection.models import Episode

    caller_ids = set()
    if contact.caller_id:
        caller_ids.add(contact.caller_id)
    if contact.phone_status == PhoneStatus.PRESENT and contact.phone_e164:
        caller_ids.update(
            Contact.objects.filter(phone_e164=contact.phone_e164, caller__isnull=False)
            .values_list("caller_id", flat=True)
            .distinct()[:20]
        )
    if not caller_ids:
        return None
    case = Case.objects.filter(caller_id__in=caller_ids).exclude(status=Case.Status.CLOSED).first()
    if case is not None:
        triage = case.get_triage_display() if case.triage else "case open"
        return f"Known caller: open case #{case.pk} ({triage})"
    days = int(section("service").get("known_caller_episode_days", 90))
    since = contact.arrived_at - dt.timedelta(days=days)
    # Episodes known at the time of the call: begun before it, ended within the last N days.
    episode = (
        Episode.objects.filter(caller_id__in=caller_ids, first_contact_at__lte=contact.arrived_at, last_contact_at__gte=since)
        .exclude(status=Episode.Status.DISMISSED)
        .order_by("-last_contact_at")
        .first()
    )
    if episode is not None:
        return f"Known repeat caller: episode {episode.rule} ending {episode.last_contact_at:%d %b}"
    return None


def _repeat_abandoned(contact: Contact) -> bool:
    if contact.phone_status != PhoneStatus.PRESENT or not contact.phone_e164:
        return False
    minutes = dt.timedelta(minutes=float(section("service").get("repeat_abandoned_minutes", 10)))
    return (
        Contact.objects.filter(abandoned_999(), phone_e164=contact.phone_e164)
        .filter(arrived_at__gte=contact.arrived_at - minutes, arrived_at__lte=contact.arrived_at + minutes)
        .exclude(pk=contact.pk)
        .exists()
    )


def is_silent(contact: Contact) -> bool:
    """A silent call: the line connected (answered) but dropped with no one speaking, or noted silent."""
    text = f"{contact.closing_code} {contact.opening_code} {contact.narrative}".lower()
    return contact.answered_at is not None or "silent" in text


def assess(contact: Contact) -> tuple[int, list[str]]:
    """The task's priority and the reasons behind it, for the worklist."""
    priority, reasons = 0, []
    known = _known_caller(contact)
    if known:
        priority += WEIGHT_KNOWN
        reasons.append(known)
    if _repeat_abandoned(contact):
        priority += WEIGHT_REPEAT
        reasons.append("Another abandoned 999 call from this number within minutes")
    if is_silent(contact):
        priority += WEIGHT_SILENT
        reasons.append("Silent call")
    if contact.phone_status != PhoneStatus.PRESENT:
        priority += WEIGHT_NO_NUMBER
        reasons.append(f"No number to call back ({contact.get_phone_status_display().lower()}): trace")
    return priority, reasons


def create_tasks(contact_ids: list[int] | None = None) -> int:
    """Create a task for each abandoned 999 contact that has none (idempotent). Returns tasks created."""
    contacts = Contact.objects.filter(abandoned_999(), callback_task__isnull=True)
    created = 0
    target = callback_target()
    chunks = [None] if contact_ids is None else [contact_ids[i : i + 900] for i in range(0, len(contact_ids), 900)]
    for chunk in chunks:
        qs = contacts if chunk is None else contacts.filter(id__in=chunk)
        for contact in qs.iterator():
            priority, reasons = assess(contact)
            try:
                with transaction.atomic():
                    CallbackTask.objects.create(
                        contact=contact, arrived_at=contact.arrived_at, due_at=contact.arrived_at + target,
                        priority=priority, reasons=reasons,
                    )
                created += 1
            except IntegrityError:  # created meanwhile by another import
                continue
    return created


def reassess_open() -> int:
    """Recompute the priority of open tasks (a caller resolved or a case opened since)."""
    changed = 0
    for task in CallbackTask.objects.filter(status=CallbackTask.Status.OPEN).select_related("contact"):
        priority, reasons = assess(task.contact)
        if (priority, reasons) != (task.priority, task.reasons):
            task.priority, task.reasons = priority, reasons
            task.save(update_fields=["priority", "reasons"])
            changed += 1
    return changed


def worklist(include_closed: bool = False):
    """Open tasks first by priority, then oldest call first."""
    qs = CallbackTask.objects.select_related("contact", "handler")
    if not include_closed:
        qs = qs.filter(status__in=[CallbackTask.Status.OPEN, CallbackTask.Status.IN_PROGRESS])
    return qs.order_by("-priority", "contact__arrived_at")


def start(task: CallbackTask, user, now: dt.datetime | None = None) -> CallbackTask:
    """A handler begins calling back: the callback time is measured to this moment."""
    now = now or timezone.now()
    if task.started_at is None:
        task.started_at = now
    task.handler = user
    task.status = CallbackTask.Status.IN_PROGRESS
    task.save(update_fields=["started_at", "handler", "status"])
    return task


def record_outcome(
    task: CallbackTask, user, outcome: str, note: str = "", incident_number: str = "", now: dt.datetime | None = None
) -> CallbackTask:
    """Close (or escalate) a task. needs_help requires the incident number created in C&C."""
    if outcome not in CallbackTask.Outcome.values or not outcome:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome == CallbackTask.Outcome.NEEDS_HELP and not incident_number.strip():
        raise ValueError("needs help: give the incident number you created")
    now = now or timezone.now()
    if task.started_at is None:
        task.started_at = now
    task.completed_at = now
    task.handler_seconds = max(0.0, (now - task.started_at).total_seconds())
    task.handler = user
    task.outcome = outcome
    task.note = note
    task.incident_number = incident_number.strip()
    task.status = CallbackTask.Status.DONE if outcome in DONE_OUTCOMES else CallbackTask.Status.ESCALATED
    task.save()
    return task


def _abandoned_999_in(month: str, start_utc: dt.datetime, end_utc: dt.datetime) -> int:
    """From the service aggregate (brought up to date first), else counted from contacts."""
    from django.db.models import Sum

    from engage.service.aggregate import ensure_month
    from engage.service.models import ServiceMonth

    ensure_month(month)
    rolled = ServiceMonth.objects.filter(month=month, channel=Channel.EMERGENCY, abandoned=True).aggregate(n=Sum("contacts"))["n"]
    if rolled is not None:
        return rolled
    return Contact.objects.filter(abandoned_999(), arrived_at__gte=start_utc, arrived_at__lt=end_utc).count()


def monthly_figures(month: str) -> dict:
    """Abandoned 999 calls in the month (by arrival), share called back within target, outcomes, minutes."""
    first, last = month_bounds(month)
    start_utc, end_utc = local_day_bounds(first, last)
    abandoned = _abandoned_999_in(month, start_utc, end_utc)
    tasks = CallbackTask.objects.filter(arrived_at__gte=start_utc, arrived_at__lt=end_utc).values_list(
        "arrived_at", "started_at", "outcome", "status", "handler_seconds"
    )
    target = callback_target()
    within = attempted = 0
    outcomes: Counter = Counter()
    seconds = 0.0
    delays = []
    for arrived, started, outcome, status, handler_seconds in tasks:
        if started is not None:
            attempted += 1
            delays.append((started - arrived).total_seconds() / 60)
            within += started - arrived <= target
        outcomes[outcome or "open"] += 1
        seconds += handler_seconds or 0.0
    delays.sort()
    return {
        "month": month,
        "abandoned_999": abandoned,
        "tasks": len(tasks),
        "called_back": attempted,
        "within_target": within,
        "within_target_share": within / abandoned if abandoned else None,
        "target_minutes": target.total_seconds() / 60,
        "median_minutes_to_callback": delays[len(delays) // 2] if delays else None,
        "outcomes": {label: outcomes.get(value or "open", 0) for value, label in CallbackTask.Outcome.choices},
        "handler_minutes": seconds / 60,
    }
