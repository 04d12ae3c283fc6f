"""The fused trainer: its hand-written gradient is autograd's, members stay bitwise independent (shared
dropout masks included), and it learns what the 2.0.0 trainer learns."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from models_factory import DIMS, blobs

from mmal_bench.harness.metrics import aubc
from mmal_bench.models import ModelConfig, train_model, train_models
from mmal_bench.models.fused import FusedLayout, FusedNet, initial_fused, stack_feature_major
from mmal_bench.models.network import forward

FUSED = ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=25, fusion_hidden=12, trainer="fused")


def _same(a, b) -> bool:
    return a.params.keys() == b.params.keys() and all(torch.equal(a.params[k], b.params[k]) for k in a.params)


@pytest.mark.parametrize(
    "settings",
    [
        {"hidden_sizes": (6, 5), "fusion_hidden": 3, "absent": "learned", "aux_weight": 1.0},
        {"hidden_sizes": (6,), "fusion_hidden": 0, "absent": "zero", "aux_weight": 0.5},
    ],
)
def test_gradient_is_autograds_on_the_2_0_0_network(settings):
    """float64: the fused backward of one step (dropout multipliers and absent rows included) against
    autograd through `network.forward` and the 2.0.0 loss on the same weights."""
    config = ModelConfig(embed_dim=4, dropout=0.3, trainer="fused", **settings)
    data = [blobs(7, s, missing=0.3) for s in (1, 2)]
    layout = FusedLayout(config, DIMS, 3)
    x, present = stack_feature_major([b for b, _ in data], DIMS)
    x = x.double()
    y = torch.tensor(np.stack([t for _, t in data]))
    net = FusedNet(layout, x, present, y)
    start = initial_fused(layout, config, DIMS, [3, 4])
    flat = torch.cat([start[k].reshape(-1) for k in layout.shapes]).double()
    keep = torch.where(torch.rand((2, 2, 4, 7), generator=torch.Generator().manual_seed(0)) >= 0.3, 1 / 0.7, 0.0).double()
    grad = torch.zeros_like(flat)
    net.gradient(net.views(flat), net.views(grad), keep, present, True)

    leaf = flat.clone().requires_grad_()
    params = layout.from_fused(net.views(leaf))
    logits, aux, _, _ = forward(params, config, x.transpose(-1, -2), present.transpose(-1, -2), keep.transpose(-1, -2))
    base = 1.0 / (7 * (1 + config.aux_weight * 2))
    loss = base * F.cross_entropy(logits.reshape(-1, 3), y.reshape(-1), reduction="sum")
    for j in range(2):
        loss = loss + base * config.aux_weight * F.cross_entropy(aux[:, j].reshape(-1, 3), y.reshape(-1), reduction="sum")
    (expected,) = torch.autograd.grad(loss, leaf)
    assert expected.abs().max() > 1e-3
    assert torch.allclose(grad, expected, rtol=0, atol=1e-12)


def test_layout_round_trip_is_exact():
    layout = FusedLayout(FUSED, DIMS, 3)
    from mmal_bench.models.network import init_params

    params = {k: v[None] for k, v in init_params(FUSED, DIMS, 3, torch.Generator().manual_seed(0)).items()}
    back = layout.from_fused(layout.to_fused(params))
    assert back.keys() == params.keys() and all(torch.equal(back[k], params[k]) for k in params)


def test_member_is_bitwise_identical_alone_batched_and_with_shared_masks():
    """A member's weights depend on its own data and seed only: alone, beside members of the same seed
    (masks drawn once and broadcast), of other seeds, or of a mix (masks gathered per seed)."""
    config = ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=25, fusion_hidden=12, modality_dropout=0.2, trainer="fused")
    data = [blobs(40, s) for s in range(3)]
    xs, ys = [b for b, _ in data], [y for _, y in data]
    alone = train_model(xs[0], ys[0], 3, config, 5)
    shared = train_models(xs, ys, 3, config, [5, 5, 5])
    distinct = train_models([xs[1], xs[0]], [ys[1], ys[0]], 3, config, [6, 5])
    mixed = train_models([xs[1], xs[0], xs[2]], [ys[1], ys[0], ys[2]], 3, config, [6, 5, 6])
    assert _same(alone, shared[0]) and _same(alone, distinct[1]) and _same(alone, mixed[1])
    assert _same(distinct[0], mixed[0])
    assert _same(train_model(xs[2], ys[2], 3, config, 6), mixed[2])


def test_deterministic_for_a_seed_and_different_across_seeds():
    batch, y = blobs(50, 0)
    a, b, c = (train_model(batch, y, 3, FUSED, s) for s in (5, 5, 6))
    assert _same(a, b)
    assert not _same(a, c)


def test_matches_the_2_0_0_trainer_without_dropout():
    """Same model, loss and optimiser: with dropout off the two trainers differ by float rounding only."""
    batch, y = blobs(60, 0)
    common = {"hidden_sizes": (16,), "embed_dim": 8, "steps": 30, "fusion_hidden": 12, "dropout": 0.0}
    old = train_model(batch, y, 3, ModelConfig(**common), 2)
    new = train_model(batch, y, 3, ModelConfig(**common, trainer="fused"), 2)
    assert old.params.keys() == new.params.keys()
    assert all(torch.allclose(old.params[k], new.params[k], atol=1e-4) for k in old.params)


def test_learning_curve_area_agrees_with_the_2_0_0_trainer():
    """AUBC-level agreement: random-sampling learning curves (budgets 10..60, 6 seeds, dropout on, so the
    masks differ) give the same area under the accuracy curve within 0.02 on average."""
    pool, y_pool = blobs(200, 0, scale=1.2)
    test, y_test = blobs(300, 1, scale=1.2)
    budgets = [10, 20, 30, 40, 50, 60]
    areas: dict[str, list[float]] = {"autograd": [], "fused": []}
    for seed in range(6):
        order = np.random.default_rng(seed).permutation(200)
        for trainer in areas:
            config = ModelConfig(hidden_sizes=(16,), embed_dim=8, fusion_hidden=12, steps=50, trainer=trainer)
            curve = []
            for budget in budgets:
                rows = order[:budget]
                model = train_model(pool.take(rows), y_pool[rows], 3, config, seed)
                curve.append(float((model.predict_proba(test).argmax(1) == y_test).mean()))
            areas[trainer].append(aubc(budgets, curve))
    assert np.mean(areas["fused"]) > 0.6
    assert abs(np.mean(areas["fused"]) - np.mean(areas["autograd"])) < 0.02
