"""The multimodal MLP as pure functions over *stacked* parameters: E independent networks at once.

Every weight has a leading member axis ``E`` (``(E, in, out)``) and every layer is one batched matmul,
so training E models costs about as many kernel calls as training one (DESIGN.md, "Where the time goes").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch

from mmal_bench.models.config import ModelConfig

Params = dict[str, torch.Tensor]

# A large negative (not -inf) gate logit for absent modalities: softmax stays finite when none is present.
_ABSENT_GATE = -1e9


def layer_shapes(config: ModelConfig, dims: Mapping[str, int], n_classes: int) -> dict[str, tuple[int, int]]:
    """``{layer name: (fan_in, fan_out)}`` in the fixed order parameters are initialised."""
    shapes: dict[str, tuple[int, int]] = {}
    for m, d in dims.items():
        widths = [d, *config.hidden_sizes, config.embed_dim]
        for i in range(len(widths) - 1):
            shapes[f"enc.{m}.{i}"] = (widths[i], widths[i + 1])
        if config.fusion == "gated":
            shapes[f"gate.{m}"] = (config.embed_dim, 1)
        shapes[f"aux.{m}"] = (config.embed_dim, n_classes)
    fused = config.embed_dim * (len(dims) if config.fusion == "concat" else 1)
    if config.fusion_hidden > 0:
        shapes["fusion"] = (fused, config.fusion_hidden)
        fused = config.fusion_hidden
    shapes["head"] = (fused, n_classes)
    return shapes


def init_params(
    config: ModelConfig, dims: Mapping[str, int], n_classes: int, generator: torch.Generator
) -> Params:
    """One member's parameters (no member axis), drawn from ``generator`` only.

    Uniform(±1/sqrt(fan_in)) for weights and biases, as `torch.nn.Linear` does by default.
    """
    params: Params = {}
    for name, (fan_in, fan_out) in layer_shapes(config, dims, n_classes).items():
        bound = 1.0 / math.sqrt(fan_in)
        params[name + ".w"] = (torch.rand((fan_in, fan_out), generator=generator) * 2 - 1) * bound
        params[name + ".b"] = (torch.rand((1, fan_out), generator=generator) * 2 - 1) * bound
    return params


def dropout_widths(config: ModelConfig, dims: Mapping[str, int]) -> list[int]:
    """Widths of the dropout sites in forward order: one per modality embedding.

    Dropout sits on the embeddings only (the input of every head), as in MC-dropout on the penultimate
    layer: it regularises, makes MC-dropout passes differ where it matters, and keeps mask generation,
    the largest per-step cost after the matmuls, small.
    """
    return [config.embed_dim for _ in dims]


def forward(
    params: Params,
    config: ModelConfig,
    xs: Mapping[str, torch.Tensor],
    present: Mapping[str, torch.Tensor],
    keep_masks: Sequence[torch.Tensor] | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor], torch.Tensor]:
    """Fused logits ``(E, n, C)``, aux logits ``{m: (E, n, C)}``, embeddings ``{m: (E, n, D)}`` and ``h``,
    the input of the fused head (the fused embedding, or the fusion interaction layer's output).

    ``xs[m]`` is ``(E, n, d_m)``; ``present[m]`` is float ``(E, n, 1)``. ``keep_masks`` (one per
    dropout site, in `dropout_widths` order, each ``(E, n, D)`` already scaled by ``1/(1-p)``)
    switches dropout on; ``None`` is evaluation mode. An absent modality's embedding is exactly zero,
    so zeroing its input and zeroing its embedding are the same ablation.
    """
    zs: dict[str, torch.Tensor] = {}
    for j, (m, x) in enumerate(xs.items()):
        a = x
        for i in range(len(config.hidden_sizes) + 1):
            a = layer(params, config, m, i, a, present[m])
        zs[m] = a if keep_masks is None else a * keep_masks[j]
    aux = {m: torch.baddbmm(params[f"aux.{m}.b"], z, params[f"aux.{m}.w"]) for m, z in zs.items()}
    h = interact(params, config, fuse(params, config, zs, present))
    return torch.baddbmm(params["head.b"], h, params["head.w"]), aux, zs, h


def layer(
    params: Params, config: ModelConfig, m: str, i: int, a: torch.Tensor, present_m: torch.Tensor
) -> torch.Tensor:
    """Encoder layer ``i`` of modality ``m`` (ReLU; the last one also multiplies by presence)."""
    out = torch.relu(torch.baddbmm(params[f"enc.{m}.{i}.b"], a, params[f"enc.{m}.{i}.w"]))
    return out * present_m if i == len(config.hidden_sizes) else out


def fuse(
    params: Params, config: ModelConfig, zs: Mapping[str, torch.Tensor], present: Mapping[str, torch.Tensor]
) -> torch.Tensor:
    """The fused embedding from (presence-masked) modality embeddings, per ``config.fusion``."""
    if config.fusion == "concat":
        return torch.cat(list(zs.values()), dim=-1)
    if config.fusion == "sum":
        return torch.stack(list(zs.values()), dim=0).sum(dim=0)
    logits = torch.cat(
        [
            torch.where(present[m] > 0, torch.matmul(z, params[f"gate.{m}.w"]) + params[f"gate.{m}.b"], _ABSENT_GATE)
            for m, z in zs.items()
        ],
        dim=-1,
    )
    gates = torch.softmax(logits, dim=-1)
    return sum(gates[..., i : i + 1] * z for i, z in enumerate(zs.values()))  # type: ignore[return-value]


def interact(params: Params, config: ModelConfig, h: torch.Tensor) -> torch.Tensor:
    """The fusion interaction layer (``config.fusion_hidden > 0``): ReLU of a linear map of the fused
    embedding, what lets the fused head model cross-modal interactions; the identity when it is 0.

    ``h`` is ``(B, n, D)`` with ``B`` the member count or, for a one-member model, any batch (subsets,
    MC passes): the weights ``(E, D, F)`` broadcast when ``E == 1``. Each member's rows only ever meet
    that member's weights, so members stay independent.
    """
    if config.fusion_hidden == 0:
        return h
    return torch.relu(torch.matmul(h, params["fusion.w"]) + params["fusion.b"])


def head(params: Params, h: torch.Tensor, name: str = "head") -> torch.Tensor:
    """Apply a one-member linear head (params with member axis of size 1) to ``h`` of any leading shape."""
    return torch.matmul(h, params[name + ".w"][0]) + params[name + ".b"][0]
