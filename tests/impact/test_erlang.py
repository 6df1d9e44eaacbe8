"""Erlang C against published worked examples."""
import math

import pytest

from engage.impact.erlang import erlang_c, handlers_needed, mean_wait, service_level


def test_call_centre_helper_worked_example():
    # Call Centre Helper, "Erlang C formula: example" (callcentrehelper.com/erlang-c-formula-example-121281.htm),
    # as reproduced in pyworkforce's README (rodrigo-arenas/pyworkforce): 100 calls in 30 minutes,
    # AHT 180 s, target 80% within 20 s -> 14 agents, service level 0.8884, occupancy 0.7143,
    # probability of waiting 0.1741.
    got = handlers_needed(calls_per_hour=200, aht=180, threshold=20, target=0.80)
    assert got.handlers == 14
    assert got.load == pytest.approx(10.0)
    assert got.service_level == pytest.approx(0.8884, abs=5e-5)
    assert got.occupancy == pytest.approx(0.7143, abs=5e-5)
    assert got.wait_probability == pytest.approx(0.1741, abs=5e-5)
    # One fewer handler misses the target: 14 is the fewest.
    assert service_level(13, 10.0, 180, 20) < 0.80


def test_formula_against_direct_factorial_sum():
    # The recurrence equals the textbook formula with factorials (A = 48, N = 55:
    # the "360 calls per half hour, 4 minute calls, 55 agents" example of the Erlang-C
    # step-by-step tutorials).
    a, n = 48.0, 55
    top = a**n / math.factorial(n) * n / (n - a)
    direct = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    assert erlang_c(n, a) == pytest.approx(direct, rel=1e-12)
    assert mean_wait(n, a, 240) == pytest.approx(direct * 240 / 7)
    assert service_level(n, a, 240, 15) == pytest.approx(1 - direct * math.exp(-7 * 15 / 240))


def test_unstable_queue_and_monotonic():
    assert erlang_c(5, 5.0) == 1.0
    assert service_level(5, 6.0, 100, 10) == 0.0
    levels = [service_level(n, 10.0, 180, 20) for n in range(11, 20)]
    assert levels == sorted(levels)
    assert handlers_needed(0, 180, 20, 0.9).handlers == 0
