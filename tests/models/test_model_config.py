"""ModelConfig validation and round trip."""

from __future__ import annotations

import pytest

from mmal_bench.errors import ConfigError
from mmal_bench.models import ModelConfig


def test_round_trip():
    config = ModelConfig(hidden_sizes=(32, 16), fusion="sum", fusion_hidden=24, dropout=0.2, absent="zero", modality_dropout=0.1)
    assert ModelConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fusion": "film"}, "model.fusion must be one of"),
        ({"dropout": 1.0}, r"model.dropout must be in \[0, 1\)"),
        ({"steps": 0}, "model.steps must be a positive integer"),
        ({"device": "tpu"}, "model.device must be one of"),
        ({"hidden_sizes": (0,)}, "model.hidden_sizes must be positive"),
        ({"aux_weight": -1}, "model.aux_weight must be >= 0"),
        ({"fusion_hidden": -1}, r"model.fusion_hidden must be an integer >= 0"),
        ({"fusion_hidden": 1.5}, r"model.fusion_hidden must be an integer >= 0"),
        ({"absent": "mean"}, "model.absent must be one of"),
        ({"modality_dropout": 1.0}, r"model.modality_dropout must be in \[0, 1\)"),
        ({"trainer": "jit"}, "model.trainer must be one of"),
        ({"trainer": "fused", "fusion": "sum"}, "model.trainer 'fused' supports fusion 'concat' only"),
    ],
)
def test_bad_values_name_the_setting(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ModelConfig(**kwargs)


def test_unknown_keys_are_named():
    with pytest.raises(ConfigError, match=r"unknown model settings \['epochs'\]"):
        ModelConfig.from_dict({"epochs": 3})


def test_default_trainer_stays_out_of_the_dict_so_2_0_0_hashes_hold():
    assert "trainer" not in ModelConfig().to_dict()
    fused = ModelConfig(trainer="fused")
    assert fused.to_dict()["trainer"] == "fused"
    assert ModelConfig.from_dict(fused.to_dict()) == fused
