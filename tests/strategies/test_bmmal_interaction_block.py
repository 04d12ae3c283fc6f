"""BMMAL on the 2.0.0 benchmark model's head input: per-modality blocks scaled, interaction block not."""

from __future__ import annotations

import numpy as np
from strategies_factory import kmeanspp_reference, materialised_gradients, problem

from mmal_bench.models import ModelConfig, train_model
from mmal_bench.strategies import get_strategy
from mmal_bench.strategies.multimodal import predicted_class_shapley
from mmal_bench.strategies.utils import bmmal_scales, modality_shares


def test_bmmal_scales_modality_blocks_and_keeps_the_interaction_block():
    view, _ = problem()
    model = train_model(view.labeled, view.labeled_labels, 3, ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=40, fusion_hidden=6), 0)
    a, h = model.gradient_embedding_factors(view.unlabeled)
    assert h.shape[1] == 2 * 8 + 6
    scales = bmmal_scales(modality_shares(predicted_class_shapley(model, view.unlabeled)))
    assert (scales < 1).any()
    g = h.astype(np.float64).copy()
    for j, m in enumerate(model.modalities):
        g[:, model.modality_slices[m]] *= scales[:, j : j + 1]
    np.testing.assert_array_equal(g[:, 16:], h[:, 16:])  # the interaction columns belong to no modality
    expected = kmeanspp_reference(materialised_gradients(a.astype(np.float64), g), 8, np.random.default_rng(4))
    got = get_strategy("bmmal").select(view, model, 8, np.random.default_rng(4))
    np.testing.assert_array_equal(got, view.unlabeled_ids[expected])
