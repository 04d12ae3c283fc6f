"""Unimodal strategies against brute-force references on a small pool."""

from __future__ import annotations

import numpy as np
import pytest
from strategies_factory import brute_top_k, kmeanspp_reference, materialised_gradients, problem, spread

from mmal_bench.strategies import get_strategy
from mmal_bench.strategies.utils import k_center_greedy, kmeanspp_factorised, top_k


def _entropy(row):
    return -sum(p * np.log(p) for p in row if p > 0)


@pytest.mark.parametrize(
    ("name", "score"),
    [
        ("entropy", _entropy),
        ("margin", lambda row: -(sorted(row)[-1] - sorted(row)[-2])),
        ("least-confidence", lambda row: 1 - max(row)),
    ],
)
def test_uncertainty_strategies_pick_the_exact_top_k(name, score):
    view, model = problem()
    p = model.predict_proba(view.unlabeled).astype(np.float64)
    expected = view.unlabeled_ids[brute_top_k([score(row) for row in p], 7)]
    got = get_strategy(name).select(view, model, 7, np.random.default_rng(0))
    np.testing.assert_array_equal(got, expected)


def test_top_k_breaks_ties_by_position_and_puts_nan_last():
    scores = np.array([1.0, 3.0, np.nan, 3.0, 2.0, 3.0])
    np.testing.assert_array_equal(top_k(scores, 2), [1, 3])
    np.testing.assert_array_equal(top_k(scores, 6), [1, 3, 5, 4, 0, 2])
    with pytest.raises(ValueError, match="cannot pick 7 of 6"):
        top_k(scores, 7)


def test_random_is_seeded_distinct_and_unlabeled():
    view, model = problem()
    s = get_strategy("random")
    a = s.select(view, model, 10, np.random.default_rng(1))
    np.testing.assert_array_equal(a, s.select(view, model, 10, np.random.default_rng(1)))
    assert not np.array_equal(a, s.select(view, model, 10, np.random.default_rng(2)))
    assert len(set(a)) == 10 and set(a) <= set(view.unlabeled_ids)


def test_bald_scores_nonnegative_passes_differ_and_top_k_matches_reference():
    view, model = problem()
    seed = int(np.random.default_rng(0).integers(2**31 - 1))  # what BALD draws first from rng(0)
    samples = model.mc_dropout_proba(view.unlabeled, 10, seed).astype(np.float64)
    assert not np.allclose(samples[0], samples[1])
    mi = []
    for i in range(samples.shape[1]):
        mean = samples[:, i].mean(0)
        mi.append(_entropy(mean) - np.mean([_entropy(samples[t, i]) for t in range(10)]))
    assert min(mi) > -1e-9 and max(mi) > 0
    got = get_strategy("bald").select(view, model, 6, np.random.default_rng(0))
    np.testing.assert_array_equal(got, view.unlabeled_ids[brute_top_k(mi, 6)])


def _naive_k_center(x, centers, k):
    picks = []
    for _ in range(k):
        all_centers = list(centers) + [x[p] for p in picks]
        dist = [min(np.linalg.norm(x[i] - c) for c in all_centers) if i not in picks else -1 for i in range(len(x))]
        picks.append(int(np.argmax(dist)))
    return picks


def _radius(x, centers):
    return max(min(np.linalg.norm(xi - c) for c in centers) for xi in x)


def test_coreset_matches_naive_k_center_and_its_radius():
    view, model = problem()
    x = model.embed(view.unlabeled).astype(np.float64)
    centers = model.embed(view.labeled).astype(np.float64)
    expected = _naive_k_center(x, centers, 8)
    got = get_strategy("coreset").select(view, model, 8, np.random.default_rng(0))
    np.testing.assert_array_equal(got, view.unlabeled_ids[expected])
    covered = np.concatenate([centers, x[expected]])
    pos = np.searchsorted(view.unlabeled_ids, got)
    np.testing.assert_allclose(_radius(x, np.concatenate([centers, x[pos]])), _radius(x, covered), rtol=1e-9)


def test_k_center_blocks_and_duplicates():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    centers = rng.normal(size=(9, 3))
    assert k_center_greedy(x, centers, 5, rng).tolist() == _naive_k_center(x, centers, 5)
    same = np.zeros((6, 2))  # all rows equal: still distinct picks
    assert sorted(k_center_greedy(same, np.zeros((1, 2)), 6, rng).tolist()) == list(range(6))


def test_factorised_kmeanspp_equals_materialised_reference():
    rng = np.random.default_rng(3)
    a, h = rng.normal(size=(40, 4)), rng.normal(size=(40, 5))
    got = kmeanspp_factorised(a, h, 9, np.random.default_rng(11))
    expected = kmeanspp_reference(materialised_gradients(a, h), 9, np.random.default_rng(11))
    assert got.tolist() == expected


def test_factorised_distance_identity():
    rng = np.random.default_rng(0)
    a, b, h, g = rng.normal(size=4), rng.normal(size=4), rng.normal(size=6), rng.normal(size=6)
    direct = np.sum((np.outer(a, h) - np.outer(b, g)) ** 2)
    factorised = (a @ a) * (h @ h) + (b @ b) * (g @ g) - 2 * (a @ b) * (h @ g)
    np.testing.assert_allclose(factorised, direct, rtol=1e-12)


def test_badge_is_distinct_and_better_spread_than_random():
    view, model = problem()
    a, h = model.gradient_embedding_factors(view.unlabeled)
    g = materialised_gradients(a, h)
    pos = {i: p for p, i in enumerate(view.unlabeled_ids)}
    badge = get_strategy("badge")
    spreads = []
    for seed in range(5):
        ids = badge.select(view, model, 10, np.random.default_rng(seed))
        assert len(set(ids)) == 10
        spreads.append(spread(g[[pos[i] for i in ids]]))
    random = [spread(g[np.random.default_rng(s).choice(len(g), 10, replace=False)]) for s in range(50)]
    assert np.mean(spreads) > np.mean(random)
    assert pos[badge.select(view, model, 1, np.random.default_rng(0))[0]] == int(np.argmax((g**2).sum(1)))
