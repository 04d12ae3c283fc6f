"""noise-aware: percentile lowness and the down-weighting of unlearnable rows, against loops."""

from __future__ import annotations

import numpy as np
import pytest
from strategies_factory import problem

from mmal_bench.strategies import get_strategy
from mmal_bench.strategies.noise import lowness, noise_aware_scores
from mmal_bench.strategies.utils import entropy


def test_lowness_by_hand():
    assert lowness(np.array([3.0, 1.0, 2.0])).tolist() == [0.0, 1.0, 0.5]
    assert lowness(np.array([1.0, 1.0])).tolist() == [0.5, 0.5]
    assert lowness(np.array([4.0])).tolist() == [0.5]


def test_scores_match_a_loop_reference():
    samples = np.random.default_rng(0).dirichlet(np.ones(3), size=(6, 8))  # (T=6, n=8, K=3)
    got = noise_aware_scores(samples)
    mean = samples.mean(0)
    conf, var = [], []
    for i in range(8):
        c = int(np.argmax(mean[i]))
        conf.append(np.mean([samples[t, i, c] for t in range(6)]))
        var.append(np.std([samples[t, i, c] for t in range(6)]))

    def low(v, i):
        return 1 - sum(x < v[i] for x in v) / 7 - (sum(x == v[i] for x in v) - 1) / 14

    for i in range(8):
        h = -sum(p * np.log(p) for p in mean[i]) / np.log(3)
        assert got[i] == pytest.approx(h * (1 - low(conf, i) * low(var, i)))


def test_row_blocks_give_bitwise_the_whole_array_scores():
    samples = np.random.default_rng(1).dirichlet(np.ones(5), size=(7, 103)).astype(np.float32)
    whole = noise_aware_scores(samples, chunk_rows=10**6)
    for rows in (1, 10, 64):
        np.testing.assert_array_equal(noise_aware_scores(samples, chunk_rows=rows), whole)
    # and the same as the one-pass formula on a float64 copy of everything (the 2.0.0 reference)
    s64 = samples.astype(np.float64)
    mean = s64.mean(axis=0)
    p_hat = s64[:, np.arange(103), mean.argmax(axis=1)]
    reference = entropy(mean) / np.log(5) * (1.0 - lowness(p_hat.mean(axis=0)) * lowness(p_hat.std(axis=0)))
    np.testing.assert_array_equal(whole, reference)


def test_consistently_unsure_rows_lose_to_rows_the_passes_disagree_on():
    flat = np.tile([[0.4, 0.3, 0.3]], (4, 1))
    moving = np.array([[0.7, 0.2, 0.1], [0.1, 0.7, 0.2], [0.4, 0.3, 0.3], [0.4, 0.4, 0.2]])
    confident = np.tile([[0.9, 0.05, 0.05]], (4, 1))
    samples = np.stack([flat, moving, confident], axis=1)  # (T=4, n=3, K=3)
    scores = noise_aware_scores(samples)
    assert entropy(samples.mean(0))[0] > entropy(samples.mean(0))[1]  # plain entropy prefers the flat row
    assert scores[1] > scores[0]  # noise-aware does not


def test_strategy_uses_mc_dropout_from_the_rng():
    view, model = problem()
    s = get_strategy("noise-aware")
    seed = int(np.random.default_rng(4).integers(2**31 - 1))
    expected = noise_aware_scores(model.mc_dropout_proba(view.unlabeled, s.n_samples, seed))
    assert np.allclose(s.scores(view, model, np.random.default_rng(4)), expected)
