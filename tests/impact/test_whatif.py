"""`engage whatif` on contacts in the database: baseline vs scenario, roster files, errors."""
import datetime as dt
import json
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.service.factories import at, call, caller, episode

pytestmark = pytest.mark.django_db


def busy_week():
    rng = random.Random(5)
    rep = caller()
    episode(rep, at("2025-03-02 12:00"))
    t = at("2025-03-03 00:00")
    end = t + dt.timedelta(days=2)
    while t < end:
        t += dt.timedelta(seconds=rng.expovariate(1 / 90))
        line = rng.choice(["999", "101"])
        call(t, channel=line, wait=rng.expovariate(1 / 4), talk=rng.expovariate(1 / 200), caller=rep if rng.random() < 0.3 else None)
    return rep


def test_whatif_json_less_repeat_demand_never_worse(capsys):
    busy_week()
    call_command("whatif", "--reduce-repeat-demand", "50", "--days", "2", "--json")
    out = json.loads(capsys.readouterr().out)
    for line in ("999", "101"):
        d = out["lines"][line]
        assert d["calls_removed"] > 0.1 * d["observed"]["calls"]
        assert d["scenario"]["calls"] == d["observed"]["calls"] - d["calls_removed"]
        assert d["scenario"]["mean_wait"] <= d["baseline"]["mean_wait"] + 1e-9
        assert abs(d["baseline"]["service_level"] - d["observed"]["service_level"]) <= 0.05


def test_whatif_roster_file_and_errors(tmp_path, capsys):
    busy_week()
    roster = tmp_path / "roster.csv"
    roster.write_text("hour,999,101\n" + "".join(f"{h},1,1\n" for h in range(24)))
    call_command("whatif", "--roster", str(roster), "--days", "2", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["lines"]["999"]["scenario_roster"] == [1] * 24
    bad = tmp_path / "bad.csv"
    bad.write_text("hour,999,101\n0,x,1\n")
    with pytest.raises(CommandError, match="row 2, field 999"):
        call_command("whatif", "--roster", str(bad))
    with pytest.raises(CommandError, match="between 0 and 100"):
        call_command("whatif", "--reduce-repeat-demand", "150")
