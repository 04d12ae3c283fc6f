"""Power by simulation: grows with the effect, matches the textbook where one exists, and says when a
design can detect nothing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mmal_bench.leaderboard.power import detectable_effect, power, simulate_differences
from mmal_bench.leaderboard.signed_rank import MIN_UNITS


def test_power_is_the_false_positive_rate_at_zero_and_grows_with_the_effect() -> None:
    values = [power(e, 0.05, (10,), test="wilcoxon") for e in (0.0, 0.02, 0.05, 0.1)]
    assert values[0] <= 0.08 and values == sorted(values) and values[-1] > 0.95


def test_wilcoxon_power_is_close_to_the_paired_t_tests_analytic_power() -> None:
    # Wilcoxon's asymptotic efficiency vs t is 3/π ≈ 0.955: at n = 20 its power is just under the t-test's.
    n, d = 20, 0.6
    nc = d * np.sqrt(n)
    crit = stats.t.ppf(0.975, n - 1)
    t_power = 1 - stats.nct.cdf(crit, n - 1, nc)
    got = power(d, 1.0, (n,), test="wilcoxon", n_sim=2000)
    assert t_power - 0.1 < got <= t_power + 0.03


def test_family_correlation_costs_power() -> None:
    independent = detectable_effect(0.06, (2, 2, 2, 2, 2), 0.0, test="bayes")
    correlated = detectable_effect(0.06, (2, 2, 2, 2, 2), 0.8, test="bayes")
    assert np.isfinite(independent) and correlated > independent


def test_detectable_effect_hits_the_target_power() -> None:
    effect = detectable_effect(0.05, (10,), test="bayes")
    assert 0.0 < effect < 0.1
    assert power(effect, 0.05, (10,)) >= 0.8 > power(effect - 0.005, 0.05, (10,))


def test_a_design_that_cannot_reject_detects_nothing() -> None:
    # two datasets: the smallest two-sided Wilcoxon p-value is 0.5
    assert detectable_effect(0.05, (2,), test="wilcoxon") == float("inf")


def test_simulation_is_deterministic_and_validates_its_inputs() -> None:
    assert np.array_equal(simulate_differences(0.1, 0.05, (3, 2), 0.3), simulate_differences(0.1, 0.05, (3, 2), 0.3))
    assert simulate_differences(0.1, 0.05, (3, 2), 0.3).shape[1] == 5
    with pytest.raises(ValueError, match="icc"):
        simulate_differences(0.1, 0.05, (3,), 1.0)
    with pytest.raises(ValueError, match="family_sizes"):
        simulate_differences(0.1, 0.05, (), 0.0)
    with pytest.raises(ValueError, match="unknown test"):
        power(0.1, 0.05, (3,), test="t")


def test_the_bayesian_verdicts_power_is_zero_below_its_minimum_of_units() -> None:
    assert power(0.3, 0.05, (MIN_UNITS - 1,), test="bayes") == 0.0
    assert detectable_effect(0.05, (MIN_UNITS - 1,), test="bayes") == float("inf")
    assert power(0.3, 0.05, (MIN_UNITS,), test="bayes") > 0.9
