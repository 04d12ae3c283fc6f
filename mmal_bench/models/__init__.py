"""Multimodal classifiers and their trainer: one MLP encoder per modality, fusion, fused + per-modality heads.

`train_models` trains many independent models as one batched network; each result is a `FittedMLP`.
"""

from __future__ import annotations

_EXPORTS = {
    "FittedModel": "base",
    "ModelConfig": "config",
    "FittedMLP": "fitted",
    "train_model": "trainer",
    "train_models": "trainer",
}


def __getattr__(name: str):
    # Lazy: `mmal_bench.models.config` (a dataclass) is read by the suite definitions, which the CLI
    # needs for `--help` and `cite`; torch loads only when a model is built.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"mmal_bench.models.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'mmal_bench.models' has no attribute {name!r}")


__all__ = ["FittedMLP", "FittedModel", "ModelConfig", "train_model", "train_models"]
