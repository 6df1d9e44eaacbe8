"""Before/after windows, repeat callers' share of demand and the DiD estimate."""
import datetime as dt

import pytest

from engage.impact.measures import before_after, did_estimate, intervened_before_after, repeat_share_by_month
from tests.service.factories import at, call, caller, case, digital, episode, intervention

pytestmark = pytest.mark.django_db


def calls_for(who, start: str, days: int, per_day: int, talk=100.0, wait=5.0):
    base = at(start)
    for d in range(days):
        for k in range(per_day):
            call(base + dt.timedelta(days=d, hours=8 + k), channel="101", wait=wait, talk=talk, caller=who)


@pytest.mark.postgres
def test_before_after_counts_and_handling_hours():
    who = caller()
    calls_for(who, "2025-01-01 00:00", 28, 2)  # 1-28 Jan: 56 contacts before
    calls_for(who, "2025-01-29 00:00", 28, 1)  # 29 Jan - 25 Feb: 28 after
    intervention(case(who), dt.date(2025, 1, 29))
    # data span must cover both windows
    call(at("2024-12-01 12:00"))
    call(at("2025-05-30 12:00"))
    got = intervened_before_after()[28]
    assert got["callers"] == 1
    t = got["totals"]
    assert (t["contacts_before"], t["contacts_after"]) == (56, 28)
    assert t["hours_before"] == pytest.approx(56 * 105 / 3600)
    assert t["hours_after"] == pytest.approx(28 * 105 / 3600)


def test_window_outside_data_is_incomplete():
    who = caller()
    calls_for(who, "2025-01-01 00:00", 5, 1)
    got = before_after({who.id: dt.date(2025, 1, 3)})
    assert got[28]["callers"] == 0 and got[28]["incomplete"] == 1


@pytest.mark.postgres
def test_repeat_share_by_month():
    rep, other = caller(), caller()
    episode(rep, at("2025-03-10 12:00"))
    calls_for(rep, "2025-03-01 00:00", 3, 1, talk=300, wait=0)  # 3 contacts, 900 s
    calls_for(other, "2025-03-01 00:00", 6, 1, talk=100, wait=0)  # 6 contacts, 600 s
    digital(at("2025-03-02 10:00"))  # 1 contact, no handling
    rows = repeat_share_by_month("2025-03", count=2)
    assert [r["month"] for r in rows] == ["2025-02", "2025-03"]
    march = rows[1]
    assert (march["contacts"], march["repeat_contacts"]) == (10, 3)
    assert march["contact_share"] == pytest.approx(0.3)
    assert march["hours_share"] == pytest.approx(900 / 1500)
    assert rows[0]["contact_share"] is None


@pytest.mark.postgres
def test_did_separates_intervention_from_regression_to_the_mean():
    # Every repeat caller falls back after being found (regression to the mean: 3/day to
    # 2/day); intervened callers fall further (to 1/day). The DiD is the extra fall:
    # -28 contacts per caller over 28 days, and its interval excludes zero.
    found = at("2025-02-01 12:00")
    for i in range(6):
        who = caller()
        episode(who, found)
        calls_for(who, "2025-01-05 00:00", 28, 3)
        after = 1 if i < 3 else 2
        calls_for(who, "2025-02-02 00:00", 28, after + (i % 2) * 0)
        if i < 3:
            intervention(case(who), dt.date(2025, 2, 2))
    call(at("2024-12-01 12:00"))
    call(at("2025-05-30 12:00"))
    got = did_estimate(window=28, samples=500, seed=1)
    assert got["treated"]["callers"] == 3 and got["comparison"]["callers"] == 3
    assert got["lag_days"] == 1
    assert got["estimate_contacts"] == pytest.approx(-28)
    lo, hi = got["ci_contacts"]
    assert lo <= -28 <= hi and hi < 0


def test_did_says_when_too_few_callers():
    got = did_estimate(window=28, samples=100)
    assert got["estimate_contacts"] is None and "too few" in got["note"]


def test_cached_figures_follow_new_data():
    from engage.impact.cache import cached, data_version

    rep = caller()
    episode(rep, at("2025-03-10 12:00"))
    calls_for(rep, "2025-03-01 00:00", 2, 1)
    first = cached("share:2025-03", lambda: repeat_share_by_month("2025-03", count=1))
    assert first[0]["repeat_contacts"] == 2
    assert cached("share:2025-03", lambda: 1 / 0) == first  # same data: served from the snapshot
    calls_for(rep, "2025-03-05 00:00", 1, 1)  # a new contact changes the version
    assert cached("share:2025-03", lambda: repeat_share_by_month("2025-03", count=1))[0]["repeat_contacts"] == 3
    v = data_version()
    intervention(case(rep), dt.date(2025, 3, 20))
    assert data_version() != v
