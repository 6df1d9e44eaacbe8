"""The rule arithmetic shared by both paths: crossing windows and merging them into episodes.

An **episode** is a maximal run of a subject's crossing windows (for one rule) that
overlap or touch: windows [a, b) and [c, d) with c <= b belong to the same episode.
Its range is the union [start, end) and its evidence is every counted contact of the
subject inside that range. docs/rules.md states this for users.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engage.detection import windows as W
from engage.detection.rules import Rule


@dataclass(frozen=True, order=True)
class EpisodeSpec:
    """An episode as computed (before it is stored): comparable across the two paths."""

    rule: str
    subject: str  # "caller" or "location"
    key: str  # caller id (as text) or place key
    start: int  # us, inclusive
    end: int  # us, exclusive
    count: int
    first: int
    last: int
    contact_ids: tuple[int, ...]


def crossing_windows(rule: Rule, ts: Sequence[int], anchors: Iterable[int], tz: str) -> set[tuple[int, int]]:
    """Windows [lo, hi) anchored at contacts ts[i] (i in anchors) that meet a threshold.

    `ts` is sorted and must hold every counted contact that any of these windows covers.
    """
    found: set[tuple[int, int]] = set()
    for threshold in rule.thresholds:
        seen: set[tuple[int, int]] = set()
        for i in anchors:
            lo, hi = W.bounds(threshold, ts[i], tz)
            if (lo, hi) in seen:
                continue
            seen.add((lo, hi))
            if bisect.bisect_left(ts, hi) - bisect.bisect_left(ts, lo) >= threshold.at_least:
                found.add((lo, hi))
    return found


def merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of half-open intervals; ones that overlap or touch become one."""
    merged: list[list[int]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def episodes_of(rule: Rule, subject: str, key: str, contacts: Sequence[tuple[int, int]], tz: str) -> list[EpisodeSpec]:
    """All episodes of one subject from all its counted contacts [(ts_us, contact_id)]."""
    contacts = sorted(contacts)
    ts = [t for t, _ in contacts]
    ranges = merge(crossing_windows(rule, ts, range(len(ts)), tz))
    specs = []
    for start, end in ranges:
        i, j = bisect.bisect_left(ts, start), bisect.bisect_left(ts, end)
        inside = contacts[i:j]
        specs.append(EpisodeSpec(rule.name, subject, key, start, end, len(inside), inside[0][0], inside[-1][0],
                                 tuple(sorted(cid for _, cid in inside))))
    return specs


def max_span(rule: Rule) -> int:
    return max(W.span_us(t) for t in rule.thresholds)
