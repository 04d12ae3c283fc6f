"""Diversity for score-based strategies: k-means++ seeding over the top-scored candidates, so a batch
is both informative and spread out (the "diversity term" of the frontier multimodal strategies).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mmal_bench.data.schema import ModalBatch
from mmal_bench.strategies.utils import kmeanspp_factorised, top_k

#: Candidates per batch slot: the top ``OVERSAMPLE · k`` scores enter the k-means++ seeding.
OVERSAMPLE = 4


def diverse_top_k(
    scores: np.ndarray,
    embed: Callable[[np.ndarray], np.ndarray],
    k: int,
    rng: np.random.Generator,
    oversample: int = OVERSAMPLE,
) -> np.ndarray:
    """``k`` positions: k-means++ seeding over the ``oversample · k`` highest ``scores``.

    Parameters
    ----------
    scores:
        One score per pool row, higher = more worth labelling (NaN ranks last).
    embed:
        Maps candidate positions to their embeddings ``(m, D)`` (e.g. the model's fused embedding),
        so only the candidates are embedded.
    k:
        Batch size.
    rng:
        Draws the k-means++ picks.
    oversample:
        Candidates per batch slot.

    Returns
    -------
    ``k`` distinct positions. Each candidate's embedding is scaled by ``0.5 + 0.5 · (s − s_min) /
    (s_max − s_min)`` of its score among the candidates before seeding (`kmeanspp_factorised` with the
    weight as the first factor): a higher score spreads a row further from the others, so the first
    pick (largest scaled norm) and the D² draws lean towards high scores while still covering the
    embedding space. Equal scores reduce it to plain k-means++ seeding on the embeddings.
    """
    n = len(scores)
    m = min(n, max(k, oversample * k))
    candidates = top_k(scores, m)
    if m == k:
        return candidates
    s = np.nan_to_num(np.asarray(scores, dtype=np.float64)[candidates], nan=0.0, posinf=0.0, neginf=0.0)
    spread = s.max() - s.min()
    weight = 0.5 + 0.5 * (s - s.min()) / spread if spread > 0 else np.ones(m)
    x = np.asarray(embed(candidates), dtype=np.float32).reshape(m, -1)
    return candidates[kmeanspp_factorised(weight[:, None], x, k, rng)]


def embedder(model_embed: Callable[[ModalBatch], np.ndarray], batch: ModalBatch) -> Callable[[np.ndarray], np.ndarray]:
    """``positions -> model_embed(batch.take(positions))``: the `embed` argument of `diverse_top_k`."""
    return lambda positions: model_embed(batch.take(positions))
