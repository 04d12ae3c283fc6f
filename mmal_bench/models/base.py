"""What a fitted multimodal model offers to strategies and to the harness.

Strategies only ever depend on this interface, so the network behind it can change (fusion, batched
training of many models at once) without touching a strategy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from mmal_bench.data.schema import ModalBatch, all_subsets, subset_key


class FittedModel(ABC):
    """A trained multimodal classifier (read-only from a strategy's point of view).

    All methods take a `ModalBatch`; absent modalities are zero vectors with ``present=False``.
    Outputs are numpy arrays (float32 unless stated) on the CPU.

    "Absent" has one meaning (COMMON contract 2): a modality that is missing in a row and a modality
    removed by ``modalities=`` / `predict_proba_subsets` go through the model's own absent path (for
    `FittedMLP`, its learned absent embedding); callers never zero vectors themselves to ablate.
    """

    modalities: tuple[str, ...]
    n_classes: int

    @abstractmethod
    def predict_proba(self, batch: ModalBatch, modalities: Sequence[str] | None = None) -> np.ndarray:
        """Fused class probabilities ``(n, C)``; with ``modalities`` given, every other modality is
        treated exactly as a missing one (present flag False, the model's absent path), the ablation used
        for per-modality accuracy and Shapley values.
        """

    def predict_proba_subsets(
        self, batch: ModalBatch, subsets: Sequence[Sequence[str]] | None = None, include_empty: bool = False
    ) -> dict[str, np.ndarray]:
        """Fused probabilities for several modality subsets: ``{subset_key: (n, C)}``.

        Default: every non-empty subset; ``include_empty`` adds key ``""`` (all modalities absent, the
        Shapley baseline). This generic version calls `predict_proba` per subset; models override it
        with one batched pass.
        """
        chosen = list(all_subsets(self.modalities)) if subsets is None else [tuple(s) for s in subsets]
        if include_empty:
            chosen = [(), *chosen]
        return {subset_key(s, self.modalities): self.predict_proba(batch, s) for s in chosen}

    @abstractmethod
    def unimodal_proba(self, batch: ModalBatch) -> dict[str, np.ndarray]:
        """Per-modality probabilities ``{m: (n, C)}`` from each modality's auxiliary head."""

    def unimodal_logits(self, batch: ModalBatch) -> dict[str, np.ndarray]:
        """Per-modality logits ``{m: (n, C)}`` of each modality's auxiliary head (softmax gives
        `unimodal_proba`); evidential strategies need them because probabilities lose the logits' scale.
        """
        raise NotImplementedError(f"{type(self).__name__} does not expose auxiliary-head logits")

    @abstractmethod
    def embed(self, batch: ModalBatch) -> np.ndarray:
        """Fused embedding ``(n, D)``: the input of the fused classifier head (its last linear layer; with
        a fusion interaction block, the modality embeddings side by side followed by that block)."""

    @abstractmethod
    def embed_modalities(self, batch: ModalBatch) -> dict[str, np.ndarray]:
        """Per-modality encoder outputs ``{m: (n, d_m)}``.

        For concat fusion with a linear fused head, the fused embedding is their concatenation in
        ``modalities`` order.
        """

    @abstractmethod
    def gradient_embedding_factors(self, batch: ModalBatch) -> tuple[np.ndarray, np.ndarray]:
        """Closed-form last-layer gradient embedding, factorised: ``(a, h)`` with
        ``a = p - onehot(argmax p)`` of shape ``(n, C)`` and ``h`` the input of the last linear layer ``(n, D)`` (what `embed` returns).

        The gradient embedding of sample i is ``a[i] ⊗ h[i]`` (length C·D); it is never materialised,
        since ``<a⊗h, b⊗g> = <a, b>·<h, g>``. ``modality_slices`` says which columns of ``h`` belong to
        which modality (the per-modality gradient blocks) where such blocks exist.
        """

    @property
    @abstractmethod
    def modality_slices(self) -> dict[str, slice]:
        """Columns of ``h`` that belong to one modality only. Disjoint blocks for concat fusion (columns
        outside every slice, such as a fusion interaction block, mix modalities); fusions that mix
        modalities in the same columns (sum, gated) give overlapping slices, which tells a strategy
        there are no per-modality blocks."""

    @abstractmethod
    def mc_dropout_proba(self, batch: ModalBatch, n_samples: int, seed: int) -> np.ndarray:
        """``(T, n, C)`` fused probabilities from T stochastic passes with dropout active.

        The T passes use different dropout masks (seeded by ``seed``) and really differ.
        """
