"""The strategy API: the contract between the benchmark and every query strategy.

A strategy sees a read-only `PoolView` (features and presence masks of unlabelled and labelled pool
samples, labels of the labelled ones only), the fitted model, the batch size and a seeded RNG, and
returns that many distinct unlabelled ids.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from mmal_bench.data.schema import ModalBatch
from mmal_bench.models.base import FittedModel


@dataclass(frozen=True)
class PoolView:
    """What a strategy may see of the pool. It holds no reference to unbought labels.

    ``unlabeled_ids[i]`` is the id of row i of ``unlabeled``; likewise for the labelled part.
    All arrays are read-only.
    """

    unlabeled_ids: np.ndarray
    unlabeled: ModalBatch
    labeled_ids: np.ndarray
    labeled: ModalBatch
    labeled_labels: np.ndarray
    n_classes: int

    @property
    def modalities(self) -> tuple[str, ...]:
        return self.unlabeled.modalities


class Strategy(ABC):
    """A query strategy. Subclass it, set ``name`` and ``modality``, implement `select`.

    `select` must be a function of its arguments only: the same view, model, batch size and RNG
    state give the same ids. It must not modify the view.
    """

    name: ClassVar[str]
    modality: ClassVar[Literal["unimodal", "multimodal"]] = "unimodal"

    @abstractmethod
    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """Return ``batch_size`` distinct ids drawn from ``view.unlabeled_ids`` (int64 array)."""
