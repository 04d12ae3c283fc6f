"""The multimodal MLP as pure functions over *stacked* parameters: E independent networks at once.

Every weight has a leading member axis ``E`` and the modalities are stacked too (inputs zero-padded to
the widest modality), so one encoder layer of every member and modality is one batched matmul: a
training step is a dozen kernels whatever the member count (DESIGN.md, "Where the time goes").

The network (benchmark model 2.0.0)::

    z_m  = enc_m(x_m)            if m is present in the row     (MLP, ReLU; one per modality)
         = absent_m              otherwise                       (a learned vector per modality)
    aux_m = W_aux_m z_m + b      (unimodal head: sees its own modality only)
    f    = fuse(z_1 .. z_M)      (concat by default)
    h    = [f, relu(W_f f + b_f)]  (fusion interaction layer, when ``fusion_hidden > 0``)
    logits = W_head h + b_head

"Absent" enters the model explicitly (``absent_m`` replaces the embedding, whatever the input vector
holds), so a missing modality in training, a missing modality at test time and a modality removed for
ablation or Shapley (``present`` set to False) take the same path, and a zero input is just data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from mmal_bench.models.config import ModelConfig

Params = dict[str, torch.Tensor]

# A large negative (not -inf) gate logit for absent modalities: softmax stays finite when none is present.
_ABSENT_GATE = -1e9


def fused_width(config: ModelConfig, n_modalities: int) -> int:
    """Width of the fused embedding ``f`` (before the interaction layer)."""
    return config.embed_dim * (n_modalities if config.fusion == "concat" else 1)


def param_shapes(config: ModelConfig, dims: Mapping[str, int], n_classes: int) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of one member's parameters (no member axis), in the fixed initialisation order.

    Per-modality tensors carry a modality axis ``M``; the first encoder layer has ``max(dims)`` input
    rows (narrower modalities are zero-padded: their extra rows start at zero, get zero gradient and stay
    zero, so padding changes no result beyond float summation order).
    """
    n_mod, d = len(dims), config.embed_dim
    widths = [max(dims.values()), *config.hidden_sizes, d]
    shapes: dict[str, tuple[int, ...]] = {}
    for i in range(len(widths) - 1):
        shapes[f"enc.{i}.w"] = (n_mod, widths[i], widths[i + 1])
        shapes[f"enc.{i}.b"] = (n_mod, 1, widths[i + 1])
    if config.absent == "learned":
        shapes["absent"] = (n_mod, 1, d)
    if config.fusion == "gated":
        shapes["gate.w"] = (n_mod, d, 1)
        shapes["gate.b"] = (n_mod, 1, 1)
    shapes["aux.w"] = (n_mod, d, n_classes)
    shapes["aux.b"] = (n_mod, 1, n_classes)
    fused = fused_width(config, n_mod)
    if config.fusion_hidden > 0:
        shapes["fusion.w"] = (fused, config.fusion_hidden)
        shapes["fusion.b"] = (1, config.fusion_hidden)
    shapes["head.w"] = (fused + config.fusion_hidden, n_classes)
    shapes["head.b"] = (1, n_classes)
    return shapes


def init_params(config: ModelConfig, dims: Mapping[str, int], n_classes: int, generator: torch.Generator) -> Params:
    """One member's parameters (no member axis), drawn from ``generator`` only.

    Weights and biases Uniform(±1/sqrt(fan_in)) as `torch.nn.Linear` does, with each modality's own
    input width as the first layer's fan-in; absent embeddings start at zero (the 1.0.0 ablation), so a
    model that never sees a missing modality keeps the zero embedding.
    """
    params = {k: torch.zeros(s) for k, s in param_shapes(config, dims, n_classes).items()}

    def draw(fan_in: int, shape: tuple[int, ...]) -> torch.Tensor:
        return (torch.rand(shape, generator=generator) * 2 - 1) / math.sqrt(fan_in)

    for j, d_m in enumerate(dims.values()):
        widths = [d_m, *config.hidden_sizes, config.embed_dim]
        for i in range(len(widths) - 1):
            params[f"enc.{i}.w"][j, : widths[i]] = draw(widths[i], (widths[i], widths[i + 1]))
            params[f"enc.{i}.b"][j] = draw(widths[i], (1, widths[i + 1]))
        if config.fusion == "gated":
            params["gate.w"][j] = draw(config.embed_dim, (config.embed_dim, 1))
            params["gate.b"][j] = draw(config.embed_dim, (1, 1))
        params["aux.w"][j] = draw(config.embed_dim, (config.embed_dim, n_classes))
        params["aux.b"][j] = draw(config.embed_dim, (1, n_classes))
    for name in ("fusion", "head"):
        if name + ".w" in params:
            fan_in = params[name + ".w"].shape[0]
            params[name + ".w"] = draw(fan_in, params[name + ".w"].shape)
            params[name + ".b"] = draw(fan_in, params[name + ".b"].shape)
    return params


def linear(a: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ w + b`` over stacked leading axes: one ``baddbmm`` when they match (training), broadcasting
    ``matmul`` when the parameters have a member axis of 1 and ``a`` stacks subsets or passes."""
    if a.shape[:-2] == w.shape[:-2]:
        lead = a.shape[:-2]
        out = torch.baddbmm(b.reshape(-1, *b.shape[-2:]), a.reshape(-1, *a.shape[-2:]), w.reshape(-1, *w.shape[-2:]))
        return out.view(*lead, *out.shape[-2:])
    return torch.matmul(a, w) + b


def encode(params: Params, config: ModelConfig, x: torch.Tensor) -> torch.Tensor:
    """Encoder outputs ``(E, M, n, D)`` from padded inputs ``(E, M, n, d_max)``, before presence."""
    a = x
    for i in range(len(config.hidden_sizes) + 1):
        a = torch.relu(linear(a, params[f"enc.{i}.w"], params[f"enc.{i}.b"]))
    return a


def with_absent(params: Params, z: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Replace the embedding of every absent (row, modality) by that modality's absent embedding.

    ``z`` is ``(B, M, n, D)``, ``present`` bool ``(B', M, n, 1)`` (broadcasting: one encoder pass can
    serve several presence patterns). The input vector of an absent modality never matters.
    """
    if torch.broadcast_shapes(z.shape, present.shape) == z.shape and bool(present.all()):
        # nothing absent (most datasets, every training step without missingness): the same values as
        # the masked select below, without its two passes over the activations (issue 13: 9% of a step)
        return z
    absent = params.get("absent")
    return torch.where(present, z, torch.zeros((), dtype=z.dtype) if absent is None else absent)


def fuse(
    params: Params, config: ModelConfig, zs: Mapping[object, torch.Tensor], present: Mapping[object, torch.Tensor]
) -> torch.Tensor:
    """The fused embedding from the modality embeddings ``{m: (B, n, D)}`` (absent ones already the absent
    embedding), in modality order, per ``config.fusion``; ``present`` only matters for ``gated``."""
    if config.fusion == "concat":
        return torch.cat(list(zs.values()), dim=-1)
    if config.fusion == "sum":
        return torch.stack(list(zs.values()), dim=0).sum(dim=0)
    logits = torch.cat(
        [
            torch.where(present[m] > 0, torch.matmul(z, params["gate.w"][:, j]) + params["gate.b"][:, j], _ABSENT_GATE)
            for j, (m, z) in enumerate(zs.items())
        ],
        dim=-1,
    )
    gates = torch.softmax(logits, dim=-1)
    return sum(gates[..., i : i + 1] * z for i, z in enumerate(zs.values()))  # type: ignore[return-value]


def interact(params: Params, config: ModelConfig, f: torch.Tensor) -> torch.Tensor:
    """The head input ``h``: the fused embedding followed by the fusion interaction block
    ``relu(W_f f + b_f)`` (``config.fusion_hidden > 0``), or the fused embedding alone.

    The fused embedding stays in ``h`` (a skip connection), so the additive per-modality path of the
    1.0.0 model is kept and the interaction block only adds what it cannot represent (XOR-like synergy).
    """
    if config.fusion_hidden == 0:
        return f
    return torch.cat([f, torch.relu(linear(f, params["fusion.w"], params["fusion.b"]))], dim=-1)


def head(params: Params, h: torch.Tensor, name: str = "head") -> torch.Tensor:
    """Apply a one-member linear head (params with member axis of size 1) to ``h`` of any leading shape."""
    return torch.matmul(h, params[name + ".w"][0]) + params[name + ".b"][0]


def head_input(params: Params, config: ModelConfig, z: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """The head input ``h`` ``(B, n, H)`` from embeddings ``z`` ``(B, M, n, D)`` (absent path applied,
    dropout if any) and presence ``(B, M, n, 1)``: fusion, then the interaction block."""
    n_mod = z.shape[1]
    return interact(params, config, fuse(params, config, {j: z[:, j] for j in range(n_mod)}, {j: present[:, j] for j in range(n_mod)}))


def heads(
    params: Params, config: ModelConfig, z: torch.Tensor, present: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Fused logits ``(B, n, C)``, aux logits ``(B, M, n, C)`` and head input ``h`` from embeddings
    ``z`` ``(B, M, n, D)`` (absent path applied, dropout if any) and presence ``(B, M, n, 1)``."""
    aux = linear(z, params["aux.w"], params["aux.b"])
    h = head_input(params, config, z, present)
    return linear(h, params["head.w"], params["head.b"]), aux, h


def forward(
    params: Params, config: ModelConfig, x: torch.Tensor, present: torch.Tensor, keep: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Fused logits ``(E, n, C)``, aux logits ``(E, M, n, C)``, embeddings ``(E, M, n, D)`` and ``h``.

    ``x`` is ``(E, M, n, d_max)``, ``present`` bool ``(E, M, n, 1)``; ``keep`` (``(E, M, n, D)``, already
    scaled by ``1/(1-p)``) switches dropout on the modality embeddings on; ``None`` is evaluation mode.
    """
    z = with_absent(params, encode(params, config, x), present)
    if keep is not None:
        z = z * keep
    logits, aux, h = heads(params, config, z, present)
    return logits, aux, z, h
