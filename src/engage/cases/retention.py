"""Retention (DPA 2018 s.39: kept no longer than needed). Run by `engage retention`.

- A closed case is anonymised `closed_case_years` after it closed: free text (reasons,
  guidance, notes, outcomes, THRIVE text, block targets) is replaced; the structure
  (dates, statuses, kinds, risk levels) stays so impact figures still add up.
- Contacts older than `contacts_years` are deleted, unless their caller has a case
  that is not yet anonymised (a live case needs its history).
- Callers left with no contacts and no cases are deleted (their episodes go with them).
Every run writes one audit event per kind of erasure.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from engage import config
from engage.accounts.audit import record_for_user
from engage.cases.models import CallBlock, Case, Intervention, Referral, RiskReview, StatusChange
from engage.contacts.models import Contact
from engage.identity.models import Caller

REMOVED = "[removed under retention]"


@dataclass
class RetentionReport:
    cases_anonymised: int = 0
    contacts_deleted: int = 0
    callers_deleted: int = 0
    case_cutoff: str = ""
    contact_cutoff: str = ""
    dry_run: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def _years_ago(now: datetime, years: float) -> datetime:
    return now - timedelta(days=round(365.25 * years))


def cutoffs(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    cfg = config.section("retention")
    return _years_ago(now, float(cfg.get("closed_case_years", 6))), _years_ago(now, float(cfg.get("contacts_years", 7)))


def run(dry_run: bool = True, now: datetime | None = None) -> RetentionReport:
    """Count (dry run) or carry out the purge; a dry run reports what a real run would do."""
    case_cutoff, contact_cutoff = cutoffs(now)
    report = RetentionReport(case_cutoff=case_cutoff.isoformat(), contact_cutoff=contact_cutoff.isoformat(), dry_run=dry_run)
    with transaction.atomic():
        due = Case.objects.filter(status=Case.Status.CLOSED, closed_at__lt=case_cutoff, anonymised_at__isnull=True)
        case_ids = list(due.values_list("pk", flat=True))
        # Callers who will still have a case that is not anonymised keep all their contacts.
        protected = Case.objects.filter(anonymised_at__isnull=True).exclude(pk__in=case_ids).values("caller_id")
        old = Contact.objects.filter(arrived_at__lt=contact_cutoff).exclude(caller_id__in=protected)
        report.cases_anonymised = len(case_ids)
        report.contacts_deleted = old.count()
        report.callers_deleted = _orphans_after(old).count()
        if dry_run:
            return report
        _anonymise(case_ids)
        old.delete()
        Caller.objects.filter(contacts__isnull=True, cases__isnull=True).delete()
        if report.cases_anonymised or report.contacts_deleted or report.callers_deleted:
            record_for_user(None, "erase", "retention", "", f"anonymised {report.cases_anonymised} cases, "
                            f"deleted {report.contacts_deleted} contacts and {report.callers_deleted} callers")
    return report


def _orphans_after(old_contacts) -> "QuerySet[Caller]":  # noqa: F821
    """Callers with no cases whose every contact is in `old_contacts` (what a real run deletes)."""
    no_cases = Caller.objects.filter(cases__isnull=True)
    keeps_contacts = Contact.objects.exclude(pk__in=old_contacts.values("pk")).filter(caller__isnull=False).values("caller_id")
    return no_cases.exclude(pk__in=keeps_contacts).distinct()


def _anonymise(case_ids: list[int]) -> None:
    now = timezone.now()
    Case.objects.filter(pk__in=case_ids).update(triage_reason=REMOVED, guidance="", anonymised_at=now)
    StatusChange.objects.filter(case_id__in=case_ids).exclude(note="").update(note=REMOVED)
    Referral.objects.filter(case_id__in=case_ids).exclude(note="").update(note=REMOVED)
    Intervention.objects.filter(case_id__in=case_ids).exclude(outcome="").update(outcome=REMOVED)
    RiskReview.objects.filter(case_id__in=case_ids).update(
        threat=REMOVED, harm=REMOVED, risk=REMOVED, investigation=REMOVED, vulnerability=REMOVED, engagement=REMOVED
    )
    CallBlock.objects.filter(case_id__in=case_ids).update(target=REMOVED, rationale=REMOVED, decision_note="")
