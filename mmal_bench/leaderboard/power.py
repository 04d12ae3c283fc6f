"""Power of the verdict tests over datasets: how likely a true effect is called "better", and the
smallest effect called so with probability 0.8. Pure functions by simulation; numpy only at import.

The model of the data is the pilot's: per-dataset differences (strategy − random, normalised ΔAUBC)
are ``effect + family effect + dataset effect``, with total SD ``sd`` and a share ``icc`` of its variance
shared by the datasets of one pitfall family (variants of one generator correlate). Seeds are left out:
they carry about 5 % of the variance of a dataset's mean (REFERENCES.md, "Units of inference").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from mmal_bench.leaderboard import signed_rank
from mmal_bench.leaderboard.signed_rank import DECIDE, ROPE, p_better_batch

#: Power a design should reach, and the level and number of comparisons of the frequentist companion.
TARGET_POWER = 0.8
ALPHA = 0.05
#: Simulated replicates per power value, and the seed that makes power curves deterministic.
N_SIM = 250
SIM_SEED = 2017
#: The Bayesian test's posterior samples inside a simulation (the verdict's own use takes more).
SIM_POSTERIOR_SAMPLES = 1000

TESTS = ("bayes", "wilcoxon")


def simulate_differences(effect: float, sd: float, family_sizes: Sequence[int], icc: float = 0.0, *, n_sim: int = N_SIM, seed: int = SIM_SEED) -> np.ndarray:
    """``(n_sim, Σ family_sizes)`` per-dataset differences under the pilot's model.

    Parameters
    ----------
    effect: the true mean difference (normalised ΔAUBC).
    sd: total between-dataset SD of the differences.
    family_sizes: datasets per pitfall family, e.g. ``(2, 2, 3, 2, 1)``; ``(10,)`` with ``icc = 0`` is
        ten independent datasets.
    icc: share of the variance the datasets of one family share (0 ≤ icc < 1).

    The same ``seed`` gives the same standardised draws for every ``effect`` and ``sd`` (common random
    numbers), so power is monotone in the effect up to the test's own discreteness.
    """
    sizes = [int(m) for m in family_sizes]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"family_sizes must list at least one family of at least one dataset, got {list(family_sizes)}")
    if not 0.0 <= icc < 1.0:
        raise ValueError(f"icc must be in [0, 1), got {icc}")
    if not sd >= 0.0:
        raise ValueError(f"sd must be non-negative, got {sd}")
    rng = np.random.default_rng(seed)
    family = rng.standard_normal((n_sim, len(sizes)))
    within = rng.standard_normal((n_sim, sum(sizes)))
    shared = np.repeat(family, sizes, axis=1)
    return effect + sd * (np.sqrt(icc) * shared + np.sqrt(1.0 - icc) * within)


def power(
    effect: float,
    sd: float,
    family_sizes: Sequence[int],
    icc: float = 0.0,
    *,
    test: str = "bayes",
    rope: float = ROPE,
    decide: float = DECIDE,
    alpha: float = ALPHA,
    n_comparisons: int = 1,
    n_sim: int = N_SIM,
    seed: int = SIM_SEED,
) -> float:
    """Probability that a strategy with true mean difference ``effect`` is called better than random.

    Parameters
    ----------
    effect, sd, family_sizes, icc: the data model (`simulate_differences`).
    test: ``"bayes"`` — the Bayesian signed-rank test says "better" (P(better) ≥ ``decide`` with
        ROPE ±``rope``); ``"wilcoxon"`` — the two-sided Wilcoxon signed-rank test rejects at
        ``alpha / n_comparisons`` (Holm's first, strictest threshold over ``n_comparisons`` strategies
        vs random) with a positive mean.
    n_sim, seed: simulated replicates and their seed.

    Returns
    -------
    The share of simulated replicates called "better" (0 to 1).
    """
    x = simulate_differences(effect, sd, family_sizes, icc, n_sim=n_sim, seed=seed)
    if test == "bayes":
        if x.shape[1] < signed_rank.MIN_UNITS:  # the verdict never decides on so few units
            return 0.0
        probs = p_better_batch(x, rope, n_samples=SIM_POSTERIOR_SAMPLES, seed=seed)
        return float((probs[:, 2] >= decide).mean())
    if test == "wilcoxon":
        from scipy import stats  # lazily: importing this module must stay light

        if x.shape[1] < 2:
            return 0.0
        p = stats.wilcoxon(x, axis=1, zero_method="pratt").pvalue
        return float(((p < alpha / max(1, n_comparisons)) & (x.mean(axis=1) > 0)).mean())
    raise ValueError(f"unknown test {test!r}; use one of {TESTS}")


def detectable_effect(
    sd: float,
    family_sizes: Sequence[int],
    icc: float = 0.0,
    *,
    target: float = TARGET_POWER,
    max_effect: float | None = None,
    tolerance: float = 1e-3,
    **kwargs,
) -> float:
    """Smallest true effect called "better" with probability ≥ ``target`` (``inf`` if none up to ``max_effect``).

    Bisection on `power` (same simulated draws at every effect). ``max_effect`` defaults to
    ``max(10·sd, 0.5)``: a design that cannot call that effect better cannot call any (e.g. one or two
    datasets, where the Wilcoxon test's smallest p-value stays above the level). Keyword arguments
    go to `power` (``test``, ``rope``, ``n_comparisons``, ...).
    """
    sizes = tuple(int(m) for m in family_sizes)
    options = tuple(sorted(kwargs.items()))
    return _detectable_effect(float(sd), sizes, float(icc), float(target), max_effect, float(tolerance), options, signed_rank.MIN_UNITS)


@lru_cache(maxsize=256)
def _detectable_effect(
    sd: float, sizes: tuple[int, ...], icc: float, target: float, max_effect: float | None, tolerance: float, options: tuple, min_units: int
) -> float:
    """`detectable_effect` on hashable arguments, cached: the board and FINDINGS ask the same questions.
    ``min_units`` (the verdict's minimum, read by `power`) is part of the key so a cached answer never
    outlives the rule it was computed under."""
    kwargs = dict(options)
    hi = float(max_effect) if max_effect is not None else max(10.0 * sd, 0.5)
    if power(hi, sd, sizes, icc, **kwargs) < target:
        return float("inf")
    lo = 0.0
    if power(lo, sd, sizes, icc, **kwargs) >= target:
        return 0.0
    while hi - lo > tolerance:
        mid = 0.5 * (lo + hi)
        if power(mid, sd, sizes, icc, **kwargs) >= target:
            hi = mid
        else:
            lo = mid
    return hi
