"""Unimodal strategies against brute-force references on a small pool."""

from __future__ import annotations

import numpy as np
import pytest
from strategies_factory import brute_top_k, kmeanspp_reference, materialised_gradients, problem, spread

from mmal_bench.strategies import get_strategy
from mmal_bench.strategies import utils
from mmal_bench.strategies.utils import k_center_greedy, kmeanspp_factorised, mutual_information, nearest_center_sq_dist, top_k


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


def _whole_pool_k_center(x, centers, k):
    """1.0.0's k-center as whole-pool expressions (float32 products, float64 norms): the picks to keep."""
    x, centers = x.astype(np.float32), centers.astype(np.float32)
    norm_x = np.einsum("ij,ij->i", x, x, dtype=np.float64)
    norm_c = np.einsum("ij,ij->i", centers, centers, dtype=np.float64).astype(np.float32)
    partial = (x @ centers.T) * np.float32(-2.0) + norm_c[None, :]
    min_d2 = np.maximum(norm_x + partial.min(axis=1).astype(np.float64), 0.0)
    picks = []
    for _ in range(k):
        picks.append(int(np.argmax(min_d2)))
        d2 = norm_x + norm_x[picks[-1]] - 2.0 * (x @ x[picks[-1]]).astype(np.float64)
        min_d2 = np.minimum(min_d2, np.maximum(d2, 0.0))
        min_d2[picks[-1]] = -1.0
    return picks


@pytest.mark.parametrize(
    ("row_block", "center_block", "greedy_block"), [(65_536, 1_024, 4_096), (7, 3, 5), (1, 1, 1), (50, 500, 64), (9, 4, 300)]
)
def test_k_center_blocks_give_the_whole_pool_picks(monkeypatch, row_block, center_block, greedy_block):
    rng = np.random.default_rng(row_block)
    x = rng.normal(size=(300, 12)).astype(np.float32)
    x[100:140] = x[3]  # duplicates: ties resolve to the lower position in every blocking
    x[200:210] = x[150:160] * 3  # far rows: picks from many different blocks
    centers = rng.normal(size=(37, 12)).astype(np.float32)
    monkeypatch.setattr(utils, "ROW_BLOCK", row_block)
    monkeypatch.setattr(utils, "CENTER_BLOCK", center_block)
    monkeypatch.setattr(utils, "GREEDY_BLOCK", greedy_block)
    for k in (0, 1, 25, 300):
        assert k_center_greedy(x, centers, k, np.random.default_rng(0)).tolist() == _whole_pool_k_center(x, centers, k)
    without = k_center_greedy(x, np.zeros((0, 12)), 20, np.random.default_rng(5))
    first = int(np.random.default_rng(5).integers(300))
    assert without[0] == first and without[1:].tolist() == _whole_pool_k_center(x, x[[first]], 20)[:19]
    d2 = ((x[:, None, :].astype(np.float64) - centers[None, :, :]) ** 2).sum(-1).min(1)
    np.testing.assert_allclose(nearest_center_sq_dist(x, centers), d2, rtol=1e-4, atol=1e-4)


def test_k_center_without_centers_starts_from_rng_and_reads_the_pool_once_for_centers(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    first = int(np.random.default_rng(9).integers(200))
    assert k_center_greedy(x, np.zeros((0, 5)), 4, np.random.default_rng(9))[0] == first
    assert np.isinf(nearest_center_sq_dist(x, np.zeros((0, 5), np.float32))).all()
    # 500 centers against a pool of 10 row blocks: one product per row block, not one per few centers
    monkeypatch.setattr(utils, "ROW_BLOCK", 20)
    calls = []
    real = np.matmul

    class Spy(np.ndarray):
        def __matmul__(self, other):
            calls.append(other.shape)
            return real(np.asarray(self), other)

    nearest_center_sq_dist(x.view(Spy), rng.normal(size=(500, 5)).astype(np.float32))
    assert len(calls) == 10 and all(shape == (5, 500) for shape in calls)


def test_bald_row_chunks_draw_the_same_masks_and_pick_the_same_rows(monkeypatch):
    from mmal_bench.models import fitted as fitted_module

    view, model = problem()
    whole = model.mc_dropout_proba(view.unlabeled, 4, 123)
    picks = get_strategy("bald").select(view, model, 6, np.random.default_rng(0))
    monkeypatch.setattr(fitted_module, "CHUNK_ROWS", 7)
    chunked = model.mc_dropout_proba(view.unlabeled, 4, 123)
    # the same dropout masks: only float rounding of the per-block matrix products differs (a
    # different mask changes probabilities by orders of magnitude more, as another pass shows)
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-7)
    assert np.abs(whole[1] - whole[0]).max() > 1e-3
    assert get_strategy("bald").select(view, model, 6, np.random.default_rng(0)).tolist() == picks.tolist()


def test_mutual_information_in_row_blocks_equals_whole(monkeypatch):
    samples = np.random.default_rng(4).dirichlet(np.ones(5), size=(6, 90)).astype(np.float32)
    whole = mutual_information(samples)
    monkeypatch.setattr(utils, "ROW_BLOCK", 8)
    np.testing.assert_array_equal(mutual_information(samples), whole)
    s = samples.astype(np.float64)
    mean = s.mean(0)
    reference = -(mean * np.log(mean)).sum(1) + (s * np.log(s)).sum(2).mean(0)
    np.testing.assert_allclose(whole, np.maximum(reference, 0.0), rtol=1e-9, atol=1e-12)


def test_per_row_scores_in_row_blocks_equal_whole(monkeypatch):
    """Entropy, margin and Jensen-Shannon run on blocks of rows (`utils.by_rows`) bitwise as on all rows
    at once (ties and a one-class column included), and the blocks cover every row."""
    rng = np.random.default_rng(5)
    p, q = (rng.dirichlet(np.ones(4), size=53).astype(np.float32) for _ in range(2))
    p[::6] = p[0]
    whole = {"entropy": utils.entropy(p), "margin": utils.margin(p), "js": utils.js_divergence(p, q)}
    monkeypatch.setattr(utils, "SCORE_BLOCK", 8)
    blocked = {"entropy": utils.entropy(p), "margin": utils.margin(p), "js": utils.js_divergence(p, q)}
    for name, value in whole.items():
        assert blocked[name].shape == (53,) and blocked[name].tobytes() == value.tobytes(), name
    p64 = p.astype(np.float64)
    np.testing.assert_allclose(whole["entropy"], -(p64 * np.log(p64)).sum(1), rtol=1e-12)
    np.testing.assert_allclose(whole["margin"], np.sort(p64, 1)[:, -1] - np.sort(p64, 1)[:, -2], rtol=0, atol=0)


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
