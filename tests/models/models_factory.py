"""Tiny multimodal data for model tests, built directly with numpy (no dataset registry)."""

from __future__ import annotations

import numpy as np

from mmal_bench.data.schema import ModalBatch

DIMS = {"audio": 5, "video": 3}


def blobs(n: int, seed: int, n_classes: int = 3, missing: float = 0.2, scale: float = 2.5, centers_seed: int = 7):
    """Gaussian class blobs per modality (shared centers across calls with the same ``centers_seed``)."""
    rc = np.random.default_rng(centers_seed)
    centers = {m: rc.normal(scale=scale, size=(n_classes, d)) for m, d in DIMS.items()}
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    features, present = {}, {}
    for m, d in DIMS.items():
        x = centers[m][y] + rng.normal(size=(n, d))
        p = rng.random(n) >= missing
        x[~p] = 0.0
        features[m] = x.astype(np.float32)
        present[m] = p
    return ModalBatch(features, present), y
