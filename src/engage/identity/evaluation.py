"""Linkage quality against ground truth (the synthetic force's truth.csv, FEBRL).

Pairwise over contacts: a pair of contacts is a true link when the truth says one
person made both, a predicted link when both have the same caller. A contact with no
caller (unresolved) is a caller of its own: it links to nothing.
"""
from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from pathlib import Path

from engage.contacts.models import Contact, SourceRecord

TRUTH_COLUMNS = {"source", "source_key", "person_id", "person_kind"}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(predicted: Mapping[int, Hashable | None], truth: Mapping[int, Hashable]) -> dict[str, float | int]:
    """Precision, recall and F1 of the predicted clusters over the contacts in `truth`."""
    ids = [c for c in truth if c in predicted]
    predicted_ids = {c: (predicted[c] if predicted[c] is not None else ("unresolved", c)) for c in ids}
    joint = Counter((predicted_ids[c], truth[c]) for c in ids)
    true_positive = sum(_pairs(n) for n in joint.values())
    predicted_pairs = sum(_pairs(n) for n in Counter(predicted_ids.values()).values())
    true_pairs = sum(_pairs(n) for n in Counter(truth[c] for c in ids).values())
    precision = true_positive / predicted_pairs if predicted_pairs else 1.0
    recall = true_positive / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true_pairs,
            "predicted_pairs": predicted_pairs, "true_positive_pairs": true_positive, "contacts": len(ids)}


def read_truth(truth_csv: str | Path) -> list[dict[str, str]]:
    """Rows of truth.csv; raises ValueError naming the file and the missing columns."""
    path = Path(truth_csv)
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = TRUTH_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return list(reader)


def linkage_quality(truth_csv: str | Path) -> dict:
    """Pairwise precision/recall/F1 of contacts' callers against truth.csv, and how many
    true repeat callers (person_kind != ordinary) are split over more than one caller."""
    rows = read_truth(truth_csv)
    keys: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        keys[row["source"]].append(row["source_key"])
    contact_of: dict[tuple[str, str], int] = {}
    for system, source_keys in keys.items():
        for start in range(0, len(source_keys), 500):
            for key, contact in SourceRecord.objects.filter(
                system=system, source_key__in=source_keys[start:start + 500]
            ).values_list("source_key", "contact_id"):
                contact_of[(system, key)] = contact
    person_of: dict[int, str] = {}
    kind_of: dict[str, str] = {}
    conflicts = 0
    for row in rows:
        kind_of[row["person_id"]] = row["person_kind"]
        contact = contact_of.get((row["source"], row["source_key"]))
        if contact is None:
            continue  # quarantined or not imported
        if person_of.setdefault(contact, row["person_id"]) != row["person_id"]:
            conflicts += 1  # one contact joined from rows of two people: an import join error
    caller_of: dict[int, int | None] = {}
    ids = list(person_of)
    for start in range(0, len(ids), 500):
        caller_of.update(Contact.objects.filter(pk__in=ids[start:start + 500]).values_list("pk", "caller_id"))
    scores = pairwise_scores(caller_of, person_of)
    scores.update(_repeat_caller_splits(caller_of, person_of, kind_of))
    # Contacts with nothing identifying (no usable number, name, e-mail or handle) can
    # never be linked by anyone: the figures over the rest, and the recall ceiling.
    identifiable = _identifiable(ids)
    usable = {c: p for c, p in person_of.items() if c in identifiable}
    inner = pairwise_scores(caller_of, usable)
    scores.update({"precision_identifiable": inner["precision"], "recall_identifiable": inner["recall"],
                   "f1_identifiable": inner["f1"], "identifiable_contacts": inner["contacts"],
                   "recall_ceiling": inner["true_pairs"] / scores["true_pairs"] if scores["true_pairs"] else 1.0})
    scores.update({
        "truth_rows": len(rows),
        "rows_matched": sum(1 for r in rows if (r["source"], r["source_key"]) in contact_of),
        "people": len(set(person_of.values())),
        "callers": len({c for c in caller_of.values() if c is not None}),
        "unresolved_contacts": sum(1 for c in person_of if caller_of.get(c) is None),
        "join_conflicts": conflicts,
    })
    return scores


def _identifiable(contact_ids: list[int]) -> set[int]:
    from engage.identity.resolve import _identifying, _rows, shared_numbers

    shared = shared_numbers()
    found: set[int] = set()
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start:start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        found.update(r.contact_id for r in _rows(f"WHERE id IN ({marks})", chunk) if _identifying(r, shared))
    return found


def _repeat_caller_splits(caller_of: Mapping[int, int | None], person_of: Mapping[int, str],
                          kind_of: Mapping[str, str]) -> dict[str, int]:
    """A repeat caller is split when its resolved contacts sit on more than one caller.
    Unresolved contacts (nothing identifying, e.g. withheld and no name) are on no caller:
    counted separately, as repeat callers with unresolved contacts."""
    callers: dict[str, set] = defaultdict(set)
    unresolved: set[str] = set()
    for contact, person in person_of.items():
        if kind_of.get(person, "ordinary") != "ordinary":
            caller = caller_of.get(contact)
            if caller is None:
                unresolved.add(person)
            else:
                callers[person].add(caller)
    repeat = set(callers) | unresolved
    split = sum(1 for found in callers.values() if len(found) > 1)
    return {"repeat_callers": len(repeat), "split_repeat_callers": split,
            "repeat_callers_with_unresolved_contacts": len(unresolved)}
