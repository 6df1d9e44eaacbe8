"""The demand simulation reproduces the synthetic force's observed service levels.

Stated tolerance (docs/reports.md): a roster fitted on one week reproduces the next
week's observed service level within 3 percentage points on each line.
"""
import datetime as dt

import pytest

from engage.impact.demand import load_calls
from engage.impact.simulation import fit_roster, observed, simulate
from engage.service.levels import targets

pytestmark = pytest.mark.django_db


def test_fitted_roster_reproduces_next_week_of_synthetic_force(tmp_path):
    from engage.contacts.ingest import ingest_file
    from engage.synth.force import generate

    generate(tmp_path, 14, 3, start="2025-03-03", scale=0.5)
    result = ingest_file(tmp_path / "acd.csv", "acd")
    assert result.imported > 5000
    utc = dt.timezone.utc
    week1 = (dt.datetime(2025, 3, 3, tzinfo=utc), dt.datetime(2025, 3, 10, tzinfo=utc))
    week2 = (dt.datetime(2025, 3, 10, tzinfo=utc), dt.datetime(2025, 3, 17, tzinfo=utc))
    for line, target in targets().items():
        train, test = load_calls(line, *week1), load_calls(line, *week2)
        assert len(train) > 1000 and len(test) > 1000
        roster = fit_roster(train, target["seconds"])
        sim, obs = simulate(test, roster, target["seconds"]), observed(test, target["seconds"])
        assert abs(sim.service_level - obs.service_level) <= 0.03, (line, sim.service_level, obs.service_level)
        assert sim.abandoned == obs.abandoned
