"""Malformed rows, injected on purpose (about 0.3% of each file) so quarantine has work.

Kinds: bad_date (an impossible or unparseable timestamp), bad_number (a phone field no
parser accepts), missing_required (the key or the timestamp empty), duplicate_key (a
second row with an existing key and different content). truth.csv marks each one.
"""
from __future__ import annotations

import numpy as np

RATE = 0.003
BAD_DATES = ("2026-02-30T10:00:00Z", "31/13/2026 25:61", "yesterday", "2026-08-01T24:61:00Z",
             "0000-00-00T00:00:00Z", "2026-8-1 9am")
BAD_NUMBERS = ("077009001234567", "0770090012345678", "???", "n/k", "+44 7700 900 123 456 789")
# Per file: date column, number column (or None), required columns, column changed in a duplicate.
SPEC = {
    "cc": {"date": 1, "number": 4, "required": (0, 1), "alter": 11},
    "calls": {"date": 1, "number": 5, "required": (0, 1), "alter": 6},
    "acd": {"date": 2, "number": None, "required": (0, 2), "alter": 8},
    "digital": {"date": 2, "number": 4, "required": (0, 1), "alter": 7},
}
_NOT_A_NUMBER = {"", "Withheld", "PRIVATE"}


def inject(rng: np.random.Generator, name: str, rows: list, truth: list[list],
           header: list[str]) -> dict[str, int]:
    """Corrupt rows in place (truth marked alongside); return how many of each kind."""
    spec = SPEC[name]
    kinds = ["bad_date", "missing_required", "duplicate_key"]
    if spec["number"] is not None:
        kinds.insert(1, "bad_number")
    counts = {k: 0 for k in kinds}
    if len(rows) < 20:
        return counts
    total = max(len(kinds), round(len(rows) * RATE))
    per_kind = {k: total // len(kinds) + (1 if i < total % len(kinds) else 0) for i, k in enumerate(kinds)}
    used: set[int] = set()

    def pick(candidates: np.ndarray, k: int) -> list[int]:
        candidates = np.setdiff1d(candidates, np.fromiter(used, dtype=np.int64, count=len(used)))
        chosen = rng.choice(candidates, size=min(k, len(candidates)), replace=False).tolist() if len(candidates) else []
        used.update(chosen)
        return sorted(chosen)

    everyone = np.arange(len(rows))
    for i in pick(everyone, per_kind["bad_date"]):
        rows[i] = list(rows[i])
        rows[i][spec["date"]] = BAD_DATES[int(rng.integers(len(BAD_DATES)))]
        truth[i][2] = "bad_date"
        counts["bad_date"] += 1
    if "bad_number" in per_kind:
        col = spec["number"]
        with_number = np.array([i for i, r in enumerate(rows) if r[col] not in _NOT_A_NUMBER], dtype=np.int64)
        for i in pick(with_number, per_kind["bad_number"]):
            rows[i] = list(rows[i])
            rows[i][col] = BAD_NUMBERS[int(rng.integers(len(BAD_NUMBERS)))]
            truth[i][2] = "bad_number"
            counts["bad_number"] += 1
    for i in pick(everyone, per_kind["missing_required"]):
        col = spec["required"][int(rng.integers(len(spec["required"])))]
        rows[i] = list(rows[i])
        rows[i][col] = ""  # truth keeps the key the row should have had
        truth[i][2] = "missing_required"
        counts["missing_required"] += 1
    # Duplicates: a later row repeating an earlier key with different content.
    dupes = pick(everyone[: len(rows) - 1], per_kind["duplicate_key"])
    inserts: dict[int, list[tuple[list, list]]] = {}
    for i in dupes:
        copy = list(rows[i])
        col = spec["alter"]
        copy[col] = (copy[col] + " (amended)") if copy[col] else "amended"
        at = int(rng.integers(i + 1, len(rows)))
        inserts.setdefault(at, []).append((copy, [copy[0], truth[i][1], "duplicate_key"]))
        counts["duplicate_key"] += 1
    if inserts:  # splice the copies in after their positions (slices: C speed)
        new_rows, new_truth, prev = [], [], 0
        for at in sorted(inserts):
            new_rows.extend(rows[prev:at + 1])
            new_truth.extend(truth[prev:at + 1])
            for copy, ctr in inserts[at]:
                new_rows.append(copy)
                new_truth.append(ctr)
            prev = at + 1
        new_rows.extend(rows[prev:])
        new_truth.extend(truth[prev:])
        rows[:] = new_rows
        truth[:] = new_truth
    return counts
