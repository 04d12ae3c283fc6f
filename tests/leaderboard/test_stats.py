"""The leaderboard's statistics checked by hand against scipy's distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mmal_bench.leaderboard.stats import paired_difference, ranks_descending, t_interval


def test_t_interval_matches_the_textbook_formula() -> None:
    x = np.array([0.61, 0.64, 0.59, 0.66, 0.62])
    n = len(x)
    half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)
    ci = t_interval(x)
    assert ci.mean == pytest.approx(x.mean())
    assert ci.low == pytest.approx(x.mean() - half)
    assert ci.high == pytest.approx(x.mean() + half)
    assert ci.n == 5


def test_t_interval_edge_cases() -> None:
    one = t_interval(np.array([0.5]))
    assert one.mean == 0.5 and math.isnan(one.low) and math.isnan(one.high)
    flat = t_interval(np.full(4, 0.3))
    assert (flat.low, flat.high) == (pytest.approx(0.3), pytest.approx(0.3))
    assert math.isnan(t_interval(np.empty(0)).mean)


def test_paired_difference_is_the_interval_of_differences() -> None:
    a = np.array([0.70, 0.72, 0.69, 0.75])
    b = np.array([0.65, 0.70, 0.66, 0.69])
    d = a - b
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2.0
    ci = paired_difference(a, b)
    assert ci.mean == pytest.approx(d.mean())
    assert ci.high - ci.mean == pytest.approx(half)
    with pytest.raises(ValueError, match="equal shapes"):
        paired_difference(a, b[:3])


def test_ranks_descending_gives_integer_competition_ranks() -> None:
    assert ranks_descending(np.array([0.7, 0.9, 0.7, 0.1])).tolist() == [2, 1, 2, 4]
