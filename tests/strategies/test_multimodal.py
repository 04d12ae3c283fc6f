"""Multimodal strategies and the Shapley / BMMAL maths, against brute-force references."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from strategies_factory import brute_top_k, kmeanspp_reference, materialised_gradients, problem, spread

from mmal_bench.strategies import get_strategy
from mmal_bench.strategies.multimodal import predicted_class_shapley
from mmal_bench.strategies.utils import bmmal_scales, exact_shapley, modality_shares


def _entropy(row):
    return -sum(p * np.log(p) for p in row if p > 0)


def test_two_player_shapley_is_the_bmmal_formula():
    view, model = problem()
    batch = view.unlabeled
    p12 = model.predict_proba(batch)
    y = p12.argmax(1)
    rows = np.arange(len(y))
    p1 = model.predict_proba(batch, ["image"])[rows, y]
    p2 = model.predict_proba(batch, ["text"])[rows, y]
    p0 = model.predict_proba(batch, [])[rows, y]
    phi = predicted_class_shapley(model, batch)
    np.testing.assert_allclose(phi["image"], 0.5 * ((p12[rows, y] - p2) + (p1 - p0)), atol=1e-6)
    np.testing.assert_allclose(phi["text"], 0.5 * ((p12[rows, y] - p1) + (p2 - p0)), atol=1e-6)


def test_exact_shapley_three_players_efficiency_and_symmetry():
    mods = ["a", "b", "c"]
    # v(S) = (sum of member weights)^2: a non-additive game with known symmetric players b == c
    w = {"a": 2.0, "b": 1.0, "c": 1.0}
    phi = exact_shapley(lambda s: sum(w[m] for m in s) ** 2, mods)
    assert sum(phi.values()) == pytest.approx(16.0)  # v(full) - v(empty)
    assert phi["b"] == pytest.approx(phi["c"])
    # brute force over permutations
    from itertools import permutations

    perms = list(permutations(mods))
    for m in mods:
        marginal = [sum(w[x] for x in p[: p.index(m) + 1]) ** 2 - sum(w[x] for x in p[: p.index(m)]) ** 2 for p in perms]
        assert phi[m] == pytest.approx(np.mean(marginal))


def test_shares_and_scales():
    shares = modality_shares({"a": np.array([3.0, 0.0, -1.0]), "b": np.array([1.0, 0.0, 1.0])})
    np.testing.assert_allclose(shares, [[0.75, 0.25], [0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_allclose(bmmal_scales(shares), [[1.0, 0.5], [1.0, 1.0], [1.0, 1.0]])  # 1 - |c1 - c2|
    three = bmmal_scales(np.array([[0.5, 0.3, 0.2]]))
    np.testing.assert_allclose(three, [[1.0, 0.8, 0.7]])


def test_bmmal_equals_kmeanspp_on_materialised_scaled_gradients():
    view, model = problem()
    a, h = model.gradient_embedding_factors(view.unlabeled)
    scales = bmmal_scales(modality_shares(predicted_class_shapley(model, view.unlabeled)))
    h = h.astype(np.float64).copy()
    for j, m in enumerate(model.modalities):
        h[:, model.modality_slices[m]] *= scales[:, j : j + 1]
    g = materialised_gradients(a.astype(np.float64), h)
    expected = kmeanspp_reference(g, 8, np.random.default_rng(4))
    got = get_strategy("bmmal").select(view, model, 8, np.random.default_rng(4))
    np.testing.assert_array_equal(got, view.unlabeled_ids[expected])
    random = [spread(g[np.random.default_rng(s).choice(len(g), 8, replace=False)]) for s in range(50)]
    assert spread(g[expected]) > np.mean(random)


def test_modality_disagreement_is_mean_pairwise_js_over_present_pairs():
    view, model = problem()
    proba = model.unimodal_proba(view.unlabeled)
    present = view.unlabeled.present
    ref = []
    for i in range(len(view.unlabeled_ids)):
        values = []
        for m1, m2 in combinations(model.modalities, 2):
            if present[m1][i] and present[m2][i]:
                p, q = proba[m1][i].astype(np.float64), proba[m2][i].astype(np.float64)
                values.append(_entropy((p + q) / 2) - (_entropy(p) + _entropy(q)) / 2)
        ref.append(np.mean(values) if values else 0.0)
    s = get_strategy("modality-disagreement")
    np.testing.assert_allclose(s.scores(view, model, np.random.default_rng(0)), ref, atol=1e-9)
    assert any(r == 0.0 for r in ref)  # samples with one modality missing show no disagreement
    np.testing.assert_array_equal(s.select(view, model, 5, np.random.default_rng(0)), view.unlabeled_ids[brute_top_k(ref, 5)])


def test_weakest_modality_uncertainty_reference():
    view, model = problem()
    proba = model.unimodal_proba(view.unlabeled)
    ref = []
    for i in range(len(view.unlabeled_ids)):
        present = [m for m in model.modalities if view.unlabeled.present[m][i]]
        if not present:
            ref.append(0.0)
            continue
        weakest = min(present, key=lambda m: proba[m][i].max())
        ref.append(_entropy(proba[weakest][i].astype(np.float64)))
    got = get_strategy("weakest-modality-uncertainty").select(view, model, 6, np.random.default_rng(0))
    np.testing.assert_array_equal(got, view.unlabeled_ids[brute_top_k(ref, 6)])


def test_co_testing_queries_contention_points_first():
    view, model = problem()
    proba = model.unimodal_proba(view.unlabeled)
    present = view.unlabeled.present
    contention = [
        bool(present["image"][i] and present["text"][i] and proba["image"][i].argmax() != proba["text"][i].argmax())
        for i in range(len(view.unlabeled_ids))
    ]
    n_contention = sum(contention)
    assert 0 < n_contention < len(contention)
    ids = get_strategy("co-testing").select(view, model, n_contention, np.random.default_rng(0))
    pos = np.searchsorted(view.unlabeled_ids, ids)
    assert all(contention[p] for p in pos)
    # among contention points: highest confidence of the least confident view first
    conf = [min(proba["image"][p].max(), proba["text"][p].max()) for p in pos]
    assert conf == sorted(conf, reverse=True)
