"""Information density (Settles & Craven, EMNLP 2008): uncertainty weighted by how representative a sample is.

Entropy sampling alone favours outliers; information density multiplies each sample's predictive
entropy by its average cosine similarity to the unlabelled pool, so that uncertain samples from
dense regions win:

    ID(x) = H(p(y | x)) · ( (1/U) Σ_u cos(e(x), e(x_u)) )^β

with e the model's fused embedding, U the unlabelled pool and β = 1 (the paper's setting).

Exact and O(U·D), never O(U²): with unit vectors ẑ, the mean similarity of x to the pool is
ẑ(x) · mean_u ẑ(x_u), so one pass computes every sample's density. Samples whose embedding is zero
(e.g. every modality missing) have no direction and get density 0. Cosine similarity of the model's
ReLU embeddings is non-negative; a negative mean (other models) is clipped at 0 so that the product
stays an "uncertain and typical" score. Batch mode takes the top-k scores, as in the paper's
pool-based batch experiments (no RNG: ties go to the lower pool row).
"""

from __future__ import annotations

import numpy as np

from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.utils import entropy, top_k


def mean_cosine_similarity(embeddings: np.ndarray) -> np.ndarray:
    """``(1/n) Σ_j cos(e_i, e_j)`` for every row i, in O(n·d) (rows of norm 0 get 0)."""
    e = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(e, axis=1, keepdims=True)
    unit = np.divide(e, norms, out=np.zeros_like(e), where=norms > 0)
    return unit @ unit.mean(axis=0)


def information_density(proba: np.ndarray, embeddings: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """Settles & Craven's information density score: entropy × (mean cosine similarity)^β."""
    density = np.clip(mean_cosine_similarity(embeddings), 0.0, None)
    return entropy(proba) * density**beta


class InformationDensity(Strategy):
    """Entropy of the fused prediction weighted by cosine-similarity density in the fused embedding."""

    name = "information-density"
    modality = "unimodal"
    beta = 1.0

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        scores = information_density(model.predict_proba(view.unlabeled), model.embed(view.unlabeled), self.beta)
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[top_k(scores, batch_size)]
