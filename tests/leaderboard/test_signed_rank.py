"""The Bayesian signed-rank test is baycomp's, sample for sample, and its verdict never reads a
non-rejection as equivalence."""

from __future__ import annotations

import baycomp
import numpy as np
import pytest

from mmal_bench.leaderboard.signed_rank import MIN_UNITS, bayesian_signed_rank, p_better_batch, verdict


@pytest.mark.parametrize(("n", "mean", "sd"), [(10, 0.03, 0.05), (10, 0.0, 0.05), (3, 0.05, 0.05), (12, 0.002, 0.003), (6, -0.04, 0.02)])
def test_posterior_is_baycomps_two_on_multiple_with_the_same_draws(n: int, mean: float, sd: float) -> None:
    diff = np.random.default_rng(n).normal(mean, sd, n)
    want = baycomp.two_on_multiple(np.zeros(n), diff, rope=0.01, random_state=7, nsamples=20_000)  # (P(random ahead), rope, P(strategy ahead))
    got = bayesian_signed_rank(diff, 0.01, n_samples=20_000, seed=7)
    assert (got.p_worse, got.p_equivalent, got.p_better) == pytest.approx(want, abs=1e-12)
    assert p_better_batch(diff[None], 0.01, n_samples=20_000, seed=7)[0] == pytest.approx(want, abs=1e-12)


def test_planted_effects_get_their_verdicts() -> None:
    rng = np.random.default_rng(0)
    assert bayesian_signed_rank(rng.normal(0.05, 0.02, 10)).verdict() == "better"
    assert bayesian_signed_rank(rng.normal(-0.05, 0.02, 10)).verdict() == "worse"
    assert bayesian_signed_rank(rng.normal(0.0, 0.002, 10)).verdict() == "equivalent"
    # wide noise around zero: the test cannot tell, and says so instead of "equivalent"
    assert bayesian_signed_rank(np.array([0.08, -0.06, 0.05, -0.07, 0.02])).verdict() == "undecided"


def test_verdict_needs_the_rope_probability_for_equivalence() -> None:
    assert verdict(0.5, 0.4, 0.1) == "undecided"
    assert verdict(0.0, 0.95, 0.05) == "equivalent"
    assert verdict(0.96, 0.04, 0.0) == "better" and verdict(0.0, 0.04, 0.96) == "worse"


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        bayesian_signed_rank(np.array([0.1, np.nan]))


def test_no_verdict_rests_on_fewer_than_min_units_datasets() -> None:
    # five datasets all +0.2 reach P(better) >= 0.95, yet five datasets cannot stand for a family
    few = bayesian_signed_rank(np.full(MIN_UNITS - 1, 0.2))
    assert few.p_better >= 0.95 and few.verdict() == "undecided"
    assert bayesian_signed_rank(np.full(MIN_UNITS, 0.2)).verdict() == "better"
    assert bayesian_signed_rank(np.full(MIN_UNITS - 1, 0.0)).verdict() == "undecided"
