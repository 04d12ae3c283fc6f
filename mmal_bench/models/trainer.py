"""Training E independent multimodal MLPs at once, as one batched network (stacked weights, bmm).

Each member is initialised and dropped out from its own seed only and every reduction stays inside a
member, so on the CPU a member's weights are bitwise identical whether it trains alone or with others.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from mmal_bench.data.schema import ModalBatch
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.fitted import FittedMLP
from mmal_bench.models.network import dropout_widths, forward, init_params

# Dropout masks come from a second generator per member, seeded from the member seed with this offset,
# so the initial weights do not depend on the device or on whether dropout is on.
_DROPOUT_SEED_OFFSET = 0x9E3779B9

# Members train in groups of about this many stacked rows (E_group * n). Beyond it the activations leave
# the CPU caches and a step costs more per member than in a smaller group (measured on 2 cores:
# n=1000 is fastest at E=4; at n=3000 grouping no longer helps). Results do not depend on it.
GROUP_ROWS = 4096


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run a block with ``n`` torch intra-op threads, restoring the previous setting after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def train_model(batch: ModalBatch, labels: np.ndarray, n_classes: int, config: ModelConfig, seed: int) -> FittedMLP:
    """Train one model from scratch (the same result as member ``seed`` of `train_models`)."""
    return train_models([batch], [labels], n_classes, config, [seed])[0]


def train_models(
    batches: Sequence[ModalBatch],
    labels: Sequence[np.ndarray],
    n_classes: int,
    config: ModelConfig,
    seeds: Sequence[int],
) -> list[FittedMLP]:
    """Train ``len(seeds)`` independent models in one batched network, full-batch AdamW.

    Parameters
    ----------
    batches, labels, seeds:
        Member e trains on ``batches[e]`` with ``labels[e]`` (int, in ``[0, n_classes)``) from
        ``seeds[e]``. All batches must have the same number of rows and the same modalities and
        dimensions (the rounds of one (dataset, regime, seed) across strategies do).
    n_classes:
        Number of classes (labels need not contain all of them).
    config:
        Architecture and optimiser settings.

    Returns
    -------
    One `FittedMLP` per member, in order; member e's weights depend only on its own inputs and seed.
    """
    n_members = len(batches)
    if n_members == 0 or len(labels) != n_members or len(seeds) != n_members:
        raise ValueError(
            f"train_models needs equally many batches, labels and seeds (>= 1); got {n_members}, {len(labels)}, {len(seeds)}"
        )
    modalities = batches[0].modalities
    dims = {m: int(batches[0].features[m].shape[1]) for m in modalities}
    n = len(batches[0])
    if n == 0:
        raise ValueError("cannot train on an empty batch")
    for e, (b, y) in enumerate(zip(batches, labels, strict=True)):
        if b.modalities != modalities or any(b.features[m].shape != (n, dims[m]) for m in modalities):
            raise ValueError(f"batch {e} has another shape or modality set than batch 0; batched members must match")
        y = np.asarray(y)
        if y.shape != (n,) or (n and (y.min() < 0 or y.max() >= n_classes)):
            raise ValueError(f"labels {e} must be {n} ints in [0, {n_classes}), got shape {y.shape}")
    device = torch.device(config.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("model.device is 'cuda' but torch sees no CUDA device")
    group = n_members if device.type == "cuda" else max(1, GROUP_ROWS // n)
    fitted: list[FittedMLP] = []
    for start in range(0, n_members, group):
        stop = start + group
        fitted += _train_group(batches[start:stop], labels[start:stop], n_classes, config, seeds[start:stop], dims, device)
    return fitted


def _train_group(
    batches: Sequence[ModalBatch],
    labels: Sequence[np.ndarray],
    n_classes: int,
    config: ModelConfig,
    seeds: Sequence[int],
    dims: dict[str, int],
    device: torch.device,
) -> list[FittedMLP]:
    """One batched training loop over stacked members (inputs already validated)."""
    modalities = tuple(dims)
    n = len(batches[0])
    with torch_threads(config.threads):
        members = [init_params(config, dims, n_classes, torch.Generator().manual_seed(int(s))) for s in seeds]
        params = {k: torch.stack([p[k] for p in members]).to(device).requires_grad_() for k in members[0]}
        xs = {m: torch.tensor(np.stack([b.features[m] for b in batches]), dtype=torch.float32, device=device) for m in modalities}
        present = {
            m: torch.tensor(np.stack([b.present[m] for b in batches]), dtype=torch.float32, device=device)[..., None]
            for m in modalities
        }
        y = torch.tensor(np.stack([np.asarray(t, dtype=np.int64) for t in labels]), device=device).reshape(-1)
        dropout_gens = [torch.Generator(device=device).manual_seed(int(s) + _DROPOUT_SEED_OFFSET) for s in seeds]
        widths = dropout_widths(config, dims)
        # Every per-sample loss enters with a constant weight, so the backward pass never reduces across
        # members or depends on how a forward-pass mean would have been ordered.
        weight = 1.0 / (n * (1.0 + config.aux_weight * len(modalities)))
        optimizer = torch.optim.AdamW(
            list(params.values()), lr=config.lr, betas=config.betas, weight_decay=config.weight_decay, foreach=False
        )
        for _ in range(config.steps):
            masks = _keep_masks(dropout_gens, n, widths, config.dropout, device)
            logits, aux, _, _ = forward(params, config, xs, present, masks)
            loss = (F.cross_entropy(logits.reshape(-1, n_classes), y, reduction="none") * weight).sum()
            if config.aux_weight > 0:
                for a in aux.values():
                    ce = F.cross_entropy(a.reshape(-1, n_classes), y, reduction="none")
                    loss = loss + (ce * (weight * config.aux_weight)).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    return [FittedMLP(config, dims, n_classes, {k: v[e : e + 1] for k, v in params.items()}) for e in range(len(seeds))]


def _keep_masks(
    generators: Sequence[torch.Generator], n: int, widths: Sequence[int], p: float, device: torch.device
) -> list[torch.Tensor] | None:
    """Inverted-dropout multipliers per site ``(E, n, width)``; member e draws from its generator only."""
    if p == 0:
        return None
    u = torch.stack([torch.rand((n, sum(widths)), generator=g, device=device) for g in generators])
    keep = torch.where(u >= p, 1.0 / (1.0 - p), 0.0)
    return list(torch.split(keep, list(widths), dim=-1))
