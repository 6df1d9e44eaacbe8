"""Triage agreement with ground truth: for each detected repeat caller, the suggested class
against the true kind of the person behind most of its contacts (truth.csv)."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from engage.contacts.models import Contact, SourceRecord
from engage.detection.models import Episode
from engage.detection.triage import CLASSES, suggest

TRUTH_KINDS = ("ordinary",) + CLASSES
PREDICTED = CLASSES + ("none",)


def read_truth(path: str | Path) -> list[dict[str, str]]:
    from engage.identity.evaluation import read_truth as identity_read_truth

    return identity_read_truth(path)


def true_person_of_contacts(rows: list[dict[str, str]]) -> tuple[dict[int, str], dict[str, str]]:
    keys: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        keys[row["source"]].append(row["source_key"])
    contact_of: dict[tuple[str, str], int] = {}
    for system, source_keys in keys.items():
        for i in range(0, len(source_keys), 500):
            contact_of.update(((system, k), c) for k, c in SourceRecord.objects.filter(
                system=system, source_key__in=source_keys[i:i + 500]).values_list("source_key", "contact_id"))
    person_of, kind_of = {}, {}
    for row in rows:
        kind_of[row["person_id"]] = row["person_kind"]
        contact = contact_of.get((row["source"], row["source_key"]))
        if contact is not None:
            person_of.setdefault(contact, row["person_id"])
    return person_of, kind_of


def triage_quality(truth_csv: str | Path) -> dict:
    """Accuracy and confusion matrix (truth kind x suggested class) over detected callers.

    A caller's truth is the majority person among its contacts; "none" (no suggestion)
    agrees with "ordinary".
    """
    person_of, kind_of = true_person_of_contacts(read_truth(truth_csv))
    detected = sorted(set(Episode.objects.filter(subject=Episode.Subject.CALLER, caller__isnull=False)
                          .values_list("caller_id", flat=True)))
    matrix = {t: {p: 0 for p in PREDICTED} for t in TRUTH_KINDS}
    agree, assessed, rows = 0, 0, []
    for caller_id in detected:
        ids = Contact.objects.filter(caller_id=caller_id).values_list("id", flat=True)
        people = Counter(person_of[c] for c in ids if c in person_of)
        if not people:
            continue
        person, n = people.most_common(1)[0]
        truth = kind_of.get(person, "ordinary")
        predicted = suggest(caller_id).kind or "none"
        matrix.setdefault(truth, {p: 0 for p in PREDICTED})[predicted] += 1
        assessed += 1
        agree += (predicted == truth) or (predicted == "none" and truth == "ordinary")
        rows.append({"caller_id": caller_id, "person": person, "purity": round(n / sum(people.values()), 3),
                     "truth": truth, "suggested": predicted})
    true_repeat_people = {p for p, k in kind_of.items() if k != "ordinary"}
    found_people = {r["person"] for r in rows}
    return {
        "detected_callers": len(detected), "assessed": assessed,
        "accuracy": round(agree / assessed, 4) if assessed else 0.0,
        "confusion": matrix,
        "true_repeat_people": len(true_repeat_people),
        "true_repeat_people_detected": len(true_repeat_people & found_people),
        "detected_ordinary": sum(1 for r in rows if r["truth"] == "ordinary"),
        "callers": rows,
    }
