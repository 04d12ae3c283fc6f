"""The pairwise penalty matrix counts per-budget significant wins in units of whole curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmal_bench.leaderboard.penalty import paired_t_wins, penalty_matrix


def curves(gain_at: dict[int, float], n_seeds: int = 5, n_rounds: int = 4, settings: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for d in range(settings):
        for seed in range(n_seeds):
            for r in range(n_rounds):
                base = 0.5 + 0.05 * r + 0.01 * rng.standard_normal()
                rows.append(("random", f"d{d}", "low", seed, r, base))
                rows.append(("good", f"d{d}", "low", seed, r, base + gain_at.get(r, 0.0) + 0.001 * rng.standard_normal()))
    return pd.DataFrame(rows, columns=["strategy", "dataset", "regime", "seed", "round", "accuracy"])


def test_wins_at_half_the_budgets_count_half_a_setting_each() -> None:
    ppm = penalty_matrix(curves({2: 0.05, 3: 0.05}))
    assert ppm.loc["good", "random"] == pytest.approx(2 * 0.5)
    assert ppm.loc["random", "good"] == 0.0 and ppm.loc["good", "good"] == 0.0


def test_noise_alone_rarely_wins_and_one_seed_never() -> None:
    acc = np.random.default_rng(1).normal(0.6, 0.01, size=(2, 10, 200))
    assert paired_t_wins(acc).mean() < 0.05
    assert paired_t_wins(acc[:, :1]).sum() == 0


def test_incomplete_curves_are_refused() -> None:
    c = curves({})
    with pytest.raises(ValueError, match="complete"):
        penalty_matrix(c.iloc[1:])


def test_constant_shift_wins_and_identical_curves_do_not() -> None:
    acc = np.stack([np.array([[0.5, 0.6, 0.7], [0.52, 0.61, 0.69]]), np.array([[0.5, 0.6, 0.7], [0.52, 0.61, 0.69]]) + 0.1])
    wins = paired_t_wins(acc)  # (K=2, S=2, R=3): strategy 1 is 0.1 higher on every seed and budget
    assert wins[1, 0].tolist() == [1.0, 1.0, 1.0] and wins[0, 1].sum() == 0 and wins[0, 0].sum() == 0
