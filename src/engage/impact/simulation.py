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

import heapq
import math
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


def _tally(waits: np.ndarray, abandoned: np.ndarray, hours: np.ndarray, threshold: float) -> Result:
    """Tallies of calls with these waits (NaN: never answered nor abandoned, left out)."""
    result = Result()
    known = ~np.isnan(waits)
    waits, abandoned, hours = waits[known], abandoned[known], hours[known]
    within = np.ceil(waits) <= threshold
    answered = ~abandoned
    cells = (
        np.bincount(hours, minlength=24),
        np.bincount(hours, weights=answered, minlength=24),
        np.bincount(hours, weights=abandoned, minlength=24),
        np.bincount(hours, weights=answered & within, minlength=24),
        np.bincount(hours, weights=abandoned & ~within, minlength=24),
        np.bincount(hours, weights=np.where(answered, waits, 0.0), minlength=24),
    )
    for h in np.flatnonzero(cells[0]).tolist():
        calls, ans, ab, inside, after, wait_sum = (c[h] for c in cells)
        result.by_hour[h] = Result(int(calls), int(ans), int(ab), int(inside), int(after), float(wait_sum))
    for cell in result.by_hour.values():
        result.calls += cell.calls
        result.answered += cell.answered
        result.abandoned += cell.abandoned
        result.answered_within += cell.answered_within
        result.abandoned_after += cell.abandoned_after
        result.wait_sum += cell.wait_sum
    return result


def observed(calls: Calls, threshold: float) -> Result:
    """The same tallies over the data itself, for comparison with a simulation."""
    _, hours, _ = local_parts(calls.arrived)
    return _tally(calls.wait.astype(float), calls.abandoned.astype(bool), hours, threshold)


def simulate(calls: Calls, roster: list[int], threshold: float) -> Result:
    """Replay `calls` through a handler pool sized by `roster[local hour]`.

    Calls abandoned in the data keep their observed wait and take no handler, so only
    the others go through the queue.
    """
    if len(calls) == 0:
        return Result()
    _, hours, _ = local_parts(calls.arrived)
    served = np.isinf(calls.patience)
    waits = np.where(served, np.nan, calls.patience).astype(float)
    waits[served] = replay(calls.arrived[served], calls.talk[served], roster, horizon=float(calls.arrived[-1]) + 6 * 3600)
    return _tally(waits, ~served, hours, threshold)


def replay(arrived: np.ndarray, talk: np.ndarray, roster: list[int], horizon: float) -> np.ndarray:
    """Waits of calls queued first come, first served for handlers on an hourly roster (SimPy).

    One process brings the calls in arrival order, the other sets the number of handlers
    on duty at each hour; a handler is busy for the call's talk time and one going off
    duty leaves when next free. Handlers are kept as the times they come free (a heap).
    The staff change only at the rota's hourly events, so between two of them the calls
    are answered in arrival order straight from the heap; a call whose handler comes free
    only after the hour waits for the rota's event. Events: a few per hour, not one per
    call (the same waits; about 20 times faster). NaN: not answered before `horizon`.
    """
    waits = np.full(len(arrived), np.nan)
    if len(arrived) == 0:
        return waits
    t0 = float(arrived[0])
    first_hour = t0 - t0 % 3600  # local hours start on UTC hours (UK offsets are whole hours)
    boundaries = first_hour + 3600.0 * np.arange(int((horizon - first_hour) // 3600) + 2)
    _, boundary_hours, _ = local_parts(boundaries)
    staff = [int(roster[h]) for h in boundary_hours.tolist()]
    env = simpy.Environment(initial_time=t0)
    free: list[float] = []  # when each handler on duty comes free
    leaving = [0]  # handlers to send off duty as they come free

    def rota():
        for i, wanted in enumerate(staff):
            if env.now < boundaries[i]:
                yield env.timeout(float(boundaries[i]) - env.now)
            change = wanted - (len(free) - leaving[0])
            if change < 0:
                leaving[0] -= change
            else:
                stay = min(change, leaving[0])
                leaving[0] -= stay
                for _ in range(change - stay):
                    heapq.heappush(free, env.now)

    def queue():
        answered = env.now  # when the previous call was answered: calls are answered in arrival order
        # Staff change only at hour boundaries (the rota's events): until the next one (or
        # the horizon), calls are answered straight from the heap, with no event each.
        clock = env.now
        limit = min(clock - clock % 3600 + 3600, horizon)
        for i, (a, busy) in enumerate(zip(arrived.tolist(), talk.tolist())):
            while True:
                now = a if a > answered else answered
                now = now if now > clock else clock
                if now >= limit:
                    yield env.timeout(now - clock)  # the rota's changes up to then come first
                    clock = env.now
                    limit = min(clock - clock % 3600 + 3600, horizon)
                    continue
                while leaving[0] and free:
                    heapq.heappop(free)
                    leaving[0] -= 1
                if free and (free[0] if free[0] > now else now) < limit:
                    break
                yield env.timeout(limit - clock)  # nobody comes free this hour: wait for the rota
                clock = env.now
                limit = min(clock - clock % 3600 + 3600, horizon)
            answered = free[0] if free[0] > now else now
            heapq.heapreplace(free, answered + busy)
            out[i] = answered - a

    out = waits.tolist()  # list items are cheaper to set than array items
    env.process(rota())
    done = env.process(queue())
    env.run(until=env.any_of([done, env.timeout(horizon - t0)]))
    return np.array(out, dtype=float)


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


@dataclass
class Fitted:
    """A fitted roster and its simulation over the calls it was fitted on (the baseline)."""

    roster: list[int]
    result: Result


def fit_roster(calls: Calls, threshold: float, rounds: int = 6, tolerance: float = 0.01) -> list[int]:
    """A roster that reproduces the observed service level hour by hour (see `fit`)."""
    return fit(calls, threshold, rounds, tolerance).roster


def fit(calls: Calls, threshold: float, rounds: int = 6, tolerance: float = 0.01, start: list[int] | None = None) -> Fitted:
    """Fit a roster to the observed service levels, hour by hour, in at most `rounds` simulations.

    Start from `start` (e.g. the roster fitted on yesterday's data, usually close) or, for
    each hour, from the fewest handlers whose Erlang C service level reaches the hour's
    observed one. Then simulate and move each hour missing the observed level by more than
    `tolerance` towards it: by one handler, doubling while the hour keeps moving the same
    way and halving when it turns back (Erlang C on the hour's mean demand can be several
    handlers out, as arrivals bunch within the hour). Returns the simulated roster that came
    closest (calls-weighted), with its simulation, so the baseline needs no extra run.
    """
    obs = observed(calls, threshold)
    roster = list(start) if start and len(start) == 24 else _erlang_start(calls, obs, threshold)
    step, heading = [1] * 24, [0] * 24
    best: tuple[float, Fitted] | None = None
    for _ in range(rounds):
        sim = simulate(calls, roster, threshold)
        miss = _misfit(obs, sim)
        if best is None or miss < best[0]:
            best = (miss, Fitted(list(roster), sim))
        moved = False
        for h in range(24):
            o, s = obs.by_hour.get(h), sim.by_hour.get(h)
            if not o or not s or o.service_level is None or s.service_level is None:
                continue
            way = 1 if s.service_level < o.service_level - tolerance else -1 if s.service_level > o.service_level + tolerance else 0
            if way == 0 or roster[h] + way < 1 or (way == -heading[h] and step[h] == 1):
                # Within tolerance, or turning back over a single handler: one handler
                # more or fewer moves this hour across the whole band, so it is settled.
                step[h], heading[h] = 1, 0 if way == 0 else heading[h]
                continue
            step[h] = step[h] * 2 if way == heading[h] else max(1, step[h] // 2)
            heading[h] = way
            roster[h] = max(1, roster[h] + way * step[h])
            moved = True
        if not moved:
            break
    return best[1]


def _erlang_start(calls: Calls, obs: Result, threshold: float) -> list[int]:
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
    return roster


def _misfit(obs: Result, sim: Result) -> float:
    """Calls on the wrong side of the threshold, hour by hour: |simulated - observed level| x calls."""
    total = 0.0
    for h, o in obs.by_hour.items():
        s = sim.by_hour.get(h)
        if o.service_level is not None and s is not None and s.service_level is not None:
            total += abs(s.service_level - o.service_level) * o.calls
    return total


def drop_repeat_demand(calls: Calls, repeat_callers: set[int], share: float, seed: int = 7) -> Calls:
    """Remove `share` (0-1) of the calls made by repeat callers, chosen at random (seeded)."""
    is_repeat = np.isin(calls.caller, np.array(sorted(repeat_callers), dtype=np.int64))
    keep = ~is_repeat | (np.random.default_rng(seed).random(len(calls)) >= share)
    return calls.subset(keep)
