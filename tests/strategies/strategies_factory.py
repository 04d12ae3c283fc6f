"""Shared tiny problems and brute-force references for strategy tests (plain loops on purpose)."""

from __future__ import annotations

import numpy as np

from mmal_bench.strategies.check import tiny_problem

_CACHE: dict = {}


def problem(n_pool: int = 120, n_labeled: int = 24, seed: int = 0):
    """A cached (view, model) pair: training is the slow part, strategies never modify either."""
    key = (n_pool, n_labeled, seed)
    if key not in _CACHE:
        _CACHE[key] = tiny_problem(n_pool=n_pool, n_labeled=n_labeled, seed=seed)
    return _CACHE[key]


def brute_top_k(scores, k):
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]


def spread(points: np.ndarray) -> float:
    """Mean pairwise Euclidean distance of a set of points."""
    n = len(points)
    return float(np.mean([np.linalg.norm(points[i] - points[j]) for i in range(n) for j in range(i + 1, n)]))


def materialised_gradients(a: np.ndarray, h: np.ndarray) -> np.ndarray:
    return np.stack([np.outer(a[i], h[i]).ravel() for i in range(len(a))])


def kmeanspp_reference(g: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
    """Textbook k-means++ on materialised rows, first pick = largest norm, same rng use as the library."""
    picks = [int(np.argmax((g**2).sum(1)))]
    while len(picks) < k:
        d2 = np.array([min(float(((g[i] - g[c]) ** 2).sum()) for c in picks) for i in range(len(g))])
        d2[picks] = 0.0
        cum = np.cumsum(d2)
        picks.append(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")))
    return picks
