"""Batched training: bitwise independence of members, determinism, learning, input validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from models_factory import blobs

from mmal_bench.models import ModelConfig, train_model, train_models

FAST = ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=25)


def _same(a, b) -> bool:
    return a.params.keys() == b.params.keys() and all(torch.equal(a.params[k], b.params[k]) for k in a.params)


@pytest.mark.parametrize(
    ("fusion", "fusion_hidden", "modality_dropout"), [("concat", 0, 0.0), ("sum", 0, 0.0), ("gated", 0, 0.0), ("concat", 12, 0.2), ("gated", 6, 0.0)]
)
def test_member_is_bitwise_identical_alone_or_batched(fusion, fusion_hidden, modality_dropout):
    config = ModelConfig(
        hidden_sizes=(16,), embed_dim=8, steps=25, fusion=fusion, fusion_hidden=fusion_hidden, modality_dropout=modality_dropout
    )
    data = [blobs(40, seed) for seed in range(5)]
    seeds = [11, 12, 13, 14, 15]
    together = train_models([b for b, _ in data], [y for _, y in data], 3, config, seeds)
    for e in (0, 3):
        alone = train_model(data[e][0], data[e][1], 3, config, seeds[e])
        assert _same(alone, together[e])
    # other company: member 3 with members 1 and 4 only, in another order
    subset = train_models([data[4][0], data[3][0]], [data[4][1], data[3][1]], 3, config, [seeds[4], seeds[3]])
    assert _same(subset[1], together[3])


def test_padded_input_rows_of_a_narrower_modality_stay_zero():
    """Modalities are stacked with inputs zero-padded to the widest one (audio 5, video 3): the padded
    weight rows of video get zero gradient and stay exactly zero, so padding adds no capacity."""
    batch, y = blobs(40, 0)
    model = train_model(batch, y, 3, FAST, 0)
    w = model.params["enc.0.w"][0]  # (M, d_max, hidden)
    assert w.shape == (2, 5, 16)
    assert not w[1, 3:].any() and w[1, :3].abs().sum() > 0


def test_modality_dropout_teaches_the_absent_path_on_complete_data():
    batch, y = blobs(60, 0, missing=0.0)
    config = ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=25, modality_dropout=0.3)
    a, b = train_model(batch, y, 3, config, 4), train_model(batch, y, 3, config, 4)
    assert _same(a, b)
    assert a.params["absent"].abs().sum() > 0
    plain = train_model(batch, y, 3, FAST, 4)
    assert not plain.params["absent"].any()  # never saw a missing modality: the absent embedding stays zero


def test_deterministic_for_a_seed_and_different_across_seeds():
    batch, y = blobs(50, 0)
    a, b, c = (train_model(batch, y, 3, FAST, s) for s in (5, 5, 6))
    assert _same(a, b)
    assert not _same(a, c)


def test_learns_an_easy_task():
    train, y = blobs(300, 0)
    test, y_test = blobs(1000, 1)
    model = train_model(train, y, 3, ModelConfig(), 0)
    assert (model.predict_proba(test).argmax(1) == y_test).mean() > 0.9
    # each auxiliary head alone also learned its (easy) modality where present
    for m, p in model.unimodal_proba(test).items():
        seen = test.present[m]
        assert (p[seen].argmax(1) == y_test[seen]).mean() > 0.75


def test_aux_weight_zero_leaves_aux_heads_untrained():
    batch, y = blobs(60, 0)
    trained = train_model(batch, y, 3, ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=25, aux_weight=0.0, weight_decay=0.0), 0)
    fresh = train_model(batch, y, 3, ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=1, aux_weight=0.0, weight_decay=0.0), 0)
    assert torch.equal(trained.params["aux.w"], fresh.params["aux.w"])
    assert not torch.equal(trained.params["head.w"], fresh.params["head.w"])


def test_training_restores_thread_count():
    before = torch.get_num_threads()
    batch, y = blobs(20, 0)
    train_model(batch, y, 3, FAST, 0)
    assert torch.get_num_threads() == before


def test_rejects_mismatched_members():
    a, ya = blobs(20, 0)
    b, yb = blobs(21, 1)
    with pytest.raises(ValueError, match="another shape"):
        train_models([a, b], [ya, yb], 3, FAST, [0, 1])
    with pytest.raises(ValueError, match="equally many"):
        train_models([a], [ya, ya], 3, FAST, [0])
    with pytest.raises(ValueError, match=r"ints in \[0, 2\)"):
        train_model(a, ya, 2, FAST, 0)


def test_fusion_layer_learns_a_cross_modal_xor():
    """Label = XOR of one sign per modality: each modality alone is at chance, so an additive (linear
    fused head) model cannot fit it, the fusion interaction layer can."""
    rng = np.random.default_rng(0)
    n = 400
    ua, ub = rng.integers(0, 2, n), rng.integers(0, 2, n)
    xa = (ua[:, None] * 2.0 - 1.0) * 2 + rng.normal(scale=0.3, size=(n, 2))
    xb = (ub[:, None] * 2.0 - 1.0) * 2 + rng.normal(scale=0.3, size=(n, 2))
    from mmal_bench.data.schema import ModalBatch

    batch = ModalBatch({"a": xa.astype(np.float32), "b": xb.astype(np.float32)}, {"a": np.ones(n, bool), "b": np.ones(n, bool)})
    y = ua ^ ub
    common = {"hidden_sizes": (16,), "embed_dim": 8, "steps": 300, "aux_weight": 0.0}
    additive = train_model(batch, y, 2, ModelConfig(**common), 0)
    interacting = train_model(batch, y, 2, ModelConfig(**common, fusion_hidden=16), 0)
    assert (additive.predict_proba(batch).argmax(1) == y).mean() < 0.8
    assert (interacting.predict_proba(batch).argmax(1) == y).mean() > 0.95
