"""Demand simulation (SimPy): the 999 and 101 queues replayed with a handler roster.

Each line has its own pool of handlers whose size follows an hourly roster (local hour
of day). Calls arrive at their observed times and hold a handler for their observed
talk time, waiting as long as it takes. A call abandoned in the data is abandoned again
at its observed wait and takes no handler: abandonment on these lines is mostly
misdials, pocket dials and callers hanging up because someone else has reported the
same event (DOMAIN.md), not queue length, so it is treated as given. Change the arrivals (drop a share of repeat callers' calls) or the roster and
the service levels that would follow come out (docs/reports.md, "Demand model").
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

import numpy as np
import simpy

from engage.impact.erlang import handlers_needed, service_level
from engage.service.aggregate import local_parts


@dataclass
class Calls:
    """Observed calls on one line, sorted by arrival (epoch seconds)."""

    arrived: np.ndarray
    talk: np.ndarray  # seconds a handler is busy
    patience: np.ndarray  # inf unless abandoned in the data
    wait: np.ndarray  # observed wait
    abandoned: np.ndarray
    caller: np.ndarray  # caller id or -1

    def __len__(self) -> int:
        return len(self.arrived)

    def subset(self, keep: np.ndarray) -> "Calls":
        return Calls(*(getattr(self, f)[keep] for f in ("arrived", "talk", "patience", "wait", "abandoned", "caller")))


@dataclass
class Result:
    calls: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    abandoned_after: int = 0
    wait_sum: float = 0.0
    by_hour: dict = field(default_factory=dict)

    @property
    def service_level(self) -> float | None:
        d = self.answered + self.abandoned_after
        return self.answered_within / d if d else None

    @property
    def mean_wait(self) -> float | None:
        return self.wait_sum / self.answered if self.answered else None

    def as_dict(self) -> dict:
        return {
            "calls": self.calls, "answered": self.answered, "abandoned": self.abandoned,
            "service_level": self.service_level, "mean_wait": self.mean_wait,
            "abandoned_rate": self.abandoned / self.calls if self.calls else None,
        }


def _tally(result: Result, hour: int, wait: float, abandoned: bool, threshold: float) -> None:
    cell = result.by_hour.setdefault(hour, Result())
    for r in (result, cell):
        r.calls += 1
        if abandoned:
            r.abandoned += 1
            r.abandoned_after += math.ceil(wait) > threshold
        else:
            r.answered += 1
            r.wait_sum += wait
            r.answered_within += math.ceil(wait) <= threshold


def observed(calls: Calls, threshold: float) -> Result:
    """The same tallies over the data itself, for comparison with a simulation."""
    result = Result()
    _, hours, _ = local_parts(calls.arrived)
    for h, w, ab in zip(hours.tolist(), calls.wait.tolist(), calls.abandoned.tolist()):
        _tally(result, h, w, ab, threshold)
    return result


def simulate(calls: Calls, roster: list[int], threshold: float) -> Result:
    """Replay `calls` through a handler pool sized by `roster[local hour]`."""
    result = Result()
    if len(calls) == 0:
        return result
    _, hours, _ = local_parts(calls.arrived)
    t0 = float(calls.arrived[0])
    env = simpy.Environment()
    pool = simpy.Container(env, init=0, capacity=10**6)
    on_duty = [0]

    def set_staff(n: int):
        delta = n - on_duty[0]
        on_duty[0] = n
        if delta > 0:
            yield pool.put(delta)
        for _ in range(-delta):  # a handler goes off duty when next free
            env.process(_leave())

    def _leave():
        yield pool.get(1)

    def roster_process():
        # Local hours start on UTC hour boundaries (UK offsets are whole hours).
        while True:
            now_abs = t0 + env.now
            _, hour_now, _ = local_parts(np.array([now_abs]))
            yield from set_staff(int(roster[int(hour_now[0])]))
            yield env.timeout(3600 - (now_abs % 3600))

    def caller(arrival: float, talk: float, patience: float, hour: int):
        yield env.timeout(arrival)
        if not math.isinf(patience):  # abandoned in the data: abandoned again, no handler taken
            _tally(result, hour, patience, True, threshold)
            return
        start = env.now
        yield pool.get(1)
        _tally(result, hour, env.now - start, False, threshold)
        yield env.timeout(talk)
        yield pool.put(1)

    env.process(roster_process())

    def source():
        last = 0.0
        for a, tk, p, h in zip((calls.arrived - t0).tolist(), calls.talk.tolist(), calls.patience.tolist(), hours.tolist()):
            yield env.timeout(a - last)
            last = a
            env.process(caller(0.0, tk, p, h))

    env.process(source())
    env.run(until=float(calls.arrived[-1] - t0) + 6 * 3600)
    return result


def hourly_demand(calls: Calls) -> tuple[np.ndarray, np.ndarray]:
    """Mean calls per hour and mean talk seconds, by local hour of day."""
    daynum, hours, _ = local_parts(calls.arrived)
    days = max(1, len(np.unique(daynum)))
    rate = np.bincount(hours, minlength=24) / days
    talk_sum = np.bincount(hours, weights=calls.talk, minlength=24)
    answered = np.bincount(hours, weights=(~calls.abandoned).astype(float), minlength=24)
    aht = np.where(answered > 0, talk_sum / np.maximum(answered, 1), np.nanmean(calls.talk) if len(calls) else 0)
    return rate, aht


def erlang_roster(calls: Calls, threshold: float, target: float) -> list[int]:
    """Handlers needed per local hour for the target, from Erlang C on the hour's mean demand."""
    rate, aht = hourly_demand(calls)
    return [max(1, handlers_needed(r, a or 1.0, threshold, target).handlers) for r, a in zip(rate, aht)]


def fit_roster(calls: Calls, threshold: float, rounds: int = 6, tolerance: float = 0.01) -> list[int]:
    """A roster that reproduces the observed service level hour by hour.

    Start, for each hour, from the fewest handlers whose Erlang C service level reaches
    the hour's observed one; then simulate and move each hour by one handler towards
    the observed level, a few rounds.
    """
    obs = observed(calls, threshold)
    rate, aht = hourly_demand(calls)
    roster = []
    for h in range(24):
        cell = obs.by_hour.get(h)
        goal = min(0.999, cell.service_level) if cell and cell.service_level is not None else 0.8
        load = rate[h] * (aht[h] or 1.0) / 3600
        n = max(1, math.floor(load) + 1)
        while service_level(n, load, aht[h] or 1.0, threshold) < goal and n < 2000:
            n += 1
        roster.append(n)
    for _ in range(rounds):
        sim = simulate(calls, roster, threshold)
        moved = False
        for h in range(24):
            o, s = obs.by_hour.get(h), sim.by_hour.get(h)
            if not o or not s or o.service_level is None or s.service_level is None:
                continue
            if s.service_level < o.service_level - tolerance:
                roster[h] += 1
                moved = True
            elif s.service_level > o.service_level + tolerance and roster[h] > 1:
                trial = roster[:h] + [roster[h] - 1] + roster[h + 1 :]
                roster = trial
                moved = True
        if not moved:
            break
    return roster


def drop_repeat_demand(calls: Calls, repeat_callers: set[int], share: float, seed: int = 7) -> Calls:
    """Remove `share` (0-1) of the calls made by repeat callers, chosen at random (seeded)."""
    rng = random.Random(seed)
    is_repeat = np.isin(calls.caller, np.array(sorted(repeat_callers), dtype=np.int64))
    keep = np.array([not r or rng.random() >= share for r in is_repeat.tolist()], dtype=bool)
    return calls.subset(keep)


def date_range_note(calls: Calls) -> str:
    if len(calls) == 0:
        return "no calls"
    a = dt.datetime.fromtimestamp(float(calls.arrived[0]), dt.timezone.utc)
    b = dt.datetime.fromtimestamp(float(calls.arrived[-1]), dt.timezone.utc)
    return f"{a:%Y-%m-%d} to {b:%Y-%m-%d}"
