"""Window bounds: calendar days in Europe/London across clock changes, rolling edges, months."""
import datetime as dt

import numpy as np

from engage.detection import windows as W
from engage.detection.rules import Threshold

UTC = dt.timezone.utc
TZ = "Europe/London"


def us(*args) -> int:
    return W.to_us(dt.datetime(*args, tzinfo=UTC))


def test_calendar_day_is_the_local_day_in_summer_time():
    # 23:30 UTC on 1 July is 00:30 on 2 July in London: it belongs to 2 July.
    lo, hi = W.bounds(Threshold(5, "calendar_day"), us(2026, 7, 1, 23, 30), TZ)
    assert (lo, hi) == (us(2026, 7, 1, 23), us(2026, 7, 2, 23))


def test_calendar_day_of_the_clock_changes_is_23_and_25_hours():
    lo, hi = W.bounds(Threshold(5, "calendar_day"), us(2026, 3, 29, 12), TZ)
    assert hi - lo == 23 * 3600 * W.US
    lo, hi = W.bounds(Threshold(5, "calendar_day"), us(2026, 10, 25, 12), TZ)
    assert hi - lo == 25 * 3600 * W.US


def test_rolling_days_include_the_contact_exactly_n_days_before():
    t = us(2026, 5, 10, 9)
    lo, hi = W.bounds(Threshold(10, "rolling_days", 7), t, TZ)
    assert lo == us(2026, 5, 3, 9) and hi == t + 1  # [t - 7 days, t]


def test_months_clamp_to_the_end_of_the_month_as_duckdb_does():
    assert W.minus_months(us(2024, 5, 31, 10), 3) == us(2024, 2, 29, 10)
    lo, _ = W.bounds(Threshold(12, "calendar_month", 3), us(2026, 5, 31, 22, 30), TZ)
    assert lo == us(2026, 3, 1, 0)  # 1 March 00:00 GMT; the contact is 31 May 23:30 BST


def test_vectorised_local_days_match_the_scalar_ones_across_clock_changes():
    rng = np.random.default_rng(1)
    ts = np.concatenate([rng.integers(us(2025, 1, 1), us(2027, 1, 1), 5000),
                         np.arange(us(2026, 3, 28, 22), us(2026, 3, 29, 3), 600 * W.US),
                         np.arange(us(2026, 10, 24, 22), us(2026, 10, 25, 3), 600 * W.US)])
    assert W.local_days(ts, TZ).tolist() == [W.local_day(int(t), TZ) for t in ts]
    months = W.months_of_days(W.local_days(ts, TZ))
    assert months.tolist() == [W.local_month(int(t), TZ) for t in ts]
