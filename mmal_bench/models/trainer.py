"""Training E independent multimodal MLPs at once, as one batched network (stacked weights, bmm).

Each member is initialised and dropped out from its own seed only and every reduction stays inside a
member, so on the CPU a member's weights are bitwise identical whether it trains alone or with others.

Speed (issue 13): all parameters of all members live in one flat buffer, so a step is one forward of
a dozen batched kernels (modalities stacked too), ONE cross-entropy over the fused and auxiliary
logits together, one autograd backward, and a hand-written AdamW of six element-wise kernels over the
whole buffer; dropout masks are drawn for many steps at once. No per-step Python work grows with the
member count. This path (2.0.0) is the reference: its float rounding differs from the 1.0.0 trainer
(padded stacked encoders, one fused loss, a buffer-wide AdamW), so 2.0.0 weights are not bitwise those
of 1.0.0; ``benchmarks/bench_training.py`` measures it against a per-model loop and the matmul limit.

``ModelConfig.trainer = "fused"`` (3.0.0's benchmark model) runs `_train_fused` instead: the same model,
loss and AdamW with the hand-written backward of `mmal_bench.models.fused` (issue 25: 1.8-2.1x faster).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from mmal_bench.data.schema import ModalBatch
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.fitted import FittedMLP
from mmal_bench.models.fused import (
    _DROPOUT_SEED_OFFSET,
    _MASK_VALUES,
    FusedLayout,
    FusedNet,
    SharedMasks,
    initial_fused,
    stack_feature_major,
)
from mmal_bench.models.network import Params, forward, init_params

_ADAM_EPS = 1e-8


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

    All members train in one call: the 1.0.0 cap of 4,096 stacked rows per group is gone, since splitting
    was slower (``benchmarks/bench_training.py``, n = 2,200, 12 members, 1 thread, loaded 2-core
    machine: one call 61.6 s, groups of one member 78.1 s, min of 3) and results never depend on it.

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
    with torch_threads(config.threads):
        if config.trainer == "fused":
            params = _train_fused(batches, labels, n_classes, config, seeds, dims, device)
            return [FittedMLP(config, dims, n_classes, {k: v[e : e + 1] for k, v in params.items()}) for e in range(n_members)]
        return _train(batches, labels, n_classes, config, seeds, dims, device)


def stack_inputs(
    batches: Sequence[ModalBatch], dims: dict[str, int], device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features ``(E, M, n, d_max)`` (zero-padded to the widest modality) and bool presence ``(E, M, n, 1)``."""
    width = max(dims.values())
    x = np.zeros((len(batches), len(dims), len(batches[0]), width), dtype=np.float32)
    present = np.zeros((len(batches), len(dims), len(batches[0]), 1), dtype=bool)
    for e, b in enumerate(batches):
        for j, (m, d) in enumerate(dims.items()):
            x[e, j, :, :d] = b.features[m]
            present[e, j, :, 0] = b.present[m]
    return torch.from_numpy(x).to(device), torch.from_numpy(present).to(device)


def _train(
    batches: Sequence[ModalBatch],
    labels: Sequence[np.ndarray],
    n_classes: int,
    config: ModelConfig,
    seeds: Sequence[int],
    dims: dict[str, int],
    device: torch.device,
) -> list[FittedMLP]:
    """One batched training loop over stacked members (inputs already validated)."""
    n_members, n_mod, n = len(seeds), len(dims), len(batches[0])
    members = [init_params(config, dims, n_classes, torch.Generator().manual_seed(int(s))) for s in seeds]
    names = list(members[0])
    shapes = [tuple(members[0][k].shape) for k in names]
    # One flat buffer, parameter-major: each parameter is a contiguous (E, *shape) block of it, so the
    # views below are free and AdamW is a handful of kernels over everything.
    flat = torch.cat([torch.stack([p[k] for p in members]).reshape(-1) for k in names]).to(device).requires_grad_()
    sizes = [n_members * math.prod(s) for s in shapes]
    x, present = stack_inputs(batches, dims, device)
    y = torch.tensor(np.stack([np.asarray(t, dtype=np.int64) for t in labels]), device=device)
    heads = 1 + (n_mod if config.aux_weight > 0 else 0)
    targets = y[:, None, :].expand(n_members, heads, n).reshape(-1)
    # Every per-sample loss enters with a constant weight, so the backward pass never reduces across
    # members or depends on how a forward-pass mean would have been ordered.
    base = 1.0 / (n * (1.0 + config.aux_weight * n_mod))
    head_weights = torch.tensor([base] + [base * config.aux_weight] * (heads - 1), device=device)
    weights = head_weights[None, :, None].expand(n_members, heads, n).reshape(-1)
    draws = _MaskDraws(seeds, n_mod, n, config, device)
    exp_avg, exp_avg_sq = torch.zeros_like(flat), torch.zeros_like(flat)
    for step in range(config.steps):
        keep, present_t = draws.next(present)
        params = {k: v.view(n_members, *s) for k, v, s in zip(names, torch.split(flat, sizes), shapes, strict=True)}
        logits, aux, _, _ = forward(params, config, x, present_t, keep)
        stacked = torch.cat([logits[:, None], aux], dim=1) if heads > 1 else logits[:, None]
        loss = (F.cross_entropy(stacked.reshape(-1, n_classes), targets, reduction="none") * weights).sum()
        (grad,) = torch.autograd.grad(loss, flat)
        _adamw_step(flat, grad, exp_avg, exp_avg_sq, step + 1, config)
    params = {k: v.view(n_members, *s) for k, v, s in zip(names, torch.split(flat.detach(), sizes), shapes, strict=True)}
    return [FittedMLP(config, dims, n_classes, {k: v[e : e + 1] for k, v in params.items()}) for e in range(n_members)]


def _train_fused(
    batches: Sequence[ModalBatch],
    labels: Sequence[np.ndarray],
    n_classes: int,
    config: ModelConfig,
    seeds: Sequence[int],
    dims: dict[str, int],
    device: torch.device,
) -> Params:
    """The fused trainer's loop (`mmal_bench.models.fused`): the final parameters in the 2.0.0 layout,
    with a leading member axis."""
    layout = FusedLayout(config, dims, n_classes)
    x, present = stack_feature_major(batches, dims, device)
    y = torch.tensor(np.stack([np.asarray(t, dtype=np.int64) for t in labels]), device=device)
    net = FusedNet(layout, x, present, y)
    start = initial_fused(layout, config, dims, seeds)
    flat = torch.cat([start[k].reshape(-1) for k in layout.shapes]).to(device)
    grad = torch.zeros_like(flat)
    params, grads = net.views(flat), net.views(grad)
    masks = SharedMasks(seeds, layout.n_mod, len(batches[0]), config, device, x.dtype)
    missing = not bool(present.all())
    exp_avg, exp_avg_sq = torch.zeros_like(flat), torch.zeros_like(flat)
    for step in range(config.steps):
        keep, dropped = masks.next()
        present_t = present if dropped is None else present & dropped
        net.gradient(params, grads, keep, present_t, missing or dropped is not None)
        _adamw_step(flat, grad, exp_avg, exp_avg_sq, step + 1, config)
    return layout.from_fused(params)


def _adamw_step(
    param: torch.Tensor, grad: torch.Tensor, exp_avg: torch.Tensor, exp_avg_sq: torch.Tensor, step: int, config: ModelConfig
) -> None:
    """One AdamW step (decoupled weight decay, bias-corrected moments; torch.optim.AdamW's formula) over
    the whole flat buffer: element-wise, so members stay independent."""
    beta1, beta2 = config.betas
    with torch.no_grad():
        param.mul_(1.0 - config.lr * config.weight_decay)
        exp_avg.lerp_(grad, 1.0 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
        denom = (exp_avg_sq.sqrt() / math.sqrt(1.0 - beta2**step)).add_(_ADAM_EPS)
        param.addcdiv_(exp_avg, denom, value=-config.lr / (1.0 - beta1**step))


class _MaskDraws:
    """Per-step dropout multipliers ``(E, M, n, D)`` and modality-dropout presence, drawn per member from
    its own generator, many steps per draw (the block length depends on ``n`` only)."""

    def __init__(self, seeds: Sequence[int], n_mod: int, n: int, config: ModelConfig, device: torch.device) -> None:
        self.config, self.device = config, device
        self.generators = [torch.Generator(device=device).manual_seed(int(s) + _DROPOUT_SEED_OFFSET) for s in seeds]
        self.width = (config.embed_dim if config.dropout > 0 else 0) + (1 if config.modality_dropout > 0 else 0)
        self.shape = (n_mod, n, self.width)
        self.block = max(1, min(config.steps, _MASK_VALUES // max(1, n_mod * n * self.width)))
        self.block_keep: torch.Tensor | None = None
        self.block_present: torch.Tensor | None = None
        self.t = 0

    def next(self, present: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        """Dropout multipliers (or ``None``) and the presence to train this step with."""
        if self.width == 0:
            return None, present
        i = self.t % self.block
        if i == 0:
            self._draw()
        self.t += 1
        keep = None if self.block_keep is None else self.block_keep[i]
        return keep, present if self.block_present is None else present & self.block_present[i]

    def _draw(self) -> None:
        u = torch.stack([torch.rand((self.block, *self.shape), generator=g, device=self.device) for g in self.generators], dim=1)
        p, q, d = self.config.dropout, self.config.modality_dropout, self.config.embed_dim
        if p > 0:
            self.block_keep = torch.where(u[..., :d] >= p, 1.0 / (1.0 - p), 0.0)
        if q > 0:
            self.block_present = u[..., -1:] >= q
