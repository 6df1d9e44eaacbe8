"""Windows: where each threshold's window lies, in UTC microseconds, half-open [lo, hi).

Every counted contact anchors one window per threshold, and the threshold is crossed
when the window holds at least `at_least` counted contacts:

- rolling_days N:    [t - N x 24 h, t]            (DuckDB's RANGE ... PRECEDING AND CURRENT ROW)
- rolling_months N:  [t - N months, t]            (months on the UTC calendar, day clamped
                                                    to the month's end like DuckDB's intervals)
- calendar_day N:    the N local calendar days ending with the day of t
- calendar_month N:  the N local calendar months ending with the month of t

"Local" is the force's time zone (`[force] timezone`); a closed end t is stored as the
half-open end t + 1 microsecond. Batch and incremental paths both call these functions,
so their windows agree by construction; only the counting differs (DuckDB vs Python).
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
from zoneinfo import ZoneInfo

import numpy as np

from engage.detection.rules import Threshold

US = 1_000_000
DAY_US = 86_400 * US
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_EPOCH_DATE = dt.date(1970, 1, 1)


def to_us(moment: dt.datetime) -> int:
    """A timezone-aware datetime as integer microseconds since the Unix epoch (exact)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def from_us(ts: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=int(ts))


@functools.cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def offset_us(ts: int, tz: str) -> int:
    off = from_us(ts).astimezone(zone(tz)).utcoffset()
    return (off.days * 86_400 + off.seconds) * US + off.microseconds


def local_day(ts: int, tz: str) -> int:
    """Local calendar day of an instant, as days since 1970-01-01."""
    return (ts + offset_us(ts, tz)) // DAY_US


def local_month(ts: int, tz: str) -> int:
    """Local calendar month of an instant, as months since 1970-01."""
    day = _EPOCH_DATE + dt.timedelta(days=local_day(ts, tz))
    return (day.year - 1970) * 12 + day.month - 1


@functools.lru_cache(maxsize=65_536)
def _local_midnight_utc(day: int, tz: str) -> int:
    d = _EPOCH_DATE + dt.timedelta(days=day)
    local = dt.datetime(d.year, d.month, d.day, tzinfo=zone(tz))  # fold=0 if ambiguous
    return to_us(local)


def day_start(day: int, tz: str) -> int:
    """UTC instant (us) of local midnight starting `day`."""
    return _local_midnight_utc(day, tz)


def month_start(month: int, tz: str) -> int:
    year, m0 = divmod(month, 12)
    first = dt.date(1970 + year, m0 + 1, 1)
    return _local_midnight_utc((first - _EPOCH_DATE).days, tz)


def minus_months(ts: int, months: int) -> int:
    """t minus N months on the UTC calendar, day clamped to the month's length (as DuckDB)."""
    moment = from_us(ts)
    total = moment.year * 12 + moment.month - 1 - months
    year, m0 = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, m0 + 1)[1])
    return to_us(moment.replace(year=year, month=m0 + 1, day=day))


def bounds(threshold: Threshold, ts: int, tz: str) -> tuple[int, int]:
    """The window [lo, hi) anchored at a contact at `ts` (us)."""
    n = threshold.length
    if threshold.window == "rolling_days":
        return ts - n * DAY_US, ts + 1
    if threshold.window == "rolling_months":
        return minus_months(ts, n), ts + 1
    if threshold.window == "calendar_day":
        day = local_day(ts, tz)
        return day_start(day - n + 1, tz), day_start(day + 1, tz)
    month = local_month(ts, tz)
    return month_start(month - n + 1, tz), month_start(month + 1, tz)


def period_bounds(threshold: Threshold, period: int, tz: str) -> tuple[int, int]:
    """Window of a calendar threshold anchored at local period index `period`."""
    n = threshold.length
    start = day_start if threshold.window == "calendar_day" else month_start
    return start(period - n + 1, tz), start(period + 1, tz)


def span_us(threshold: Threshold) -> int:
    """A safe upper bound on how far a window reaches from its anchor, either way."""
    n = threshold.length
    if threshold.window == "rolling_days":
        return n * DAY_US + 1
    if threshold.window == "calendar_day":
        return (n + 1) * DAY_US + 3 * 3600 * US
    return (n + 1) * 31 * DAY_US + DAY_US


# --- vectorised helpers for the batch path -------------------------------------------


@functools.lru_cache(maxsize=64)
def _transitions(tz: str, first_day: int, last_day: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants where the zone's offset changes in [first_day, last_day], with offsets.

    Offsets are sampled once a day and each change is bisected to the second (zones
    change offset at most once a day)."""
    instants, offsets = [first_day * DAY_US], [offset_us(first_day * DAY_US, tz)]
    for day in range(first_day + 1, last_day + 2):
        off = offset_us(day * DAY_US, tz)
        if off != offsets[-1]:
            lo, hi = (day - 1) * 86_400, day * 86_400  # seconds: offset at lo is the old one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset_us(mid * US, tz) == offsets[-1]:
                    lo = mid
                else:
                    hi = mid
            instants.append(hi * US)
            offsets.append(off)
    return np.array(instants, dtype=np.int64), np.array(offsets, dtype=np.int64)


def local_days(ts: np.ndarray, tz: str) -> np.ndarray:
    """Vectorised `local_day` for an int64 array of UTC microseconds."""
    if len(ts) == 0:
        return np.zeros(0, dtype=np.int64)
    first, last = int(ts.min()) // DAY_US - 1, int(ts.max()) // DAY_US + 1
    instants, offsets = _transitions(tz, first, last)
    off = offsets[np.searchsorted(instants, ts, side="right") - 1]
    return (ts + off) // DAY_US


def months_of_days(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 for days since 1970-01-01."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
