"""Interventions partway through: the intervened callers' contact falls afterwards, so
impact measurement has something real to find; others are left alone for comparison."""
import datetime as dt
from collections import defaultdict

import pytest

from engage.synth.force import generate

from .conftest import Force

DAYS = 60


@pytest.fixture(scope="module")
def long_force(tmp_path_factory) -> Force:
    out = tmp_path_factory.mktemp("synth_long")
    return Force(out, generate(out, DAYS, seed=5, scale=0.6))


def _contact_days(force) -> dict[str, list[dt.date]]:
    days = defaultdict(list)
    for source, column in (("acd", "arrived_at"), ("digital", "started_at")):
        for r, t in force.clean(source):
            days[t["person_id"]].append(dt.datetime.fromisoformat(r[column]).date())
    return days


def test_contact_falls_after_an_intervention(long_force):
    people = long_force.rows("people")
    start = dt.date.fromisoformat(long_force.summary["start"])
    end = start + dt.timedelta(days=DAYS)
    days = _contact_days(long_force)
    before = after = 0.0
    intervened = [p for p in people if p["intervention_date"]]
    assert {p["person_kind"] for p in intervened} >= {"vulnerable", "nuisance"}
    for p in intervened:
        when = dt.date.fromisoformat(p["intervention_date"])
        span = min(28, (when - start).days, (end - when).days - 1)
        if span < 3:
            continue
        # Contacts per day in the same number of days either side of the intervention.
        before += sum(when - dt.timedelta(days=span) <= d < when for d in days[p["person_id"]]) / span
        after += sum(when < d <= when + dt.timedelta(days=span) for d in days[p["person_id"]]) / span
    assert after < 0.6 * before


def test_some_repeat_callers_are_not_intervened_in(long_force):
    crossers = [p for p in long_force.rows("people") if p["meets_criterion"] == "Y"]
    left_alone = [p for p in crossers if not p["intervention_date"]]
    assert 0.2 < len(left_alone) / len(crossers) < 0.8
    assert all(p["person_kind"] != "ordinary" for p in crossers if p["intervention_date"])
    days = _contact_days(long_force)
    start = dt.date.fromisoformat(long_force.summary["start"])
    half = start + dt.timedelta(days=DAYS // 2)
    first = sum(d < half for p in left_alone for d in days[p["person_id"]])
    second = sum(d >= half for p in left_alone for d in days[p["person_id"]])
    # Without an intervention, contact goes on (crises come and go, no steep fall).
    assert second > 0.5 * first
