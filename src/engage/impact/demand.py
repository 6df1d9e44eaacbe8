"""The demand model on the force's own data: load calls, fit a roster, run what-if scenarios."""
from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import Path

import numpy as np
from django.db import connection
from django.db.models import Max

from engage.contacts.models import Contact
from engage.impact import simulation
from engage.impact.simulation import Calls, drop_repeat_demand, erlang_roster, observed, simulate
from engage.service.aggregate import db_times
from engage.service.levels import targets
from engage.sqltime import epoch_seconds_sql


def load_calls(line: str, start: dt.datetime, end: dt.datetime) -> Calls:
    """Calls on `line` arriving in [start, end) with ACD timing, as arrays sorted by arrival."""
    return load_lines((line,), start, end)[line]


def load_lines(lines: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> dict[str, Calls]:
    """`load_calls` for several lines in one indexed range scan.

    The wait is the service aggregate's (`engage.service.aggregate.waits`), computed in
    SQL: queue seconds, else answer minus arrival, else (abandoned) end minus arrival;
    calls with none of these have no ACD timing and are left out.
    """
    arrived = epoch_seconds_sql("arrived_at")
    wait = (f"COALESCE(queue_seconds, {epoch_seconds_sql('answered_at')} - {arrived}, "
            f"CASE WHEN abandoned THEN {epoch_seconds_sql('ended_at')} - {arrived} END)")
    sql = (f"SELECT channel, {arrived}, {wait}, COALESCE(talk_seconds, 0), abandoned, COALESCE(caller_id, -1) "
           f"FROM {Contact._meta.db_table} WHERE arrived_at >= %s AND arrived_at < %s "
           f"AND channel IN ({', '.join(['%s'] * len(lines))}) AND {wait} IS NOT NULL")
    with connection.cursor() as cur:
        cur.execute(sql, [*db_times(start, end), *lines])
        rows = cur.fetchall()
    channel, *numbers = zip(*rows) if rows else ((), (), (), (), (), ())
    channel = np.array(channel, dtype=object)
    at, w, talk, ab, caller = (np.array(c, dtype=float) for c in numbers)
    out = {}
    for line in lines:
        keep = np.flatnonzero(channel == line)
        keep = keep[np.argsort(at[keep], kind="stable")]
        abandoned = ab[keep].astype(bool)
        wait_s = np.maximum(w[keep], 0.0)
        out[line] = Calls(arrived=at[keep], talk=talk[keep], patience=np.where(abandoned, wait_s, np.inf), wait=wait_s,
                          abandoned=abandoned, caller=caller[keep].astype(np.int64))
    return out


def repeat_callers() -> set[int]:
    from engage.detection.models import Episode

    return set(
        Episode.objects.filter(caller__isnull=False).exclude(status=Episode.Status.DISMISSED).values_list("caller_id", flat=True)
    )


def read_roster(path: str | Path) -> dict[str, list[int]]:
    """A roster file: CSV `hour,999,101` (24 rows) or TOML `{"999" = [24 ints], "101" = [...]}`."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file")
    if path.suffix == ".toml":
        data = tomllib.loads(path.read_text())
        out = {}
        for line in ("999", "101"):
            if line in data:
                values = data[line]
                if not isinstance(values, list) or len(values) != 24 or not all(isinstance(v, int) and v >= 0 for v in values):
                    raise ValueError(f"{path}: {line!r} must be a list of 24 whole numbers of handlers")
                out[line] = values
        return out
    out = {"999": [0] * 24, "101": [0] * 24}
    seen = set()
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"hour", "999", "101"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))} (need hour,999,101)")
        for lineno, row in enumerate(reader, start=2):
            try:
                hour = int(row["hour"])
                if not 0 <= hour <= 23:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{path}: row {lineno}, field hour: {row['hour']!r} is not an hour 0-23") from None
            for line in ("999", "101"):
                try:
                    n = int(row[line])
                    if n < 0:
                        raise ValueError
                except (ValueError, TypeError):
                    raise ValueError(f"{path}: row {lineno}, field {line}: {row[line]!r} is not a number of handlers") from None
                out[line][hour] = n
            seen.add(hour)
    if len(seen) != 24:
        raise ValueError(f"{path}: hours {sorted(set(range(24)) - seen)} missing (need one row per hour 0-23)")
    return out


def whatif(reduce_repeat: float = 0.0, roster: dict[str, list[int]] | None = None, days: int = 7, seed: int = 7,
           fit: str = "simulate") -> dict:
    """Baseline vs scenario service levels over the latest `days` days of ACD data."""
    last = Contact.objects.filter(channel__in=["999", "101"]).aggregate(m=Max("arrived_at"))["m"]
    if last is None:
        raise ValueError("no 999/101 calls imported")
    end = last + dt.timedelta(seconds=1)
    start = end - dt.timedelta(days=days)
    from engage.impact.cache import data_version

    version = data_version(current=False)  # the what-if reads contacts, not the aggregates
    tg = targets()
    repeaters = repeat_callers()
    out = {"period": f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC", "days": days,
           "reduce_repeat_demand": reduce_repeat, "lines": {}}
    loaded = load_lines(("999", "101"), start, end)
    for line, calls in loaded.items():
        threshold, target = tg[line]["seconds"], tg[line]["share"]
        fitted = _baseline(line, calls, tg[line], days, fit, version)
        base_roster, base = fitted["roster"], fitted["baseline"]
        scenario_roster = (roster or {}).get(line, base_roster)
        scenario_calls = drop_repeat_demand(calls, repeaters, reduce_repeat / 100.0, seed) if reduce_repeat else calls
        obs = observed(calls, threshold)
        unchanged = scenario_calls is calls and scenario_roster == base_roster
        scen = base if unchanged else simulate(scenario_calls, scenario_roster, threshold).as_dict()
        out["lines"][line] = {
            "threshold": threshold, "target": target,
            "observed": obs.as_dict(), "baseline": base, "scenario": scen,
            "baseline_roster": base_roster, "scenario_roster": scenario_roster,
            "repeat_calls": int(np.isin(calls.caller, list(repeaters)).sum()) if repeaters else 0,
            "calls_removed": len(calls) - len(scenario_calls),
            "talk_hours_removed": float(calls.talk.sum() - scenario_calls.talk.sum()) / 3600,
            "erlang_handlers_baseline": erlang_roster(calls, threshold, target),
            "erlang_handlers_scenario": erlang_roster(scenario_calls, threshold, target),
        }
    return out


def _baseline(line: str, calls: Calls, target: dict, days: int, how: str, version: str) -> dict:
    """The baseline roster and its simulation, cached per data version (fitting runs several
    simulations). A refit after new data starts from the roster fitted before (kept in the
    same snapshot row): a day more of data moves it little, so it settles in a round or two."""
    from engage.impact.cache import cached
    from engage.impact.models import ImpactSnapshot

    key, threshold = f"fit:{line}:{days}:{how}", target["seconds"]

    def compute() -> dict:
        if how != "simulate":
            roster = erlang_roster(calls, threshold, target["share"])
            return {"roster": roster, "baseline": simulate(calls, roster, threshold).as_dict()}
        previous = ImpactSnapshot.objects.filter(key=key).values_list("payload", flat=True).first()
        fitted = simulation.fit(calls, threshold, start=(previous or {}).get("roster"))
        return {"roster": fitted.roster, "baseline": fitted.result.as_dict()}

    return cached(key, compute, version)
