"""Statistics of one (dataset, regime) table: t-intervals over seeds, paired differences, ranks.

Pure functions over numpy arrays; the distributions come from `scipy.stats`, nothing is hand-rolled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

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


def ranks_descending(scores: np.ndarray) -> np.ndarray:
    """Integer rank 1 for the highest score; ties share the best rank of their block (1, 2, 2, 4)."""
    return stats.rankdata(-np.asarray(scores, dtype=np.float64), method="min").astype(np.int64)
