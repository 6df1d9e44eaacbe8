"""Operation Engage's criterion (5+ contacts in a calendar day or 10+ in a rolling 7 days),
used by the generator to shape repeat callers and by the tests to check them.

This is the generator's own ground-truth check, independent of engage.detection.
"""
from __future__ import annotations

import numpy as np

WEEK = 7 * 86_400


def crossing_index(times: np.ndarray, local_days: np.ndarray, per_day: int = 5,
                   per_week: int = 10, window: int = WEEK) -> int:
    """Index (in time order) of the contact at which the criterion is first met, or -1.

    `times` are UTC epoch seconds sorted ascending; `local_days` the calendar day
    (Europe/London) of each. The 7-day window is the `window` seconds ending at a contact.
    """
    n = len(times)
    if n < min(per_day, per_week):
        return -1
    times = np.asarray(times)
    days = np.asarray(local_days)
    # Running count within the same calendar day (times sorted, so days are sorted too).
    starts = np.searchsorted(days, days, side="left")
    day_count = np.arange(n) - starts + 1
    week_start = np.searchsorted(times, times - window, side="right")
    week_count = np.arange(n) - week_start + 1
    hit = np.nonzero((day_count >= per_day) | (week_count >= per_week))[0]
    return int(hit[0]) if len(hit) else -1


def meets(times: np.ndarray, local_days: np.ndarray, per_day: int = 5, per_week: int = 10) -> bool:
    return crossing_index(times, local_days, per_day, per_week) >= 0


def thin_below(times: np.ndarray, local_days: np.ndarray, per_day: int, per_window: int,
               window: int) -> np.ndarray:
    """Greedy in time order: keep a contact only if the kept ones stay under both limits.

    Returns a boolean mask. Windows are checked backwards from each kept contact, which
    covers every window because a window's count peaks at one of its contacts.
    """
    keep = np.zeros(len(times), dtype=bool)
    kept_times: list[int] = []
    day_counts: dict[int, int] = {}
    for i, (t, d) in enumerate(zip(times.tolist(), local_days.tolist())):
        if day_counts.get(d, 0) >= per_day:
            continue
        recent = sum(1 for k in kept_times[-per_window:] if k > t - window)
        if recent >= per_window:
            continue
        keep[i] = True
        kept_times.append(t)
        day_counts[d] = day_counts.get(d, 0) + 1
    return keep
