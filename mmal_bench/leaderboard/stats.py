"""Statistics behind the leaderboard: t-intervals over seeds, paired tests, ranks.

Pure functions over numpy arrays; the distributions come from `scipy.stats`, nothing is hand-rolled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Significance level of the pairwise tests (Lüth et al. 2023 use p < 0.05).
ALPHA = 0.05
#: Coverage of every confidence interval on the leaderboard.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean with a two-sided confidence interval; ``low``/``high`` are NaN when n < 2."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0


def t_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student-t confidence interval of ``values`` (independent replicates, e.g. seeds).

    Seeds are few (3-10), so the t rather than the normal quantile; with one value the interval is
    undefined (NaN) rather than pretending to be zero-width. Zero spread gives a zero-width interval.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    n = int(x.size)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, float("nan"), float("nan"), n)
    sem = float(stats.sem(x))
    if sem == 0.0:
        return Interval(mean, mean, mean, n)
    low, high = stats.t.interval(confidence, df=n - 1, loc=mean, scale=sem)
    return Interval(mean, float(low), float(high), n)


def paired_difference(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean of ``a - b`` over paired replicates (same seeds) with its t-interval."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired samples need equal shapes, got {a.shape} and {b.shape}")
    return t_interval(a - b, confidence)


def paired_outcome(a: np.ndarray, b: np.ndarray, alpha: float = ALPHA) -> int:
    """+1 if ``a`` beats ``b`` in a two-sided paired t-test at level ``alpha``, -1 if it loses, 0 for a tie.

    Identical samples are a tie. A constant non-zero difference has zero variance (the t statistic
    is infinite): scipy reports it as p = 0 or NaN depending on version, so it is decided here
    explicitly as a win for the larger. Fewer than two pairs can never be significant: a tie.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired samples need equal shapes, got {a.shape} and {b.shape}")
    if a.size < 2:
        return 0
    diff = a - b
    if np.all(diff == diff[0]):
        return 0 if diff[0] == 0 else int(np.sign(diff[0]))
    result = stats.ttest_rel(a, b)
    if not np.isfinite(result.pvalue) or result.pvalue >= alpha:
        return 0
    return int(np.sign(result.statistic))


def pairwise_outcomes(samples: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Outcome matrix ``O[i, j]`` in {-1, 0, +1} of `paired_outcome` for rows of ``samples`` (k, n_seeds).

    Antisymmetric by construction (each unordered pair is tested once).
    """
    samples = np.asarray(samples, dtype=np.float64)
    k = samples.shape[0]
    out = np.zeros((k, k), dtype=np.int64)
    # k strategies is small (~15): the pair loop is over strategies, not over pool rows.
    for i in range(k):
        for j in range(i + 1, k):
            o = paired_outcome(samples[i], samples[j], alpha)
            out[i, j], out[j, i] = o, -o
    return out


def ranks_descending(scores: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest score; ties share their average rank (`scipy.stats.rankdata`)."""
    return stats.rankdata(-np.asarray(scores, dtype=np.float64), method="average")
