"""Evidential fusion: Dirichlet opinions, the reduced Dempster–Shafer rule, and the strategy's picks."""

from __future__ import annotations

import numpy as np
import pytest
from strategies_factory import problem

from mmal_bench.strategies import get_strategy
from mmal_bench.strategies.evidential import combine_opinions, dirichlet_opinion, evidential_difficulty, fuse_opinions
from mmal_bench.strategies.utils import top_k


def test_opinion_from_logits_by_hand():
    b, u = dirichlet_opinion(np.array([[0.0, 0.0], [3.0, -50.0]]))
    s0 = 2 + 2 * np.log(2.0)
    assert b[0] == pytest.approx([np.log(2) / s0] * 2) and u[0] == pytest.approx(2 / s0)
    e = np.log1p(np.exp(3.0))
    assert b[1, 0] == pytest.approx(e / (e + 2), rel=1e-9) and b[1, 1] < 1e-20
    assert np.allclose(b.sum(1) + u, 1.0)


def test_combination_by_hand():
    b, u, c = combine_opinions(np.array([[0.5, 0.2]]), np.array([0.3]), np.array([[0.1, 0.6]]), np.array([0.3]))
    assert c[0] == pytest.approx(0.5 * 0.6 + 0.2 * 0.1)
    assert b[0] == pytest.approx([0.23 / 0.68, 0.36 / 0.68]) and u[0] == pytest.approx(0.09 / 0.68)


def test_combination_matches_a_loop_reference():
    rng = np.random.default_rng(0)
    b1, u1 = dirichlet_opinion(rng.normal(size=(5, 4)) * 3)
    b2, u2 = dirichlet_opinion(rng.normal(size=(5, 4)) * 3)
    b, u, c = combine_opinions(b1, u1, b2, u2)
    for r in range(5):
        conflict = sum(b1[r, i] * b2[r, j] for i in range(4) for j in range(4) if i != j)
        assert c[r] == pytest.approx(conflict)
        for k in range(4):
            assert b[r, k] == pytest.approx((b1[r, k] * b2[r, k] + b1[r, k] * u2[r] + b2[r, k] * u1[r]) / (1 - conflict))
        assert u[r] == pytest.approx(u1[r] * u2[r] / (1 - conflict))
        assert b[r].sum() + u[r] == pytest.approx(1.0)


def test_absent_view_is_vacuous_and_order_does_not_matter():
    rng = np.random.default_rng(1)
    logits = {"a": rng.normal(size=(4, 3)) * 2, "b": rng.normal(size=(4, 3)) * 2}
    present = {"a": np.ones(4, bool), "b": np.array([True, False, True, False])}
    b, u, c, view_u = fuse_opinions(logits, present, ("a", "b"))
    b_a, u_a = dirichlet_opinion(logits["a"])
    assert np.allclose(b[[1, 3]], b_a[[1, 3]]) and np.allclose(u[[1, 3]], u_a[[1, 3]]) and np.all(c[[1, 3]] == 0)
    assert np.allclose(view_u[[1, 3], 1], 1.0)
    b2, u2, c2, _ = fuse_opinions(logits, present, ("b", "a"))
    assert np.allclose(b, b2) and np.allclose(u, u2) and np.allclose(c, c2)


def test_model_logits_match_its_probabilities():
    view, model = problem()
    logits, proba = model.unimodal_logits(view.unlabeled), model.unimodal_proba(view.unlabeled)
    for m in model.modalities:
        z = np.exp(logits[m] - logits[m].max(1, keepdims=True))
        assert np.allclose(z / z.sum(1, keepdims=True), proba[m], atol=1e-6)


def test_strategy_picks_diverse_rows_among_the_most_difficult():
    view, model = problem()
    logits = model.unimodal_logits(view.unlabeled)
    # row-by-row reference of the score: fused uncertainty + conflict of the two views
    reference = []
    for i in range(len(view.unlabeled_ids)):
        opinions = []
        for m in model.modalities:
            if view.unlabeled.present[m][i]:
                e = np.log1p(np.exp(logits[m][i].astype(np.float64)))
                opinions.append((e / (e.sum() + len(e)), len(e) / (e.sum() + len(e))))
        if not opinions:
            reference.append(1.0)
        elif len(opinions) == 1:
            reference.append(opinions[0][1])
        else:
            (p, up), (q, uq) = opinions
            conflict = p.sum() * q.sum() - (p * q).sum()
            reference.append(up * uq / (1 - conflict) + conflict)
    score, _ = evidential_difficulty(model, view.unlabeled)
    assert np.allclose(score, reference)
    ids = get_strategy("evidential-fusion").select(view, model, 5, np.random.default_rng(0))
    candidates = set(view.unlabeled_ids[top_k(np.array(reference), 20)].tolist())
    assert len(set(ids.tolist())) == 5 and set(ids.tolist()) <= candidates


def test_rows_with_no_observed_modality_are_bought_last():
    """A vacuous opinion (u = 1) says nothing about a row's difficulty: 2.0.0 bought such rows first."""
    import dataclasses

    from mmal_bench.data.schema import ModalBatch

    view, model = problem()
    n = len(view.unlabeled_ids)
    blind = np.zeros(n, dtype=bool)
    blind[: n // 2] = True  # half the pool shows no modality at all
    present = {m: np.asarray(view.unlabeled.present[m], dtype=bool) & ~blind for m in model.modalities}
    features = {m: np.asarray(view.unlabeled.features[m]) for m in model.modalities}
    blinded = dataclasses.replace(view, unlabeled=ModalBatch(features, present))
    score, _ = evidential_difficulty(model, blinded.unlabeled)
    assert np.all(score[blind] == 1.0)  # the vacuous opinion is still the highest raw score
    ids = get_strategy("evidential-fusion").select(blinded, model, 10, np.random.default_rng(0))
    assert not set(ids.tolist()) & set(view.unlabeled_ids[blind].tolist())
