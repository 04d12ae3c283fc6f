"""Multimodal classifiers and their trainer: one MLP encoder per modality, fusion, fused + per-modality heads.

`train_models` trains many independent models as one batched network; each result is a `FittedMLP`.
"""

from mmal_bench.models.base import FittedModel
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.fitted import FittedMLP
from mmal_bench.models.trainer import train_model, train_models

__all__ = ["FittedMLP", "FittedModel", "ModelConfig", "train_model", "train_models"]
