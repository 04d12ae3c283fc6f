"""Multimodal classifiers and their trainer: one MLP encoder per modality, fusion, fused + per-modality heads.

`train_models` trains many independent models as one batched network; each result is a `FittedMLP`.
"""

from __future__ import annotations

from mmal_bench._lazy import lazy_getattr

_EXPORTS = {
    "FittedModel": "base",
    "ModelConfig": "config",
    "FittedMLP": "fitted",
    "train_model": "trainer",
    "train_models": "trainer",
}


# Lazy: `mmal_bench.models.config` (a dataclass) is read by the suite definitions, which the CLI
# needs for `--help` and `cite`; torch loads only when a model is built.
__getattr__ = lazy_getattr(__name__, _EXPORTS)


__all__ = ["FittedMLP", "FittedModel", "ModelConfig", "train_model", "train_models"]
