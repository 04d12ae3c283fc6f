"""Unimodal query strategies: they look at the fused model only, as if the input were one vector.

random, entropy, margin, least-confidence, BALD (MC dropout), CoreSet (k-center greedy), BADGE.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np

from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.utils import (
    entropy,
    k_center_greedy,
    kmeanspp_factorised,
    margin,
    mutual_information,
    top_k,
)


class ScoreStrategy(Strategy):
    """A strategy that scores every unlabelled sample and queries the ``batch_size`` highest scores.

    Subclasses implement `scores`; ties go to the lower row of ``view.unlabeled`` (deterministic).
    """

    @abstractmethod
    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        """One float per row of ``view.unlabeled``; higher = more worth labelling."""

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[top_k(self.scores(view, model, rng), batch_size)]


class RandomSampling(Strategy):
    """Uniform sampling without replacement: the baseline every AL strategy must beat."""

    name = "random"
    modality = "unimodal"

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        ids = np.asarray(view.unlabeled_ids, dtype=np.int64)
        return ids[rng.choice(len(ids), size=batch_size, replace=False)]


class EntropySampling(ScoreStrategy):
    """Highest entropy of the fused prediction (Shannon 1948; Settles' survey, 2009)."""

    name = "entropy"
    modality = "unimodal"

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        return entropy(model.predict_proba(view.unlabeled))


class MarginSampling(ScoreStrategy):
    """Smallest gap between the two most probable classes (Scheffer et al., 2001)."""

    name = "margin"
    modality = "unimodal"

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        return -margin(model.predict_proba(view.unlabeled))


class LeastConfidence(ScoreStrategy):
    """Lowest probability of the predicted class (Lewis & Gale, 1994)."""

    name = "least-confidence"
    modality = "unimodal"

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        return 1.0 - np.asarray(model.predict_proba(view.unlabeled), dtype=np.float64).max(axis=1)


class BALD(ScoreStrategy):
    """Bayesian Active Learning by Disagreement with MC dropout (Houlsby et al. 2011; Gal et al. 2017):
    mutual information between the label and the dropout-sampled weights, from ``n_samples`` passes.

    The passes' dropout seed is drawn from ``rng``, so the query is reproducible for a seed.
    """

    name = "bald"
    modality = "unimodal"
    n_samples: ClassVar[int] = 10

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        seed = int(rng.integers(2**31 - 1))
        return mutual_information(model.mc_dropout_proba(view.unlabeled, self.n_samples, seed))


class CoreSet(Strategy):
    """Greedy k-center on the fused embedding, the labelled samples as initial centers (Sener &
    Savarese, ICLR 2018): each pick is the unlabelled sample farthest from everything already covered.
    """

    name = "coreset"
    modality = "unimodal"

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        x = model.embed(view.unlabeled)
        centers = model.embed(view.labeled) if len(view.labeled_ids) else np.zeros((0, x.shape[1]), np.float32)
        picks = k_center_greedy(x, centers, batch_size, rng)
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[picks]


class Badge(Strategy):
    """BADGE (Ash et al., ICLR 2020): k-means++ seeding on the last-layer gradient embeddings
    ``(p − onehot(ŷ)) ⊗ h`` of the whole unlabelled pool, computed in factorised form (never n × C·D).
    """

    name = "badge"
    modality = "unimodal"

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        a, h = model.gradient_embedding_factors(view.unlabeled)
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[kmeanspp_factorised(a, h, batch_size, rng)]
