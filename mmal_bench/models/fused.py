"""The fused trainer (``ModelConfig.trainer = "fused"``, benchmark model 3.0.0): the same network, loss and
AdamW as the 2.0.0 trainer, with a hand-written forward/backward over a faster arrangement of its matmuls.

Why it is faster than `trainer._train` (issue 25, ``benchmarks/bench_training.py``):

- **Feature-major activations** ``(E, M, K, n)``: rows run along the wide dimension, and the modality
  embeddings ``(E, M, D, n)`` *are* the concatenated fused embedding ``(E, M*D, n)`` without a copy.
- **One wide matmul** computes the fusion layer, the fused head's part on the fused embedding and every
  auxiliary head at once: ``W_big (R, M*D)`` stacks ``W_f^T`` (F rows), the head's first ``M*D`` rows
  transposed (C rows) and the auxiliary heads as a block-diagonal ``(M*C, M*D)`` block; its off-block
  entries start at zero, get their gradient zeroed and so stay exactly zero (AdamW of a zero gradient on a
  zero weight is zero). A step is 4 forward and 7 backward batched matmuls instead of 5 + 9.
- **No autograd**: the backward is written out (ReLU masks from the activations, the cross-entropy's
  gradient as ``(softmax - onehot) * weight`` in one fused op per head block), gradients are written
  into one flat buffer beside the flat parameters, and AdamW runs over both as in 2.0.0.
- **Shared dropout masks**: members that share a seed (the strategies of one round all do) draw their
  masks once, broadcast over the member axis: the same masks they would each draw, drawn once.

Each member still depends on its own inputs and seed only (element-wise ops and per-member batched
matmuls), so a member's weights are bitwise the same alone or batched. Float rounding differs from the
2.0.0 trainer (other summation orders), which is why this path is selected by a config field that 2.0.0's
model does not set. The weights are returned in the 2.0.0 layout, so `FittedMLP` evaluates them unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from mmal_bench.data.schema import ModalBatch
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.network import Params, init_params

# Dropout masks come from a second generator per member, seeded from the member seed with this offset,
# so the initial weights do not depend on the device or on whether dropout is on (both trainers).
_DROPOUT_SEED_OFFSET = 0x9E3779B9

# Dropout masks are drawn for several steps at once, at most this many values per member (or seed) per
# draw; the number of steps per draw depends on the row count only (never on the member count), so a
# member's masks are the same alone and batched (both trainers).
_MASK_VALUES = 1 << 20


class FusedLayout:
    """Where each parameter of the 2.0.0 layout lives in the fused one, both ways.

    Fused parameters of one member (no member axis), in buffer order::

        enc.{i}.wt (M, out, in)   enc.{i}.b (M, out, 1)   [absent (M, D, 1)]
        big.wt (R, M*D)           big.b (R, 1)            [inter.wt (C, F)]

    with ``R = F + C + M*C`` rows: the fusion layer, the fused head's part on the fused embedding, then
    each auxiliary head in its own ``(C, D)`` diagonal block.
    """

    def __init__(self, config: ModelConfig, dims: Mapping[str, int], n_classes: int) -> None:
        self.config = config
        self.n_mod, self.d, self.f, self.c = len(dims), config.embed_dim, config.fusion_hidden, n_classes
        self.widths = [max(dims.values()), *config.hidden_sizes, config.embed_dim]
        self.rows = self.f + self.c + self.n_mod * self.c
        m, d = self.n_mod, self.d
        shapes: dict[str, tuple[int, ...]] = {}
        for i in range(len(self.widths) - 1):
            shapes[f"enc.{i}.wt"] = (m, self.widths[i + 1], self.widths[i])
            shapes[f"enc.{i}.b"] = (m, self.widths[i + 1], 1)
        if config.absent == "learned":
            shapes["absent"] = (m, d, 1)
        shapes["big.wt"] = (self.rows, m * d)
        shapes["big.b"] = (self.rows, 1)
        if self.f > 0:
            shapes["inter.wt"] = (self.c, self.f)
        self.shapes = shapes

    def aux_rows(self, j: int) -> slice:
        return slice(self.f + self.c + j * self.c, self.f + self.c + (j + 1) * self.c)

    def block_mask(self, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """``(R, M*D)``: 1 where ``big.wt`` holds a real weight, 0 in the auxiliary heads' off-blocks."""
        mask = torch.ones((self.rows, self.n_mod * self.d), device=device, dtype=dtype)
        mask[self.f + self.c :] = 0
        for j in range(self.n_mod):
            mask[self.aux_rows(j), j * self.d : (j + 1) * self.d] = 1
        return mask

    def to_fused(self, params: Params) -> Params:
        """2.0.0-layout parameters with a leading member axis ``E`` → fused layout (leading ``E``)."""
        out: Params = {}
        n_layers = len(self.widths) - 1
        for i in range(n_layers):
            out[f"enc.{i}.wt"] = params[f"enc.{i}.w"].transpose(-1, -2)
            out[f"enc.{i}.b"] = params[f"enc.{i}.b"].transpose(-1, -2)
        if "absent" in self.shapes:
            out["absent"] = params["absent"].transpose(-1, -2)
        e, md = params["head.w"].shape[0], self.n_mod * self.d
        big = params["head.w"].new_zeros((e, self.rows, md))
        bias = params["head.w"].new_zeros((e, self.rows, 1))
        if self.f > 0:
            big[:, : self.f] = params["fusion.w"].transpose(-1, -2)
            bias[:, : self.f] = params["fusion.b"].transpose(-1, -2)
            out["inter.wt"] = params["head.w"][:, md:].transpose(-1, -2)
        big[:, self.f : self.f + self.c] = params["head.w"][:, :md].transpose(-1, -2)
        bias[:, self.f : self.f + self.c] = params["head.b"].transpose(-1, -2)
        for j in range(self.n_mod):
            big[:, self.aux_rows(j), j * self.d : (j + 1) * self.d] = params["aux.w"][:, j].transpose(-1, -2)
            bias[:, self.aux_rows(j)] = params["aux.b"][:, j].transpose(-1, -2)
        out["big.wt"], out["big.b"] = big, bias
        return {k: out[k].contiguous() for k in self.shapes}

    def from_fused(self, fused: Params) -> Params:
        """Inverse of `to_fused` (the off-block zeros of ``big.wt`` are dropped), leading member axis kept."""
        out: Params = {}
        n_layers = len(self.widths) - 1
        for i in range(n_layers):
            out[f"enc.{i}.w"] = fused[f"enc.{i}.wt"].transpose(-1, -2)
            out[f"enc.{i}.b"] = fused[f"enc.{i}.b"].transpose(-1, -2)
        if "absent" in fused:
            out["absent"] = fused["absent"].transpose(-1, -2)
        big, bias = fused["big.wt"], fused["big.b"]
        out["aux.w"] = torch.stack([big[:, self.aux_rows(j), j * self.d : (j + 1) * self.d].transpose(-1, -2) for j in range(self.n_mod)], 1)
        out["aux.b"] = torch.stack([bias[:, self.aux_rows(j)].transpose(-1, -2) for j in range(self.n_mod)], 1)
        head = big[:, self.f : self.f + self.c].transpose(-1, -2)
        if self.f > 0:
            out["fusion.w"] = big[:, : self.f].transpose(-1, -2)
            out["fusion.b"] = bias[:, : self.f].transpose(-1, -2)
            head = torch.cat([head, fused["inter.wt"].transpose(-1, -2)], dim=1)
        out["head.w"] = head
        out["head.b"] = bias[:, self.f : self.f + self.c].transpose(-1, -2)
        return {k: v.contiguous() for k, v in out.items()}


class FusedNet:
    """Forward and backward of E stacked members on fixed inputs, feature-major, writing gradients into a
    flat buffer: `gradient` is one training step's worth of maths without the optimiser.

    ``x`` is ``(E, M, d_max, n)`` (zero-padded), ``present`` bool ``(E, M, 1, n)``, ``y`` int ``(E, n)``.
    """

    def __init__(self, layout: FusedLayout, x: torch.Tensor, present: torch.Tensor, y: torch.Tensor) -> None:
        config = layout.config
        self.layout, self.x, self.present = layout, x, present
        self.n_members, self.n = x.shape[0], x.shape[-1]
        m, c = layout.n_mod, layout.c
        self.heads = 1 + m
        # The loss is sum over heads and rows of weight * CE: each per-sample term has a constant weight,
        # so no reduction crosses members. Gradient of a head block: weight * (softmax - onehot).
        base = 1.0 / (self.n * (1.0 + config.aux_weight * m))
        weights = torch.tensor([base] + [base * config.aux_weight] * m, dtype=x.dtype, device=x.device)
        self.head_weights = weights.view(1, self.heads, 1, 1)
        onehot = torch.zeros((self.n_members, 1, c, self.n), dtype=x.dtype, device=x.device)
        onehot.scatter_(2, y.view(self.n_members, 1, 1, self.n), 1.0)
        self.neg_target = -(onehot * self.head_weights)  # (E, 1+M, C, n)
        self.block_mask = layout.block_mask(x.device, x.dtype)
        self.d_out = torch.empty((self.n_members, layout.rows, self.n), dtype=x.dtype, device=x.device)
        self.has_absent = "absent" in layout.shapes

    def views(self, flat: torch.Tensor) -> Params:
        """Per-parameter views ``(E, *shape)`` of a flat buffer laid out parameter-major."""
        sizes = [self.n_members * math.prod(s) for s in self.layout.shapes.values()]
        return {
            k: v.view(self.n_members, *s)
            for (k, s), v in zip(self.layout.shapes.items(), torch.split(flat, sizes), strict=True)
        }

    def gradient(
        self, params: Params, grads: Params, keep: torch.Tensor | None, present: torch.Tensor, any_absent: bool
    ) -> None:
        """Write the loss gradient of every parameter into ``grads`` (views of the flat gradient buffer).

        ``keep`` ``(E or 1, M, D, n)`` holds the dropout multipliers (``None``: no dropout), ``present`` the
        presence to train with (modality dropout applied); ``any_absent`` says whether it has a False.
        """
        lay, e, n = self.layout, self.n_members, self.n
        m, d, f, c = lay.n_mod, lay.d, lay.f, lay.c
        n_layers = len(lay.widths) - 1
        # forward: encoders, all modalities of all members as one batched matmul per layer
        acts = [self.x.view(e * m, lay.widths[0], n)]
        for i in range(n_layers):
            w, b = params[f"enc.{i}.wt"], params[f"enc.{i}.b"]
            # bmm, then the bias: baddbmm's bias broadcast along the contiguous (row) axis costs more
            acts.append(torch.bmm(w.view(e * m, *w.shape[-2:]), acts[-1]).add_(b.view(e * m, -1, 1)).relu_())
        z = acts[-1].view(e, m, d, n)
        if any_absent:
            z = torch.where(present, z, params["absent"]) if self.has_absent else z * present
        if keep is not None:
            z = z * keep
        fused = z.view(e, m * d, n)
        out = torch.bmm(params["big.wt"], fused).add_(params["big.b"])  # (E, R, n)
        if f > 0:
            u = out[:, :f].relu()
            out[:, f : f + c] += torch.bmm(params["inter.wt"], u)
        logits = out[:, f:].view(e, self.heads, c, n)
        d_out = self.d_out
        d_logits = d_out[:, f:].view(e, self.heads, c, n)
        torch.addcmul(self.neg_target, torch.softmax(logits, dim=2), self.head_weights, out=d_logits)
        # backward
        if f > 0:
            d_head = d_out[:, f : f + c]
            torch.bmm(d_head, u.transpose(1, 2), out=grads["inter.wt"])
            du = torch.bmm(params["inter.wt"].transpose(1, 2), d_head)
            torch.ops.aten.threshold_backward.grad_input(du, u, 0, grad_input=d_out[:, :f])
        torch.bmm(d_out, fused.transpose(1, 2), out=grads["big.wt"]).mul_(self.block_mask)
        torch.sum(d_out, dim=-1, keepdim=True, out=grads["big.b"])
        dz = torch.bmm(params["big.wt"].transpose(1, 2), d_out).view(e, m, d, n)
        if keep is not None:
            dz.mul_(keep)
        if any_absent:
            if self.has_absent:
                torch.sum(torch.where(present, 0.0, dz), dim=-1, keepdim=True, out=grads["absent"])
            dz.mul_(present)
        elif self.has_absent:
            grads["absent"].zero_()
        da = dz.view(e * m, d, n)
        for i in reversed(range(n_layers)):
            da = torch.ops.aten.threshold_backward(da, acts[i + 1], 0)
            g = grads[f"enc.{i}.wt"]
            torch.bmm(da, acts[i].transpose(1, 2), out=g.view(e * m, *g.shape[-2:]))
            torch.sum(da, dim=-1, keepdim=True, out=grads[f"enc.{i}.b"].view(e * m, -1, 1))
            if i > 0:
                w = params[f"enc.{i}.wt"]
                da = torch.bmm(w.view(e * m, *w.shape[-2:]).transpose(1, 2), da)


class SharedMasks:
    """Dropout multipliers ``(U or E, M, D, n)`` and modality-dropout presence, drawn once per distinct
    seed (members sharing a seed share their masks exactly) for a block of steps at a time."""

    def __init__(self, seeds: Sequence[int], n_mod: int, n: int, config: ModelConfig, device: torch.device, dtype: torch.dtype) -> None:
        unique = list(dict.fromkeys(int(s) for s in seeds))
        self.config, self.device, self.dtype = config, device, dtype
        self.generators = [torch.Generator(device=device).manual_seed(s + _DROPOUT_SEED_OFFSET) for s in unique]
        # one seed (every round of the harness): masks (1, ...) broadcast over the member axis; seeds all
        # distinct and in order: one mask per member as drawn; otherwise gather each member's seed's masks
        same = len(unique) == 1 or unique == [int(s) for s in seeds]
        self.index = None if same else torch.tensor([unique.index(int(s)) for s in seeds], device=device)
        self.width = (config.embed_dim if config.dropout > 0 else 0) + (1 if config.modality_dropout > 0 else 0)
        self.shape = (n_mod, self.width, n)
        self.block = max(1, min(config.steps, _MASK_VALUES // max(1, n_mod * n * self.width)))
        self.keep: torch.Tensor | None = None
        self.present: torch.Tensor | None = None
        self.t = 0

    def next(self) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """This step's dropout multipliers (or ``None``) and modality-dropout presence (or ``None``)."""
        if self.width == 0:
            return None, None
        i = self.t % self.block
        if i == 0:
            self._draw()
        self.t += 1
        return (None if self.keep is None else self.keep[i]), (None if self.present is None else self.present[i])

    def _draw(self) -> None:
        u = torch.stack([torch.rand((self.block, *self.shape), generator=g, device=self.device) for g in self.generators], dim=1)
        if self.index is not None:
            u = u.index_select(1, self.index)
        p, q, d = self.config.dropout, self.config.modality_dropout, self.config.embed_dim
        if p > 0:
            self.keep = torch.where(u[:, :, :, :d] >= p, 1.0 / (1.0 - p), 0.0).to(self.dtype)
        if q > 0:
            self.present = u[:, :, :, -1:] >= q


def stack_feature_major(batches: Sequence[ModalBatch], dims: dict[str, int], device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Features ``(E, M, d_max, n)`` (zero-padded) and bool presence ``(E, M, 1, n)`` of `ModalBatch`es."""
    width, n = max(dims.values()), len(batches[0])
    x = np.zeros((len(batches), len(dims), width, n), dtype=np.float32)
    present = np.zeros((len(batches), len(dims), 1, n), dtype=bool)
    for e, b in enumerate(batches):
        for j, (m, d) in enumerate(dims.items()):
            x[e, j, :d] = b.features[m].T
            present[e, j, 0] = b.present[m]
    return torch.from_numpy(x).to(device), torch.from_numpy(present).to(device)


def initial_fused(layout: FusedLayout, config: ModelConfig, dims: Mapping[str, int], seeds: Sequence[int]) -> Params:
    """Fused-layout initial parameters ``(E, *shape)``: 2.0.0's initialisation from each member's seed,
    drawn once per distinct seed."""
    drawn: dict[int, Params] = {}
    for s in seeds:
        if int(s) not in drawn:
            drawn[int(s)] = init_params(config, dims, layout.c, torch.Generator().manual_seed(int(s)))
    stacked = {k: torch.stack([drawn[int(s)][k] for s in seeds]) for k in drawn[int(seeds[0])]}
    return layout.to_fused(stacked)
