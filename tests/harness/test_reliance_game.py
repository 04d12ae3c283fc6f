"""Reliance in one game: the reference game's shares, zero for a model whose game is the reference's,
and the 3-SE noise floor under which shares are not reported."""

from __future__ import annotations

import numpy as np
import pytest

from mmal_bench.harness import metrics


def test_reference_game_splits_the_interaction_like_the_model_game() -> None:
    # v(∅)=0.25, v(a)=0.55, v(b)=0.35, v(ab)=0.75: φ_a = ½(0.30) + ½(0.40) = 0.35, φ_b = ½(0.10) + ½(0.20) = 0.15
    assert metrics.reference_game_shares([0.55, 0.35], 0.75, 0.25) == pytest.approx([0.7, 0.3])
    # the main-effect shares of 2.0.0 leave the interaction out: 0.30 / 0.40 = 0.75
    assert metrics.supported_shares([0.55, 0.35], 0.25) == pytest.approx([0.75, 0.25])
    assert np.isnan(metrics.reference_game_shares([0.26, 0.25], 0.26, 0.25)).all()  # no signal: undefined
    with pytest.raises(ValueError, match="two modalities"):
        metrics.reference_game_shares([0.5, 0.4, 0.3], 0.8, 0.25)


def test_a_model_whose_game_is_the_reference_game_reads_zero_exactly() -> None:
    game = {"a": 0.61, "b": 0.47, "a+b": 0.83}
    signed = metrics.over_reliance_in_one_game(game, ["a", "b"], [0.61, 0.47], 0.83, 0.25)
    assert signed.tolist() == [0.0, 0.0]
    leaning = metrics.over_reliance_in_one_game({"a": 0.70, "b": 0.40, "a+b": 0.83}, ["a", "b"], [0.61, 0.47], 0.83, 0.25)
    assert leaning[0] > 0 > leaning[1] and leaning.sum() == pytest.approx(0.0)


def test_noise_floor_is_three_standard_errors_of_the_accuracy() -> None:
    assert metrics.accuracy_noise_floor(0.5, 2000) == pytest.approx(3 * np.sqrt(0.25 / 2000))  # 0.0335
    assert metrics.accuracy_noise_floor(0.9, 2000) < metrics.accuracy_noise_floor(0.5, 2000)
    with pytest.raises(ValueError, match="n_test"):
        metrics.accuracy_noise_floor(0.5, 0)
