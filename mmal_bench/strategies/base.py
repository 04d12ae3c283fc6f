"""The strategy API: the contract between the benchmark and every query strategy.

A strategy sees a read-only `PoolView` (features and presence masks of unlabelled and labelled pool
samples, labels of the labelled ones only), the fitted model, the batch size and a seeded RNG, and
returns that many distinct unlabelled ids.

Stateful strategies (``stateful = True``) also receive ``state=`` — a JSON-able ``dict``, ``{}`` in
round 0 — and return ``(ids, new_state)``; the harness validates ``new_state`` (canonical-JSON round
trip, at most `~mmal_bench.strategies.state.MAX_STATE_BYTES`) and hands it to the next round of the
same run. State is a strategy's only memory across rounds, so a run stays deterministic, resumable and
sandboxable.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from mmal_bench.data.schema import ModalBatch, PoolRows, frozen_take
from mmal_bench.models.base import FittedModel


@dataclass(frozen=True)
class PoolView:
    """What a strategy may see of the pool. It holds no reference to unbought labels.

    ``unlabeled_ids[i]`` is the id of row i of ``unlabeled``; likewise for the labelled part.
    All arrays are read-only. The harness builds ``unlabeled`` and ``labeled`` over `PoolRows` (see
    `view_of_pool`): rows are read from the pool when used, so a view copies nothing up front and a
    model's row-chunked pass reads one block at a time; the arrays a strategy reads are the same either way.
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


def view_of_pool(
    rows: ModalBatch, ids: np.ndarray, labels: np.ndarray, labeled_positions: np.ndarray, n_classes: int
) -> PoolView:
    """The `PoolView` with the rows at ``labeled_positions`` bought.

    ``rows`` holds the pool's features and presence (read-only views, `ModalBatch.read_only`); ``ids``
    and ``labels`` are the pool's, row for row. The view's batches read their rows from ``rows`` when
    used (`PoolRows`); ids and the bought rows' labels are read-only copies, so ``labels`` is read here
    and never referenced by the view.
    """
    mask = np.zeros(len(ids), dtype=bool)
    mask[np.asarray(labeled_positions, dtype=np.int64)] = True
    every = np.arange(len(ids))
    unlabeled_positions, labeled_positions = every[~mask], every[mask]  # own their memory (no writable .base)
    unlabeled_positions.flags.writeable = labeled_positions.flags.writeable = False  # shared by both mappings

    def batch(positions: np.ndarray) -> ModalBatch:
        return ModalBatch(PoolRows(rows.features, positions), PoolRows(rows.present, positions))

    return PoolView(
        unlabeled_ids=frozen_take(ids, unlabeled_positions),
        unlabeled=batch(unlabeled_positions),
        labeled_ids=frozen_take(ids, labeled_positions),
        labeled=batch(labeled_positions),
        labeled_labels=frozen_take(labels, labeled_positions),
        n_classes=n_classes,
    )


class Strategy(ABC):
    """A query strategy. Subclass it, set ``name`` and ``modality``, implement `select`.

    `select` must be a function of its arguments only: the same view, model, batch size, RNG state
    (and ``state``, for a stateful strategy) give the same ids. It must not modify the view.

    Set ``stateful = True`` to keep memory across rounds (e.g. bandit weights): the harness then calls
    ``select(view, model, batch_size, rng, state=state)`` and expects ``(ids, new_state)``, where
    ``state`` is the dict this strategy returned in the previous round of the same run (``{}`` in
    round 0). ``new_state`` must be a ``dict`` that survives a canonical JSON round trip unchanged
    (string keys; str, finite float, int, bool, None, list and dict values; no tuples or numpy
    scalars) and is at most 64 KiB as canonical JSON. Compute rewards only from what the view shows
    (bought labels, your model's outputs), never from test data: the harness gives you nothing else.
    """

    name: ClassVar[str]
    modality: ClassVar[Literal["unimodal", "multimodal"]] = "unimodal"
    stateful: ClassVar[bool] = False

    @abstractmethod
    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """Return ``batch_size`` distinct ids drawn from ``view.unlabeled_ids`` (int64 array). A stateful
        strategy adds a keyword ``state: dict`` and returns ``(ids, new_state)``."""
