"""<Strategy name> (<authors>, <venue year>): one paragraph on what it selects and why.

Say how it generalises to more than two modalities if it is multimodal, and keep it vectorised
(numpy/torch over the whole pool; no Python loop over pool rows).

Memory across rounds (e.g. bandit weights): set ``stateful = True`` and write
``select(self, view, model, batch_size, rng, state)`` returning ``(ids, new_state)``; ``state`` is the
JSON-able dict you returned last round of the same run (``{}`` in round 0), at most 64 KiB as JSON.
Keep no memory on ``self``: check_strategy runs your strategy twice and compares.
"""

from __future__ import annotations

import numpy as np

from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy


class MyStrategy(Strategy):
    """Exactly one concrete Strategy subclass per strategy.py; its `name` must equal the folder's slug."""

    name = "my-strategy"
    modality = "unimodal"  # or "multimodal": same value as in submission.yaml

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        # Replace with your scoring. Draw all randomness from `rng`; never modify `view`.
        proba = model.predict_proba(view.unlabeled)  # (n_unlabeled, n_classes)
        scores = 1.0 - proba.max(axis=1)
        order = np.argsort(-scores, kind="stable")[:batch_size]
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[order]
