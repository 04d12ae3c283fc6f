"""diverse_top_k: k-means++ seeding over the top candidates, score-weighted, against a loop reference."""

from __future__ import annotations

import numpy as np
from strategies_factory import kmeanspp_reference

from mmal_bench.strategies.diversity import diverse_top_k
from mmal_bench.strategies.utils import top_k


def test_matches_kmeanspp_on_score_weighted_candidates():
    rng = np.random.default_rng(0)
    scores, x = rng.random(50), rng.normal(size=(50, 3))
    got = diverse_top_k(scores, lambda pos: x[pos], 4, np.random.default_rng(5))
    candidates = top_k(scores, 16)
    s = scores[candidates]
    weighted = (0.5 + 0.5 * (s - s.min()) / (s.max() - s.min()))[:, None] * x[candidates]
    expected = candidates[kmeanspp_reference(weighted, 4, np.random.default_rng(5))]
    assert got.tolist() == expected.tolist()


def test_small_pools_and_equal_scores():
    x = np.arange(12, dtype=float).reshape(6, 2)
    assert sorted(diverse_top_k(np.arange(6.0), lambda pos: x[pos], 6, np.random.default_rng(0)).tolist()) == list(range(6))
    assert diverse_top_k(np.arange(6.0), lambda pos: x[pos], 2, np.random.default_rng(0), oversample=1).tolist() == [5, 4]
    twice = [diverse_top_k(np.ones(6), lambda pos: np.zeros((len(pos), 2)), 3, np.random.default_rng(1)) for _ in range(2)]
    assert twice[0].tolist() == twice[1].tolist() and len(set(twice[0].tolist())) == 3
