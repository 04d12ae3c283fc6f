"""Split-conformal sets and the conformal-disagreement score against hand and loop references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from strategies_factory import problem

from mmal_bench.strategies.conformal import ConformalDisagreement, conformal_quantile, prediction_sets


def test_quantile_by_hand():
    scores = np.arange(1, 11) / 10  # 0.1 .. 1.0, shuffled order must not matter
    assert conformal_quantile(scores[::-1], 0.1) == pytest.approx(1.0)  # rank ceil(11 * 0.9) = 10
    assert conformal_quantile(scores, 0.2) == pytest.approx(0.9)  # rank ceil(11 * 0.8) = 9
    assert conformal_quantile(scores[:3], 0.1) == math.inf  # rank 4 > 3 rows: every class in the set
    assert conformal_quantile(np.zeros(0), 0.1) == math.inf


def test_sets_by_hand():
    sets = prediction_sets(np.array([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]]), 0.65)
    assert sets.tolist() == [[True, False, False], [True, True, False]]  # 1 - 0.25 = 0.75 > 0.65
    assert prediction_sets(np.array([[1.0, 0.0]]), math.inf).all()


def test_score_matches_a_loop_reference():
    view, model = problem()
    strategy = ConformalDisagreement()
    got = strategy.scores(view, model, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    n_lab = len(view.labeled_ids)
    cal = sorted(rng.permutation(n_lab)[: math.ceil(n_lab / 2)].tolist())
    mods, k = model.modalities, view.n_classes

    def qhat(proba, rows):
        s = sorted(1 - proba[r][view.labeled_labels[r]] for r in rows)
        rank = math.ceil((len(s) + 1) * 0.9)
        return s[rank - 1] if rank <= len(s) else math.inf

    def pool_sets(subset, cal_rows):
        q = qhat(model.predict_proba(view.labeled, subset), cal_rows)
        p = model.predict_proba(view.unlabeled, subset)
        return [{c for c in range(k) if 1 - p[i][c] <= q} for i in range(len(p))]

    fused = pool_sets(mods, cal)
    uni = {m: pool_sets((m,), [r for r in cal if view.labeled.present[m][r]]) for m in mods}
    for i in range(len(view.unlabeled_ids)):
        expected = len(fused[i]) / k
        if all(view.unlabeled.present[m][i] for m in mods):
            expected += len(uni[mods[0]][i] ^ uni[mods[1]][i]) / k
        assert got[i] == pytest.approx(expected)


def test_select_is_reproducible_and_distinct():
    view, model = problem()
    a = ConformalDisagreement().select(view, model, 7, np.random.default_rng(0))
    b = ConformalDisagreement().select(view, model, 7, np.random.default_rng(0))
    assert a.tolist() == b.tolist() and len(set(a.tolist())) == 7
