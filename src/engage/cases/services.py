"""Case management: every decision and change goes through these functions.

Views stay thin; the flag lookup (engage.flags) reads cases through `current_case`
and `active_block_for`. Every change is written to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from engage import config
from engage.accounts.audit import record_for_user
from engage.cases.models import (
    CallBlock,
    Case,
    EpisodeDecision,
    Intervention,
    Referral,
    RiskReview,
    StatusChange,
)
from engage.detection.models import Episode
from engage.identity.models import Caller
from engage.identity.phones import normalise


class CaseError(ValueError):
    """A decision that is not allowed (e.g. authorising a refused block); shown to the user."""


def _cfg(key: str, default: int) -> int:
    return int(config.section("cases").get(key, default))


def today() -> date:
    """Today's calendar date in the force's time zone (settings.TIME_ZONE)."""
    return timezone.localdate()


def area_for_caller(caller: Caller) -> str:
    """The CSU area of a caller: identity's area code, else from the postcode."""
    if caller.area_code:
        return caller.area_code
    if caller.postcode:
        return _area_for_postcode(caller.postcode)
    # No postcode on the caller yet: the postcode their contacts give most often.
    from engage.contacts.models import Contact

    postcodes = (
        Contact.objects.filter(caller=caller).exclude(postcode="").values("postcode")
        .annotate(n=Count("pk")).order_by("-n", "postcode")
    )
    for row in postcodes[:5]:
        if area := _area_for_postcode(row["postcode"]):
            return area
    return ""


def _area_for_postcode(postcode: str) -> str:
    from engage.identity.areas import area_for_postcode

    return area_for_postcode(postcode)


def area_name(code: str) -> str:
    for area in config.load().get("areas", []):
        if area.get("code") == code:
            return area.get("name", code)
    return code


# --- episodes and cases -------------------------------------------------------------


def current_case(caller: Caller | int) -> Case | None:
    """The caller's live case (not closed), else their most recent one, else None."""
    caller_id = caller.pk if isinstance(caller, Caller) else caller
    cases = Case.objects.filter(caller_id=caller_id).order_by("-opened_at", "-pk")
    return cases.exclude(status=Case.Status.CLOSED).first() or cases.first()


def _set_status(case: Case, to_status: str, user, note: str) -> None:
    if case.status == to_status:
        return
    StatusChange.objects.create(case=case, from_status=case.status, to_status=to_status, note=note, by=user)
    case.status = to_status
    case.closed_at = timezone.now() if to_status == Case.Status.CLOSED else None
    case.save(update_fields=["status", "closed_at"])


@transaction.atomic
def open_case(episode: Episode | None = None, user=None, *, caller: Caller | None = None, reason: str = "") -> Case:
    """Open a case for the episode's caller (or join the caller's live case) and mark it reviewed."""
    caller = caller or (episode.caller if episode else None)
    if caller is None:
        raise CaseError("A case needs a caller; location episodes are reviewed without one.")
    case = Case.objects.filter(caller=caller).exclude(status=Case.Status.CLOSED).first()
    if case is None:
        case = Case.objects.create(caller=caller, area_code=area_for_caller(caller), opened_by=user)
        StatusChange.objects.create(case=case, from_status="", to_status=case.status, note=reason or "Opened", by=user)
        record_for_user(user, "change", "case", case.pk, f"open case: {reason}".strip(": "))
    if episode is not None:
        case.episodes.add(episode)
        _decide_episode(episode, EpisodeDecision.Decision.CASE, user, reason, case)
    return case


def _suggested_kind(episode: Episode) -> str:
    if episode.caller_id is None:
        return ""
    try:
        from engage.detection.triage import suggest

        return suggest(episode.caller_id).kind
    except Exception:  # the suggestion is advisory; never block a human decision on it
        return ""


def _decide_episode(episode: Episode, decision: str, user, reason: str, case: Case | None = None) -> None:
    EpisodeDecision.objects.update_or_create(
        episode=episode,
        defaults={"decision": decision, "case": case, "reason": reason, "by": user, "suggested": _suggested_kind(episode)},
    )
    episode.status = Episode.Status.REVIEWED if decision == EpisodeDecision.Decision.CASE else Episode.Status.DISMISSED
    episode.save(update_fields=["status", "updated_at"])
    record_for_user(user, "change", "episode", episode.pk, f"{decision}: {reason}".strip(": "))


@transaction.atomic
def dismiss_episode(episode: Episode, user, reason: str) -> None:
    if not reason.strip():
        raise CaseError("Say why the episode is dismissed.")
    _decide_episode(episode, EpisodeDecision.Decision.DISMISSED, user, reason)


def new_episodes() -> QuerySet[Episode]:
    """The review queue: new episodes, oldest first."""
    return Episode.objects.filter(status=Episode.Status.NEW).select_related("caller").order_by("created_at", "pk")


@transaction.atomic
def decide_triage(case: Case, triage: str, reason: str, user) -> Case:
    """The coordinator's decision. It always wins over the detection's suggestion."""
    if triage not in Case.Triage.values or not triage:
        raise CaseError(f"Unknown triage decision {triage!r}.")
    if not reason.strip():
        raise CaseError("Give a reason for the triage decision.")
    case.triage, case.triage_reason = triage, reason
    case.save(update_fields=["triage", "triage_reason"])
    record_for_user(user, "change", "case", case.pk, f"triage {triage}: {reason}")
    return case


@transaction.atomic
def refer(case: Case, user, note: str = "", area_code: str | None = None) -> Referral:
    """Refer the case to the CSU of the caller's area (or the area given)."""
    area = area_code or case.area_code or area_for_caller(case.caller)
    if not area:
        raise CaseError("No CSU area for this caller: record a postcode or choose the area.")
    if case.status == Case.Status.CLOSED:
        raise CaseError("A closed case cannot be referred; reopen it first.")
    referral = Referral.objects.create(case=case, area_code=area, note=note, by=user)
    if case.area_code != area:
        case.area_code = area
        case.save(update_fields=["area_code"])
    _set_status(case, Case.Status.REFERRED, user, f"Referred to {area_name(area)} CSU")
    record_for_user(user, "change", "referral", referral.pk, f"refer case {case.pk} to {area}")
    return referral


def accept_referral(case: Case, user) -> Referral:
    """The CSU officer takes the latest referral of the case into their caseload."""
    referral = case.referrals.order_by("-at", "-pk").first()
    if referral is None:
        raise CaseError("This case has not been referred.")
    if referral.accepted_at:
        raise CaseError(f"The referral was already accepted on {timezone.localdate(referral.accepted_at)}.")
    referral.accepted_at = timezone.now()
    referral.save(update_fields=["accepted_at"])
    record_for_user(user, "change", "referral", referral.pk, f"accept referral of case {case.pk}")
    return referral


def add_intervention(
    case: Case, user, kind: str, started_on: date, ended_on: date | None = None, outcome: str = ""
) -> Intervention:
    if kind not in Intervention.Kind.values:
        raise CaseError(f"Unknown intervention kind {kind!r}.")
    if ended_on and ended_on < started_on:
        raise CaseError("An intervention cannot end before it starts.")
    item = Intervention.objects.create(
        case=case, kind=kind, started_on=started_on, ended_on=ended_on, outcome=outcome, by=user
    )
    record_for_user(user, "change", "case", case.pk, f"intervention {kind}")
    return item


THRIVE = ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")


@transaction.atomic
def add_risk_review(case: Case, user, *, risk_level: str, next_review_on: date, **headings: str) -> RiskReview:
    """A THRIVE review: all six headings, a risk level and the next review date."""
    missing = [h for h in THRIVE if not (headings.get(h) or "").strip()]
    if missing:
        raise CaseError(f"THRIVE heading(s) missing: {', '.join(missing)}.")
    if risk_level not in (Case.Risk.LOW, Case.Risk.MEDIUM, Case.Risk.HIGH):
        raise CaseError(f"Unknown risk level {risk_level!r}.")
    if next_review_on <= today():
        raise CaseError("The next review date must be in the future.")
    review = RiskReview.objects.create(
        case=case, risk_level=risk_level, next_review_on=next_review_on, by=user, **{h: headings[h] for h in THRIVE}
    )
    case.risk_level = risk_level
    case.save(update_fields=["risk_level"])
    record_for_user(user, "change", "case", case.pk, f"risk review: {risk_level}, next {next_review_on}")
    return review


def set_guidance(case: Case, text: str, user) -> Case:
    case.guidance = text.strip()
    case.save(update_fields=["guidance"])
    record_for_user(user, "change", "case", case.pk, "handling guidance")
    return case


@transaction.atomic
def change_status(case: Case, to_status: str, user, note: str = "") -> Case:
    if to_status not in Case.Status.values:
        raise CaseError(f"Unknown status {to_status!r}.")
    if to_status == Case.Status.CLOSED and not note.strip():
        raise CaseError("Say why the case is closed.")
    before = case.status
    _set_status(case, to_status, user, note)
    record_for_user(user, "change", "case", case.pk, f"status {before} -> {to_status}: {note}")
    return case


# --- call blocks --------------------------------------------------------------------


def _block_target(kind: str, target: str) -> str:
    if kind == CallBlock.Target.NUMBER:
        phone = normalise(target)
        if not phone.e164:
            raise CaseError(f"{target!r} is not a telephone number that can be blocked ({phone.status}).")
        return phone.e164
    if kind == CallBlock.Target.ADDRESS:
        if not target.strip():
            raise CaseError("Give the address to block.")
        return " ".join(target.split())
    raise CaseError(f"Unknown block target {kind!r}.")


@transaction.atomic
def request_block(case: Case, user, target_kind: str, target: str, rationale: str) -> CallBlock:
    """A coordinator asks for a block; it does nothing until an inspector authorises it."""
    if not rationale.strip():
        raise CaseError("A block request needs the risk rationale.")
    block = CallBlock.objects.create(
        case=case, target_kind=target_kind, target=_block_target(target_kind, target), rationale=rationale, requested_by=user
    )
    record_for_user(user, "change", "block", block.pk, f"request block on {target_kind} for case {case.pk}")
    return block


def _review_date(review_on: date | None) -> date:
    review_on = review_on or today() + timedelta(days=_cfg("block_review_days", 90))
    if review_on <= today():
        raise CaseError("The review date must be in the future.")
    return review_on


@transaction.atomic
def decide_block(block: CallBlock, user, authorise: bool, note: str = "", review_on: date | None = None) -> CallBlock:
    """An inspector authorises (with a review date; it expires then unless renewed) or refuses."""
    if block.status != CallBlock.Status.REQUESTED:
        raise CaseError(f"This block is {block.get_status_display().lower()}, not awaiting a decision.")
    if not authorise and not note.strip():
        raise CaseError("Say why the block is refused.")
    block.decided_by, block.decided_at, block.decision_note = user, timezone.now(), note
    if authorise:
        block.status = CallBlock.Status.AUTHORISED
        block.review_on = block.expires_on = _review_date(review_on)
    else:
        block.status = CallBlock.Status.REFUSED
    block.save()
    record_for_user(user, "change", "block", block.pk, f"{block.status}: {note}")
    return block


@transaction.atomic
def renew_block(block: CallBlock, user, note: str = "", review_on: date | None = None) -> CallBlock:
    """Keep an authorised block for another review period (before it expires)."""
    expire_blocks()
    block.refresh_from_db()
    if block.status != CallBlock.Status.AUTHORISED:
        raise CaseError(f"Only an authorised block can be renewed; this one is {block.status}.")
    block.review_on = block.expires_on = _review_date(review_on)
    block.decision_note = (block.decision_note + f"\nRenewed {today()}: {note}").strip()
    block.save(update_fields=["review_on", "expires_on", "decision_note"])
    record_for_user(user, "change", "block", block.pk, f"renew until {block.review_on}: {note}")
    return block


def lift_block(block: CallBlock, user, note: str) -> CallBlock:
    if block.status != CallBlock.Status.AUTHORISED:
        raise CaseError("Only an authorised block can be lifted.")
    block.status = CallBlock.Status.LIFTED
    block.decision_note = (block.decision_note + f"\nLifted {today()}: {note}").strip()
    block.save(update_fields=["status", "decision_note"])
    record_for_user(user, "change", "block", block.pk, f"lift: {note}")
    return block


def expire_blocks(on: date | None = None) -> int:
    """Mark authorised blocks past their expiry date as expired; returns how many."""
    on = on or today()
    stale = CallBlock.objects.filter(status=CallBlock.Status.AUTHORISED, expires_on__lt=on)
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        CallBlock.objects.filter(pk__in=ids).update(status=CallBlock.Status.EXPIRED)
        for pk in ids:
            record_for_user(None, "change", "block", pk, f"expired on {on}")
    return len(ids)


def active_blocks(on: date | None = None) -> QuerySet[CallBlock]:
    """Authorised blocks in force (computed on read: an unrenewed block lapses at once)."""
    on = on or today()
    return CallBlock.objects.filter(status=CallBlock.Status.AUTHORISED, expires_on__gte=on)


def active_block_for(number_or_caller: str | Caller | int, on: date | None = None) -> CallBlock | None:
    """The block in force for a number (any common format) or for a caller, else None."""
    blocks = active_blocks(on).order_by("-decided_at")
    if isinstance(number_or_caller, (Caller, int)):
        caller_id = number_or_caller.pk if isinstance(number_or_caller, Caller) else number_or_caller
        return blocks.filter(case__caller_id=caller_id).first()
    e164 = normalise(str(number_or_caller)).e164
    if not e164:
        return None
    return blocks.filter(target_kind=CallBlock.Target.NUMBER, target=e164).first()


def blocks_awaiting_decision() -> QuerySet[CallBlock]:
    return (CallBlock.objects.filter(status=CallBlock.Status.REQUESTED)
            .select_related("case__caller", "requested_by").order_by("requested_at"))


def blocks_due_review(on: date | None = None) -> QuerySet[CallBlock]:
    on = on or today()
    horizon = on + timedelta(days=_cfg("review_due_horizon_days", 7))
    return active_blocks(on).filter(review_on__lte=horizon).select_related("case__caller").order_by("review_on")


# --- reviews and caseloads ----------------------------------------------------------


def with_next_review(cases: QuerySet[Case]) -> QuerySet[Case]:
    latest = RiskReview.objects.filter(case=OuterRef("pk")).order_by("-at", "-pk").values("next_review_on")[:1]
    return cases.annotate(next_review_on=Subquery(latest))


def _due(on: date | None, areas: list[str] | None) -> QuerySet[Case]:
    horizon = (on or today()) + timedelta(days=_cfg("review_due_horizon_days", 7))
    cases = with_next_review(live_cases(areas))
    return cases.filter(Q(next_review_on__lte=horizon) | Q(next_review_on__isnull=True))


def due_reviews(on: date | None = None, areas: list[str] | None = None) -> list[Case]:
    """Live cases whose THRIVE review is due within the horizon, or that have never had one."""
    return sorted(_due(on, areas), key=lambda c: (c.next_review_on or date.min, c.pk))


def due_review_count(on: date | None = None, areas: list[str] | None = None) -> int:
    return _due(on, areas).count()


def live_cases(areas: list[str] | None = None) -> QuerySet[Case]:
    cases = Case.objects.exclude(status=Case.Status.CLOSED).select_related("caller")
    if areas is not None:
        cases = cases.filter(area_code__in=areas)
    return cases.order_by("opened_at", "pk")


def caseload(areas: list[str], on: date | None = None) -> dict:
    """A CSU officer's own areas: live cases (with next review date), those due, referrals to accept."""
    cases = list(with_next_review(live_cases(areas)))
    pending = set(Referral.objects.filter(case__in=[c.pk for c in cases], area_code__in=areas, accepted_at__isnull=True)
                  .values_list("case_id", flat=True))
    return {"cases": cases, "due": due_reviews(on, areas), "awaiting_acceptance": pending}


# --- meetings -----------------------------------------------------------------------


@dataclass
class Agenda:
    kind: str
    on: date
    since: date
    new_episodes: list[Episode]
    due_reviews: list[Case]
    blocks_awaiting: list[CallBlock]
    blocks_due: list[CallBlock]
    opened: int
    referred: int
    closed: int


def agenda(kind: str = "daily", on: date | None = None) -> Agenda:
    """The daily (last day) or monthly (last 30 days) performance meeting's agenda."""
    if kind not in ("daily", "monthly"):
        raise CaseError("Meeting kind is daily or monthly.")
    on = on or today()
    since = on - timedelta(days=1 if kind == "daily" else 30)
    changes = StatusChange.objects.filter(at__date__gte=since)
    return Agenda(
        kind=kind,
        on=on,
        since=since,
        new_episodes=list(new_episodes()),
        due_reviews=due_reviews(on),
        blocks_awaiting=list(blocks_awaiting_decision()),
        blocks_due=list(blocks_due_review(on)),
        opened=Case.objects.filter(opened_at__date__gte=since).count(),
        referred=Referral.objects.filter(at__date__gte=since).count(),
        closed=changes.filter(to_status=Case.Status.CLOSED).count(),
    )

