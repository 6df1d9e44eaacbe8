"""Record the synthetic force's ground-truth interventions as cases (demo data only).

The generator cuts an intervened repeat caller's contact after `intervention_date`
(people.csv). For the impact pages to measure that, the intervention must exist as a
case with an intervention, as a coordinator would have recorded it. This opens a case
for the caller that holds most of the person's imported contacts, records the true
triage and the intervention, through engage.cases.services (the cases app's public API).
"""
from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from engage.cases import services
from engage.contacts.models import Contact, SourceRecord
from engage.identity.models import Caller

# people.csv `intervention` -> cases.Intervention.Kind
KINDS = {
    "personal visit": "visit", "GP liaison": "gp", "social services": "social_services",
    "mental health team": "mental_health", "bespoke response plan": "response_plan",
    "acceptable behaviour agreement": "aba", "community protection warning": "cpw",
    "community protection notice": "cpn",
}
REASON = "synthetic force: ground-truth intervention (engage synth-cases)"


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _callers_of(person_ids: set[str], truth: list[dict]) -> dict[str, int]:
    """Each person's caller: the one holding most of their imported contacts."""
    keys = defaultdict(list)  # (system, key) -> person
    for row in truth:
        if row["person_id"] in person_ids and row["source_key"] and not row.get("malformed"):
            keys[(row["source"], row["source_key"])].append(row["person_id"])
    contact_person: dict[int, str] = {}
    by_system = defaultdict(list)
    for system, key in keys:
        by_system[system].append(key)
    for system, source_keys in by_system.items():
        for start in range(0, len(source_keys), 500):
            for key, contact in SourceRecord.objects.filter(
                    system=system, source_key__in=source_keys[start:start + 500]).values_list("source_key", "contact_id"):
                contact_person[contact] = keys[(system, key)][0]
    votes: dict[str, Counter] = defaultdict(Counter)
    ids = list(contact_person)
    for start in range(0, len(ids), 500):
        for contact, caller in Contact.objects.filter(pk__in=ids[start:start + 500], caller__isnull=False) \
                .values_list("pk", "caller_id"):
            votes[contact_person[contact]][caller] += 1
    return {person: counts.most_common(1)[0][0] for person, counts in votes.items()}


def record_interventions(folder: str | Path) -> dict:
    """Open a case with the true triage and intervention for every intervened person in
    folder/people.csv whose contacts are imported and resolved. Safe to run twice: a
    caller's live case is reused and an identical intervention is not added again."""
    folder = Path(folder)
    people = [p for p in _read(folder / "people.csv") if p["intervention_date"]]
    callers = _callers_of({p["person_id"] for p in people}, _read(folder / "truth.csv"))
    summary = {"intervened_people": len(people), "cases": 0, "interventions_added": 0, "no_caller": 0,
               "by_kind": Counter()}
    for person in people:
        caller_id = callers.get(person["person_id"])
        if caller_id is None:
            summary["no_caller"] += 1  # not imported, or not resolved yet
            continue
        caller = Caller.objects.get(pk=caller_id)
        case = services.open_case(caller=caller, reason=REASON)
        if case.triage != person["person_kind"]:
            services.decide_triage(case, person["person_kind"], REASON, None)
        kind = KINDS.get(person["intervention"], "other")
        started = dt.date.fromisoformat(person["intervention_date"])
        if not case.interventions.filter(kind=kind, started_on=started).exists():
            services.add_intervention(case, None, kind, started, outcome=REASON)
            summary["interventions_added"] += 1
        summary["cases"] += 1
        summary["by_kind"][person["person_kind"]] += 1
    summary["by_kind"] = dict(summary["by_kind"])
    return summary
