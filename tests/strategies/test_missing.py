"""missing-aware: pattern quotas by hand, completion value against a loop, and the bought missingness."""

from __future__ import annotations

import numpy as np
import pytest

from mmal_bench.data.schema import ModalBatch
from mmal_bench.strategies import get_strategy
from mmal_bench.strategies.check import probe_problems
from mmal_bench.strategies.missing import completion_value, pattern_codes, quota_allocation


def test_pattern_codes_by_hand():
    batch = ModalBatch({"a": np.zeros((4, 1)), "b": np.zeros((4, 1))}, {"a": np.array([1, 1, 0, 0], bool), "b": np.array([1, 0, 1, 0], bool)})
    assert pattern_codes(batch, ("a", "b")).tolist() == [3, 1, 2, 0]


@pytest.mark.parametrize(
    ("shares", "available", "k", "expected"),
    [
        ([0.8, 0.2], [100, 100], 10, [8, 2]),
        ([0.5, 0.5], [3, 100], 10, [3, 7]),  # capacity: the rest goes to the other pattern
        ([0.34, 0.33, 0.33], [5, 5, 5], 1, [1, 0, 0]),  # largest remainder
        ([0.25, 0.25, 0.5], [9, 9, 9], 3, [1, 1, 1]),  # floors 0, 0, 1; remainders 0.75, 0.75 beat 0.5
        ([0.5, 0.5], [9, 9], 1, [1, 0]),  # equal remainders: the lower index
        ([0.1, 0.9], [0, 20], 4, [0, 4]),
    ],
)
def test_quota_allocation_by_hand(shares, available, k, expected):
    assert quota_allocation(np.array(shares), np.array(available), k).tolist() == expected


def _absent_problem():
    return next(p for p in probe_problems(10) if "absent" in p[0])[1:]


def test_completion_value_matches_a_loop_reference():
    view, model = _absent_problem()
    batch = view.unlabeled
    full = model.predict_proba(batch)
    alone = {m: model.predict_proba(batch, (m,)) for m in model.modalities}
    aux = model.unimodal_proba(batch)

    def h(p):
        return -sum(x * np.log(max(x, 1e-12)) for x in p)

    def js(p, q):
        return h((p + q) / 2) - (h(p) + h(q)) / 2

    got = completion_value(model, batch)
    a, b = model.modalities
    for i in range(len(full)):
        present = [m for m in model.modalities if batch.present[m][i]]
        if len(present) == 2:  # drop one modality: what remains is the other one alone
            div = (js(full[i], alone[b][i]) + js(full[i], alone[a][i])) / 2
        elif present:
            div = js(full[i], aux[present[0]][i])
        else:
            div = 0.0
        assert got[i] == pytest.approx(h(full[i]) / np.log(3) + div / np.log(2), abs=1e-6)


def test_batch_follows_the_pool_missingness_and_ranks_within_patterns():
    view, model = _absent_problem()
    mods = model.modalities
    ids = get_strategy("missing-aware").select(view, model, 12, np.random.default_rng(0))
    codes = pattern_codes(view.unlabeled, mods)
    all_codes = np.concatenate([codes, pattern_codes(view.labeled, mods)])
    patterns = sorted(set(all_codes.tolist()))
    shares = np.array([np.mean(all_codes == p) for p in patterns])
    available = np.array([np.sum(codes == p) for p in patterns])
    bought = codes[np.searchsorted(view.unlabeled_ids, ids)]
    assert [int(np.sum(bought == p)) for p in patterns] == quota_allocation(shares, available, 12).tolist()
    value = completion_value(model, view.unlabeled)
    chosen = np.isin(view.unlabeled_ids, ids)
    for p in patterns:  # every bought row of a pattern is worth at least every unbought one of it
        rows = codes == p
        if (rows & chosen).any() and (rows & ~chosen).any():
            assert value[rows & chosen].min() >= value[rows & ~chosen].max()
