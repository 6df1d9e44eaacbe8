"""Erlang C: the M/M/N queue behind handler numbers (docs/reports.md, "Demand model").

Offered load A = arrival rate x mean handling time (Erlangs). With N handlers (N > A):
  P(wait) = C(N, A) = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A))
  P(answered within t) = 1 - C(N, A) * exp(-(N - A) * t / AHT)
  mean wait (ASA) = C(N, A) * AHT / (N - A)
Computed through Erlang B's stable recurrence, so large N does not overflow.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


def erlang_b(n: int, load: float) -> float:
    """Blocking probability of N servers under load A (recurrence B(k) = A B(k-1) / (k + A B(k-1)))."""
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(n: int, load: float) -> float:
    """Probability an arrival waits (1.0 if the queue is unstable: N <= A)."""
    if n <= load:
        return 1.0
    b = erlang_b(n, load)
    return n * b / (n - load * (1 - b))


def service_level(n: int, load: float, aht: float, threshold: float) -> float:
    """Share answered within `threshold` seconds (aht in seconds)."""
    if n <= load:
        return 0.0
    return 1.0 - erlang_c(n, load) * math.exp(-(n - load) * threshold / aht)


def mean_wait(n: int, load: float, aht: float) -> float:
    if n <= load:
        return math.inf
    return erlang_c(n, load) * aht / (n - load)


@dataclass
class Staffing:
    handlers: int
    load: float
    service_level: float
    wait_probability: float
    occupancy: float
    mean_wait: float


def handlers_needed(calls_per_hour: float, aht: float, threshold: float, target: float, max_handlers: int = 2000) -> Staffing:
    """The fewest handlers meeting `target` share within `threshold` s (aht in seconds)."""
    load = calls_per_hour * aht / 3600.0
    if load <= 0:
        return Staffing(0, 0.0, 1.0, 0.0, 0.0, 0.0)
    n = max(1, math.floor(load) + 1)
    while n <= max_handlers:
        sl = service_level(n, load, aht, threshold)
        if sl >= target:
            return Staffing(n, load, sl, erlang_c(n, load), load / n, mean_wait(n, load, aht))
        n += 1
    raise ValueError(f"more than {max_handlers} handlers needed for {calls_per_hour}/h at {aht}s")
