"""Settings of the benchmark's multimodal classifier and its trainer, validated once.

A `ModelConfig` is data: the protocol stores it, hashes it, and hands it unchanged to every training.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from mmal_bench.errors import ConfigError

FUSIONS = ("concat", "sum", "gated")
ABSENT_PATHS = ("learned", "zero")
DEVICES = ("cpu", "cuda")
TRAINERS = ("autograd", "fused")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture, loss and optimiser of the multimodal MLP, trained full-batch from scratch.

    Parameters
    ----------
    hidden_sizes:
        Widths of each modality encoder's hidden layers (ReLU).
    embed_dim:
        Width of every modality's embedding (the encoder output, ReLU); the same for all modalities
        so that ``sum`` and ``gated`` fusion are defined.
    fusion:
        ``concat`` (late fusion, default; the fused embedding is the modality embeddings side by
        side), ``sum`` (their sum) or ``gated`` (a softmax over present modalities of a learned
        scalar gate per modality embedding, then the weighted sum).
    fusion_hidden:
        Width of the fusion interaction block: ``0`` (the 1.0.0 / BMMAL reference) puts the fused head,
        one linear layer, directly on the fused embedding, so with concat fusion the class logits are a
        sum of per-modality terms ``f(a) + g(b)`` and cannot represent cross-modal interactions
        (XOR-like synergy stays at chance). ``F > 0`` appends ``relu(W_f f + b_f)`` (F units over the
        whole fused embedding ``f``) to the head input, which becomes ``[f, relu(W_f f + b_f)]``: the
        additive per-modality path stays, the interaction block adds what it cannot represent. With
        concat fusion the per-modality column blocks of the head input (``modality_slices``) are kept;
        the F interaction columns belong to no single modality.
    absent:
        How a missing modality enters the model. ``learned`` (2.0.0): a learned per-modality absent
        embedding replaces the encoder output wherever the modality is absent (missing data in training
        or at test time, and ablation for subset predictions and Shapley values alike), so absence is
        never confused with a data vector. ``zero``: the 1.0.0 model, whose absent embedding is a fixed
        zero vector (kept to reproduce and compare with 1.0.0).
    modality_dropout:
        Probability that a present modality is treated as absent for a row in a training step (drawn
        per member, row, modality and step). It teaches the absent path on complete data too, so
        ablating a modality of a dataset without missing values asks a question the model was
        trained to answer. ``0`` turns it off.
    aux_weight:
        Weight of each per-modality auxiliary head's cross-entropy. The loss is
        ``(CE_fused + aux_weight * sum_m CE_m) / (1 + aux_weight * M)``; ``1.0`` is the BMMAL
        reference (mean of the fused and unimodal CEs), ``0.0`` trains the fused head only.
    dropout:
        Drop probability on every modality embedding (the input of all heads); also what
        MC-dropout samples at query time.
    lr, weight_decay, betas:
        AdamW settings.
    steps:
        Number of full-batch optimiser steps (every step sees all labelled samples).
    device:
        ``cpu`` (default; bitwise deterministic) or ``cuda`` (training only; fitted models are
        always held and evaluated on the CPU).
    threads:
        Torch intra-op threads used while training (1 by default: the harness parallelises over
        processes, and a fixed thread count keeps CPU results bitwise reproducible).
    trainer:
        ``autograd`` (default; the 2.0.0 trainer, kept bit for bit) or ``fused`` (the 3.0.0 reference:
        the same model, loss and optimiser with a hand-written backward over merged matmuls and shared
        dropout masks, `mmal_bench.models.fused`; concat fusion only). Float rounding differs between
        the two, so results of one are not bitwise those of the other. Left out of `to_dict` when
        ``autograd``, so 2.0.0 protocols keep their hashes.
    """

    hidden_sizes: tuple[int, ...] = (64,)
    embed_dim: int = 32
    fusion: Literal["concat", "sum", "gated"] = "concat"
    fusion_hidden: int = 0
    absent: Literal["learned", "zero"] = "learned"
    modality_dropout: float = 0.0
    aux_weight: float = 1.0
    dropout: float = 0.1
    lr: float = 1e-2
    weight_decay: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    steps: int = 100
    device: Literal["cpu", "cuda"] = "cpu"
    threads: int = 1
    trainer: Literal["autograd", "fused"] = "autograd"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_sizes", tuple(int(h) for h in self.hidden_sizes))
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))
        if any(h < 1 for h in self.hidden_sizes):
            raise ConfigError(f"model.hidden_sizes must be positive integers, got {self.hidden_sizes}")
        if self.embed_dim < 1:
            raise ConfigError(f"model.embed_dim must be a positive integer, got {self.embed_dim}")
        if self.fusion not in FUSIONS:
            raise ConfigError(f"model.fusion must be one of {list(FUSIONS)}, got {self.fusion!r}")
        if isinstance(self.fusion_hidden, bool) or not isinstance(self.fusion_hidden, int) or self.fusion_hidden < 0:
            raise ConfigError(f"model.fusion_hidden must be an integer >= 0 (0 = linear fused head), got {self.fusion_hidden!r}")
        if self.absent not in ABSENT_PATHS:
            raise ConfigError(f"model.absent must be one of {list(ABSENT_PATHS)}, got {self.absent!r}")
        if not 0 <= self.modality_dropout < 1:
            raise ConfigError(f"model.modality_dropout must be in [0, 1), got {self.modality_dropout}")
        if not self.aux_weight >= 0:
            raise ConfigError(f"model.aux_weight must be >= 0, got {self.aux_weight}")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"model.dropout must be in [0, 1), got {self.dropout}")
        if not self.lr > 0:
            raise ConfigError(f"model.lr must be > 0, got {self.lr}")
        if not self.weight_decay >= 0:
            raise ConfigError(f"model.weight_decay must be >= 0, got {self.weight_decay}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ConfigError(f"model.betas must be two numbers in [0, 1), got {self.betas}")
        if self.steps < 1:
            raise ConfigError(f"model.steps must be a positive integer, got {self.steps}")
        if self.device not in DEVICES:
            raise ConfigError(f"model.device must be one of {list(DEVICES)}, got {self.device!r}")
        if self.threads < 1:
            raise ConfigError(f"model.threads must be a positive integer, got {self.threads}")
        if self.trainer not in TRAINERS:
            raise ConfigError(f"model.trainer must be one of {list(TRAINERS)}, got {self.trainer!r}")
        if self.trainer == "fused" and self.fusion != "concat":
            raise ConfigError(f"model.trainer 'fused' supports fusion 'concat' only, got {self.fusion!r}; use trainer 'autograd'")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (tuples become lists), for protocol files and hashes."""
        d = asdict(self)
        d["hidden_sizes"] = list(self.hidden_sizes)
        d["betas"] = list(self.betas)
        if self.trainer == "autograd":
            del d["trainer"]  # the 2.0.0 default: absent, so 2.0.0 protocol files and hashes are unchanged
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Inverse of `to_dict`; unknown keys are a `ConfigError` naming them."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown model settings {unknown}; known: {sorted(known)}")
        values = dict(data)
        for key in ("hidden_sizes", "betas"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)
