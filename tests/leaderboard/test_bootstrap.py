"""The headline: per-cell deltas, normalisation, and a hierarchical bootstrap CI that covers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmal_bench.leaderboard.bootstrap import deltas, expanded_percentiles, headline, hierarchical_bootstrap, seed_array


def simulated_cells(rng: np.random.Generator, effects: dict[str, float], n_datasets: int = 9, n_seeds: int = 5, tau: float = 0.02, sigma: float = 0.01) -> pd.DataFrame:
    """A benchmark table with known effects: strategy effect on dataset d is ``effect + tau·z_d``,
    every cell adds seed noise ``sigma``; random's AUBC varies by dataset and regime."""
    rows = []
    for d in range(n_datasets):
        shift = {s: e + tau * rng.standard_normal() for s, e in effects.items()}
        for regime, level in (("low", 0.5), ("mid", 0.6), ("high", 0.7)):
            base = level + 0.1 * rng.random()
            for seed in range(n_seeds):
                rows.append(("random", f"ds{d}", regime, seed, base + sigma * rng.standard_normal()))
                rows += [(s, f"ds{d}", regime, seed, base + shift[s] + sigma * rng.standard_normal()) for s in effects]
    return pd.DataFrame(rows, columns=["strategy", "dataset", "regime", "seed", "aubc"])


def test_hierarchical_ci_covers_the_true_mean_in_at_least_90_percent_of_tables() -> None:
    rng = np.random.default_rng(0)
    covered = 0
    for t in range(100):
        board = headline(deltas(simulated_cells(rng, {"good": 0.01})), n_boot=200, seed=t).table
        covered += board.loc["good", "low"] <= 0.01 <= board.loc["good", "high"]
    assert covered >= 90


def test_seed_only_interval_would_not_cover() -> None:
    """The reason for the hierarchy: with datasets varying more than seeds, resampling only seeds
    (one dataset draw = identity) gives intervals far too narrow for the between-dataset spread."""
    rng = np.random.default_rng(1)
    x, _, _ = seed_array(deltas(simulated_cells(rng, {"good": 0.01})).table)
    full = np.ptp(np.percentile(hierarchical_bootstrap(x, 400, 0)[0], [2.5, 97.5]))
    d = x.shape[1]
    seeds_only = x[:, :, :][None]  # resample seeds within the fixed datasets
    idx = np.random.default_rng(2).integers(0, x.shape[2], size=(400, d, x.shape[2]))
    within = np.take_along_axis(np.broadcast_to(seeds_only[0, 0], (400, d, x.shape[2])), idx, axis=2).mean(axis=(1, 2))
    assert full > 2 * np.ptp(np.percentile(within, [2.5, 97.5]))


def test_headline_is_deterministic_and_ranks_a_clear_winner_first() -> None:
    cells = simulated_cells(np.random.default_rng(3), {"good": 0.05, "meh": 0.0})
    a = headline(deltas(cells), n_boot=300, seed=7).table
    b = headline(deltas(cells), n_boot=300, seed=7).table
    pd.testing.assert_frame_equal(a, b)
    assert list(a.index) == ["good", "meh", "random"] or list(a.index)[0] == "good"
    assert a.loc["good", "p_rank1"] > 0.95 and a.loc["good", "rank_low"] == 1
    assert a.loc["random", "mean"] == 0.0


def test_normalisation_by_the_gap_and_its_fallback() -> None:
    cells = pd.DataFrame(
        [("random", "a", "low", 0, 0.5), ("x", "a", "low", 0, 0.6), ("random", "b", "low", 0, 0.8), ("x", "b", "low", 0, 0.85)],
        columns=["strategy", "dataset", "regime", "seed", "aubc"],
    )
    d = deltas(cells, {"a": 0.9, "b": 0.9})
    assert d.normalised and d.table["delta"].to_numpy() == pytest.approx([0.25, 0.5])
    raw = deltas(cells, {"a": 0.9})
    assert not raw.normalised and "b" in raw.reason and raw.table["delta"].to_numpy() == pytest.approx([0.1, 0.05])
    saturated = deltas(cells, {"a": 0.9, "b": 0.805})
    assert not saturated.normalised and "b" in saturated.reason
    assert "calibration" in deltas(cells).reason
    with pytest.raises(ValueError, match="random"):
        deltas(cells[cells["strategy"] == "x"])


def test_expanded_percentiles_widen_for_few_units() -> None:
    low, high = expanded_percentiles(9)
    assert low < 2.5 and high > 97.5 and low + high == pytest.approx(100)
    assert expanded_percentiles(10_000)[0] == pytest.approx(2.5, abs=0.01)


def test_incomplete_strategies_are_refused() -> None:
    cells = simulated_cells(np.random.default_rng(4), {"good": 0.0, "other": 0.0}, n_datasets=2, n_seeds=2)
    cells = cells.drop(index=cells.index[(cells["strategy"] == "good")][:3])
    with pytest.raises(ValueError, match="complete"):
        seed_array(deltas(cells).table)


def test_per_dataset_gap_weighs_every_regime_by_its_raw_delta() -> None:
    # random's gap to the full pool: 0.4 in the low regime, 0.1 in the high one; the strategy gains 0.02 in both.
    cells = pd.DataFrame(
        [("random", "d", "low", 0, 0.5), ("random", "d", "high", 0, 0.8), ("x", "d", "low", 0, 0.52), ("x", "d", "high", 0, 0.82)],
        columns=["strategy", "dataset", "regime", "seed", "aubc"],
    )
    per_regime = deltas(cells, {"d": 0.9}).table.set_index("regime")["delta"]
    per_dataset = deltas(cells, {"d": 0.9}, gap_per="dataset").table.set_index("regime")["delta"]
    assert per_regime["high"] == pytest.approx(4 * per_regime["low"])  # the same gain counts 4x in the high regime
    assert per_dataset["high"] == pytest.approx(per_dataset["low"]) == pytest.approx(0.02 / 0.25)
    with pytest.raises(ValueError, match="gap_per"):
        deltas(cells, {"d": 0.9}, gap_per="seed")
