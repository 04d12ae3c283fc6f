"""Multimodal query strategies: they use per-modality predictions, embeddings or contributions.

BMMAL (Shen et al. 2023), modality disagreement, weakest-modality uncertainty, co-testing (Muslea et al.).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from mmal_bench.data.schema import ModalBatch, subset_key
from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.unimodal import ScoreStrategy
from mmal_bench.strategies.utils import (
    bmmal_scales,
    entropy,
    exact_shapley,
    js_divergence,
    kmeanspp_factorised,
    modality_shares,
)


def predicted_class_shapley(model: FittedModel, batch: ModalBatch) -> dict[str, np.ndarray]:
    """Per-sample exact Shapley value of each modality for the fused probability of the predicted class,
    absent modalities zeroed (BMMAL's contribution measure; 2^M subset predictions in one batched call).
    """
    modalities = model.modalities
    proba = model.predict_proba_subsets(batch, include_empty=True)
    full = proba[subset_key(modalities, modalities)]
    rows = np.arange(len(full))
    y_hat = full.argmax(axis=1)
    return exact_shapley(lambda s: proba[subset_key(s, modalities)][rows, y_hat], modalities)


def _present(batch: ModalBatch, modalities: tuple[str, ...]) -> np.ndarray:
    """Presence masks as a bool ``(n, M)`` array in ``modalities`` order."""
    return np.stack([np.asarray(batch.present[m], dtype=bool) for m in modalities], axis=1)


class BMMAL(Strategy):
    """Balanced Multimodal Active Learning (Shen et al., "Towards Balanced Active Learning for
    Multimodal Classification", ACM MM 2023).

    BADGE's gradient embedding ``(p − onehot(ŷ)) ⊗ h`` with modality m's block of ``h`` scaled by
    ``s_m``: per sample, the exact Shapley value of each modality for the fused predicted-class
    probability (absent modalities zeroed) gives shares ``c_m``; the dominant modality keeps
    ``s = 1``, every other one gets ``s_m = 1 − (c_max − c_m)`` (for two modalities exactly the
    paper's ``1 − |c1 − c2|``; for M modalities exact M-player Shapley and the gap to the dominant
    one). Then the same k-means++ seeding as `Badge` over the whole pool, factorised.

    With concat fusion and a linear fused head the blocks are ``model.modality_slices``. With sum /
    gated fusion, or a fusion interaction layer (``fusion_hidden > 0``: the head input is a hidden
    layer over all modalities), the head input mixes modalities in the same columns (overlapping
    slices), so the scaled per-modality embeddings (`embed_modalities`) are concatenated instead; for
    concat fusion with a linear head both are the same vector.
    """

    name = "bmmal"
    modality = "multimodal"

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        batch = view.unlabeled
        a, h = model.gradient_embedding_factors(batch)
        scales = bmmal_scales(modality_shares(predicted_class_shapley(model, batch)))
        slices = [model.modality_slices[m] for m in model.modalities]
        columns = [np.arange(h.shape[1])[s] for s in slices]
        if sum(len(c) for c in columns) == len(np.unique(np.concatenate(columns))):
            g = np.array(h, dtype=np.float32)  # a scaled copy; float32 is what the seeding multiplies in
            for j, cols in enumerate(columns):
                g[:, cols] *= scales[:, j : j + 1].astype(np.float32)
        else:
            z = model.embed_modalities(batch)
            g = np.concatenate(
                [z[m] * scales[:, j : j + 1].astype(np.float32) for j, m in enumerate(model.modalities)], axis=1
            )
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[kmeanspp_factorised(a, g, batch_size, rng)]


class ModalityDisagreement(ScoreStrategy):
    """Cross-modal disagreement: mean pairwise Jensen–Shannon divergence between the per-modality
    (auxiliary-head) predictions, over the pairs of modalities present in the sample.

    Any number of modalities: all present pairs are averaged. A sample with fewer than two present
    modalities shows no disagreement and scores 0.
    """

    name = "modality-disagreement"
    modality = "multimodal"

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        proba = model.unimodal_proba(view.unlabeled)
        present = _present(view.unlabeled, model.modalities)
        total = np.zeros(len(present))
        pairs = np.zeros(len(present))
        for (i, m1), (j, m2) in combinations(enumerate(model.modalities), 2):
            both = present[:, i] & present[:, j]
            total += np.where(both, js_divergence(proba[m1], proba[m2]), 0.0)
            pairs += both
        return total / np.maximum(pairs, 1)


class WeakestModalityUncertainty(ScoreStrategy):
    """Uncertainty of the weakest modality: the entropy of the least confident (lowest max-probability)
    per-modality prediction among the sample's present modalities.

    Targets samples the neglected modality cannot yet classify, whatever the fused model says. Any
    number of modalities (the minimum runs over all present ones); samples with no modality present
    score 0.
    """

    name = "weakest-modality-uncertainty"
    modality = "multimodal"

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        proba = model.unimodal_proba(view.unlabeled)
        present = _present(view.unlabeled, model.modalities)
        stacked = np.stack([np.asarray(proba[m], dtype=np.float64) for m in model.modalities], axis=1)  # (n, M, C)
        confidence = np.where(present, stacked.max(axis=2), np.inf)
        weakest = confidence.argmin(axis=1)
        score = entropy(stacked[np.arange(len(stacked)), weakest])
        return np.where(present.any(axis=1), score, 0.0)


class CoTesting(ScoreStrategy):
    """Aggressive co-testing (Muslea, Minton & Knoblock, "Active Learning with Multiple Views", JAIR
    27, 2006): query *contention points*, samples whose views (here: per-modality heads, present
    modalities only) predict different labels, preferring those on which even the least confident
    view is most confident — the views are confidently contradicting each other, so one is wrong.

    Any number of modalities: a contention point is any sample whose present views do not all agree.
    If there are fewer contention points than the batch, the rest is filled by fused-prediction
    entropy (contention scores lie in (1, 2], fill scores in [0, 1]).
    """

    name = "co-testing"
    modality = "multimodal"

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        proba = model.unimodal_proba(view.unlabeled)
        present = _present(view.unlabeled, model.modalities)
        stacked = np.stack([np.asarray(proba[m], dtype=np.float64) for m in model.modalities], axis=1)
        labels = stacked.argmax(axis=2)
        confidence = stacked.max(axis=2)
        big = np.iinfo(np.int64).max
        lo = np.where(present, labels, big).min(axis=1)
        hi = np.where(present, labels, -1).max(axis=1)
        contention = (present.sum(axis=1) >= 2) & (lo != hi)
        least_confident_view = np.where(present, confidence, np.inf).min(axis=1)
        fused = model.predict_proba(view.unlabeled)
        fill = entropy(fused) / np.log(max(fused.shape[1], 2))
        return np.where(contention, 1.0 + least_confident_view, np.clip(fill, 0.0, 1.0))
