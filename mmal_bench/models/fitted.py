"""`FittedMLP`: one trained member of the batched network, behind the `FittedModel` interface.

It holds CPU tensors and its config only, so it pickles small and can be sent to the sandboxed
process that runs an untrusted strategy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import numpy as np
import torch

from mmal_bench.data.schema import ModalBatch, all_subsets, subset_key, write_rows
from mmal_bench.models.base import FittedModel
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.network import Params, encode, fuse, head, head_input, interact, linear, with_absent


CHUNK_ROWS = 65_536

_T = TypeVar("_T")


def _row_chunked(method: Callable[..., _T]) -> Callable[..., _T]:
    """Run a row-wise method on blocks of ``CHUNK_ROWS`` rows and write each block's output (an array, a
    dict of arrays or a tuple of arrays) into outputs allocated once for all rows, so activations never
    exist for a whole large pool and the outputs are never held twice (a list of blocks beside their
    concatenation). A block is `ModalBatch.take` of a slice: views of plain arrays, or, for a strategy's
    view, `PoolRows` that the block's input pass reads from the pool.
    """

    @functools.wraps(method)
    def wrapper(self: FittedMLP, batch: ModalBatch, *args: object, **kwargs: object) -> _T:
        n = len(batch)
        if n <= CHUNK_ROWS:
            return method(self, batch, *args, **kwargs)
        first = method(self, batch.take(slice(0, CHUNK_ROWS)), *args, **kwargs)
        outputs = [np.empty((n, *a.shape[1:]), dtype=a.dtype) for a in _leaves(first)]
        for s in range(0, n, CHUNK_ROWS):
            part = first if s == 0 else method(self, batch.take(slice(s, s + CHUNK_ROWS)), *args, **kwargs)
            for out, block in zip(outputs, _leaves(part), strict=True):
                out[s : s + len(block)] = block
        if isinstance(first, dict):
            return dict(zip(first, outputs, strict=True))  # type: ignore[return-value]
        if isinstance(first, tuple):
            return tuple(outputs)  # type: ignore[return-value]
        return outputs[0]  # type: ignore[return-value]

    return wrapper


def _leaves(output: object) -> list[np.ndarray]:
    """The arrays of a row-wise output, in order: the array itself, a dict's values or a tuple's items."""
    if isinstance(output, dict):
        return list(output.values())
    if isinstance(output, tuple):
        return list(output)
    return [output]  # type: ignore[list-item]


class FittedMLP(FittedModel):
    """A trained multimodal MLP (one member; parameters carry a member axis of size 1).

    Evaluation always runs on the CPU in float32 with dropout off, except `mc_dropout_proba`.
    """

    def __init__(
        self,
        config: ModelConfig,
        modality_dims: Mapping[str, int],
        n_classes: int,
        params: Params,
    ) -> None:
        self.config = config
        self.modality_dims = dict(modality_dims)
        self.modalities = tuple(modality_dims)
        self.n_classes = int(n_classes)
        # Own contiguous copies: a slice of the stacked training tensor would pickle the whole stack.
        self.params = {k: v.detach().to("cpu").clone().contiguous() for k, v in params.items()}

    # -- inputs -------------------------------------------------------------------------------------

    def _inputs(self, batch: ModalBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded features ``(1, M, n, d_max)`` and bool presence ``(1, M, n, 1)``, validated."""
        if set(batch.modalities) != set(self.modalities):
            raise ValueError(f"batch has modalities {list(batch.modalities)}; the model was trained on {list(self.modalities)}")
        x = np.zeros((1, len(self.modalities), len(batch), max(self.modality_dims.values())), dtype=np.float32)
        present = np.zeros((1, len(self.modalities), len(batch), 1), dtype=bool)
        for j, m in enumerate(self.modalities):
            write_rows(batch.features, m, x[0, j, :, : self.modality_dims[m]])  # a view's rows: straight from the pool
            present[0, j, :, 0] = np.asarray(batch.present[m], dtype=bool)
        return torch.from_numpy(x), torch.from_numpy(present)

    def _encoded(self, batch: ModalBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """Encoder outputs ``(1, M, n, D)`` before presence (eval mode) and bool presence ``(1, M, n, 1)``."""
        x, present = self._inputs(batch)
        with torch.no_grad():
            return encode(self.params, self.config, x), present

    def _embeddings(self, batch: ModalBatch) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Per-modality embeddings ``{m: (1, n, D)}`` (eval mode; the absent embedding where absent) and
        float presence ``{m: (1, n, 1)}``."""
        z0, present = self._encoded(batch)
        with torch.no_grad():
            z = with_absent(self.params, z0, present)
        return {m: z[:, j] for j, m in enumerate(self.modalities)}, {m: present[:, j].float() for j, m in enumerate(self.modalities)}

    def _proba_for_masks(self, z0: torch.Tensor, present: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Fused probabilities ``(S, n, C)`` with modality j kept in row block s iff ``keep[s, j]``.

        A modality outside the kept set is *absent*: the same `with_absent` path as missing data. Only the
        fused head runs (the auxiliary heads' logits would be discarded)."""
        with torch.no_grad():
            present_s = present & keep[:, :, None, None]
            h = head_input(self.params, self.config, with_absent(self.params, z0, present_s), present_s)
            return torch.softmax(linear(h, self.params["head.w"], self.params["head.b"]), dim=-1)

    def _keep(self, subsets: Sequence[Iterable[str]]) -> torch.Tensor:
        keep = torch.zeros((len(subsets), len(self.modalities)), dtype=torch.bool)
        for s, subset in enumerate(subsets):
            members = set(subset)
            unknown = members - set(self.modalities)
            if unknown:
                raise ValueError(f"unknown modalities {sorted(unknown)}; the model has {list(self.modalities)}")
            for j, m in enumerate(self.modalities):
                keep[s, j] = m in members
        return keep

    # -- FittedModel (row-chunked: inference memory stays bounded on million-row pools) ---------------

    @_row_chunked
    def predict_proba(self, batch: ModalBatch, modalities: Sequence[str] | None = None) -> np.ndarray:
        """Fused class probabilities ``(n, C)``; modalities outside ``modalities`` are made absent (their
        learned absent embedding, exactly as for missing data), whatever their input vectors hold."""
        z0, present = self._encoded(batch)
        subset = self.modalities if modalities is None else tuple(modalities)
        return self._proba_for_masks(z0, present, self._keep([subset]))[0].numpy()

    @_row_chunked
    def predict_proba_subsets(
        self, batch: ModalBatch, subsets: Sequence[Sequence[str]] | None = None, include_empty: bool = False
    ) -> dict[str, np.ndarray]:
        """Fused probabilities for many modality subsets in one batched pass: ``{subset_key: (n, C)}``.

        Default: every non-empty subset (`all_subsets` order); ``include_empty`` adds key ``""``
        (every modality absent), the baseline of Shapley values. The encoders run once; the absent path,
        fusion and heads run for all subsets together.
        """
        chosen = list(all_subsets(self.modalities)) if subsets is None else [tuple(s) for s in subsets]
        if include_empty:
            chosen = [(), *chosen]
        z0, present = self._encoded(batch)
        proba = self._proba_for_masks(z0, present, self._keep(chosen)).numpy()
        return {subset_key(s, self.modalities): proba[i] for i, s in enumerate(chosen)}

    @_row_chunked
    def unimodal_proba(self, batch: ModalBatch) -> dict[str, np.ndarray]:
        with torch.no_grad():
            aux = self._aux_logits(batch)
            return {m: torch.softmax(aux[0, j], dim=-1).numpy() for j, m in enumerate(self.modalities)}

    @_row_chunked
    def unimodal_logits(self, batch: ModalBatch) -> dict[str, np.ndarray]:
        with torch.no_grad():
            aux = self._aux_logits(batch)
            return {m: aux[0, j].numpy() for j, m in enumerate(self.modalities)}

    def _aux_logits(self, batch: ModalBatch) -> torch.Tensor:
        """Every auxiliary head's logits ``(1, M, n, C)``; an absent modality's head sees its absent embedding."""
        z0, present = self._encoded(batch)
        return linear(with_absent(self.params, z0, present), self.params["aux.w"], self.params["aux.b"])

    @_row_chunked
    def embed(self, batch: ModalBatch) -> np.ndarray:
        return self._head_input(batch).numpy()

    @_row_chunked
    def embed_modalities(self, batch: ModalBatch) -> dict[str, np.ndarray]:
        """Per-modality embeddings ``{m: (n, D)}``; rows where ``m`` is absent hold its absent embedding."""
        zs, _ = self._embeddings(batch)
        return {m: z[0].numpy() for m, z in zs.items()}

    @_row_chunked
    def gradient_embedding_factors(self, batch: ModalBatch) -> tuple[np.ndarray, np.ndarray]:
        h = self._head_input(batch)
        with torch.no_grad():
            p = torch.softmax(head(self.params, h), dim=-1)
            a = p.clone()
            a[torch.arange(len(a)), p.argmax(dim=1)] -= 1.0
        return a.numpy(), h.numpy()

    def _head_input(self, batch: ModalBatch) -> torch.Tensor:
        z0, present = self._encoded(batch)
        with torch.no_grad():
            return head_input(self.params, self.config, with_absent(self.params, z0, present), present)[0]

    @property
    def modality_slices(self) -> dict[str, slice]:
        """Columns of the head input ``h`` that belong to one modality only.

        Concat fusion: modality j owns ``[j*D, (j+1)*D)``, its embedding (the additive path of the
        head). The fusion interaction block (``fusion_hidden = F > 0``, columns ``[M*D, M*D+F)``) mixes
        all modalities and is in no modality's slice. Sum / gated fusion mix the modalities in the same
        ``D`` columns, so every modality maps to them (overlapping slices: no per-modality blocks; BMMAL
        then scales the per-modality embeddings instead).

        BMMAL's per-modality gradient blocks on the 2.0.0 model are therefore the last-layer gradient
        ``(p − onehot(ŷ)) ⊗ h`` split by these slices: each modality's block is scaled by its BMMAL
        weight, the interaction block keeps BADGE's unscaled gradient (it belongs to no modality, so
        BMMAL's per-modality weighting has nothing to charge it to). Chosen over per-modality aux-head
        gradients so that the embedding stays the gradient of the fused head that makes the predictions;
        tested against brute force in ``tests/strategies/test_bmmal_interaction_block.py``."""
        d = self.config.embed_dim
        if self.config.fusion == "concat":
            return {m: slice(j * d, (j + 1) * d) for j, m in enumerate(self.modalities)}
        return {m: slice(0, d) for m in self.modalities}

    def mc_dropout_proba(self, batch: ModalBatch, n_samples: int, seed: int) -> np.ndarray:
        """``(T, n, C)`` fused probabilities with dropout active on the modality embeddings.

        Masks come from a generator seeded by ``seed`` alone, drawn pass by pass, modality by modality,
        row by row (one uniform per embedding entry); each pass draws fresh masks, so passes differ
        whenever ``dropout > 0`` (with ``dropout == 0`` all passes equal the eval prediction). The
        encoders are deterministic, so they run once; only masks, fusion and heads repeat.

        Row-chunked in blocks of ``CHUNK_ROWS`` (torch's CPU generator yields the same numbers whether a
        run of uniforms is drawn at once or in pieces), so every mask is the one a whole-batch pass
        draws. Memory beyond the output and the embeddings is one block's activations plus, per pass,
        the keep masks (booleans) of every modality but the last: the draw order visits all rows of a
        modality before the next, so those masks wait for the last modality's, which are drawn block by
        block as each block is finished (issue 15: BALD's peak at 1M rows fell from 2.50 to 2.19 GB).
        """
        if n_samples < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        n = len(batch)
        blocks = [slice(s, min(s + CHUNK_ROWS, n)) for s in range(0, n, CHUNK_ROWS)]
        embedded = [self._embeddings(batch.take(b)) for b in blocks]  # per block: ({m: (1, rows, D)}, presence)
        p_drop = self.config.dropout
        generator = torch.Generator().manual_seed(int(seed))
        *earlier, last = self.modalities
        out = np.empty((n_samples, n, self.n_classes), dtype=np.float32)
        out_t = torch.from_numpy(out)

        def keep(z: torch.Tensor) -> torch.Tensor | None:
            return torch.rand(z.shape, generator=generator) >= p_drop if p_drop > 0 else None

        def dropped(z: torch.Tensor, kept: torch.Tensor | None) -> torch.Tensor:
            return z if kept is None else z * torch.where(kept, 1.0 / (1.0 - p_drop), 0.0)

        with torch.no_grad():
            for t in range(n_samples):
                kept = {m: [keep(zs[m]) for zs, _ in embedded] for m in earlier}
                for i, (b, (zs, present)) in enumerate(zip(blocks, embedded, strict=True)):
                    zs_t = {m: dropped(zs[m], kept[m][i]) for m in earlier}
                    zs_t[last] = dropped(zs[last], keep(zs[last]))
                    h = interact(self.params, self.config, fuse(self.params, self.config, zs_t, present))
                    torch.softmax(head(self.params, h[0]), dim=-1, out=out_t[t, b])
        return out

    def __repr__(self) -> str:
        return (
            f"FittedMLP(modalities={self.modalities}, n_classes={self.n_classes}, fusion={self.config.fusion!r}, "
            f"fusion_hidden={self.config.fusion_hidden})"
        )
