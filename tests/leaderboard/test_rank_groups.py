"""Rank groups: Holm-corrected Wilcoxon over datasets merges noise and separates a planted effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmal_bench.leaderboard.rank_groups import cliques, dataset_scores, holm, leave_one_dataset_out, rank_groups


def scores_with(effects: dict[str, float], n_datasets: int = 15, noise: float = 0.01, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0, 0.05, n_datasets)  # shared by all strategies: datasets differ
    return pd.DataFrame(
        {s: difficulty + e + rng.normal(0, noise, n_datasets) for s, e in effects.items()}, index=[f"d{i}" for i in range(n_datasets)]
    ).T


def test_noise_only_strategies_share_rank_one_and_a_planted_effect_is_separated() -> None:
    scores = scores_with({"a": 0.0, "b": 0.0, "c": 0.0, "star": 0.05})
    groups = rank_groups(scores, scores.mean(axis=1))
    assert groups.friedman_p < 0.05
    assert groups.ranks["star"] == 1 and groups.label("star") == "1"
    assert {groups.ranks[s] for s in "abc"} == {2} and groups.label("a") == "=2"
    assert list(groups.ranks.index)[0] == "star"
    assert [set(c) for c in cliques(groups)] == [{"a", "b", "c"}]


def test_pure_noise_is_one_group() -> None:
    for seed in range(5):
        scores = scores_with({"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0}, seed=seed)
        groups = rank_groups(scores, scores.mean(axis=1))
        assert set(groups.ranks) == {1}, seed


def test_ranks_are_integers_in_headline_order_and_never_decrease() -> None:
    scores = scores_with({"a": 0.0, "b": 0.02, "c": 0.04, "d": 0.06}, noise=0.002)
    headline = scores.mean(axis=1)
    groups = rank_groups(scores, headline)
    assert list(groups.ranks.index) == ["d", "c", "b", "a"]
    assert groups.ranks.dtype == np.int64 and list(groups.ranks) == sorted(groups.ranks)
    assert groups.ranks["a"] > 1


def test_holm_matches_the_step_down_definition() -> None:
    p = np.array([0.01, 0.04, 0.03, np.nan])
    assert holm(p)[:3] == pytest.approx([0.03, 0.06, 0.06]) and np.isnan(holm(p)[3])


def test_dataset_scores_average_regimes_and_seeds() -> None:
    table = pd.DataFrame({"strategy": ["x"] * 4, "dataset": ["a", "a", "a", "b"], "regime": ["low", "low", "high", "low"], "seed": [0, 1, 0, 0], "delta": [1.0, 2.0, 3.0, 4.0]})
    assert dataset_scores(table).loc["x"].tolist() == [2.0, 4.0]


def test_leave_one_dataset_out_reports_whether_the_top_group_moves() -> None:
    scores = scores_with({"a": 0.0, "b": 0.0, "star": 0.05})
    lodo = leave_one_dataset_out(scores)
    assert len(lodo) == scores.shape[1] and not lodo["changed"].any()
    assert set(lodo["top_group"]) == {"star"}


def test_cd_diagram_png_is_written_and_byte_stable(tmp_path) -> None:
    from mmal_bench.leaderboard.cd_diagram import plot_cd_diagram

    scores = scores_with({"a": 0.0, "b": 0.0, "c": 0.0, "star": 0.05})
    groups = rank_groups(scores, scores.mean(axis=1))
    first = plot_cd_diagram(groups, tmp_path / "cd1.png").read_bytes()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_cd_diagram(groups, tmp_path / "cd2.png").read_bytes() == first


def test_holm_counts_each_pair_once() -> None:
    """Three strategies are three pairwise tests, not six: the smallest adjusted p is 3 × the smallest raw p."""
    from mmal_bench.leaderboard.rank_groups import pairwise_wilcoxon

    rng = np.random.default_rng(0)
    scores = pd.DataFrame(rng.normal(size=(3, 12)) + np.array([[0.0], [0.5], [1.0]]), index=["a", "b", "c"])
    raw = pairwise_wilcoxon(scores).to_numpy()
    groups = rank_groups(scores, scores.mean(axis=1))
    upper = np.triu_indices(3, k=1)
    assert np.nanmin(groups.adjusted_p.to_numpy()) == pytest.approx(min(1.0, 3 * raw[upper].min()))
    assert np.allclose(groups.adjusted_p.to_numpy(), groups.adjusted_p.to_numpy().T, equal_nan=True)
