"""Scores: group tables, headline, rank groups, penalty matrix and completeness, on known numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from leaderboard_factory import catalog_for, fingerprint_of, verdicts_on_few_datasets, write_suite  # noqa: F401 (fixture)
from scipy import stats

from mmal_bench.leaderboard.loading import load_results
from mmal_bench.leaderboard.scoring import cells_frame, score

pytestmark = pytest.mark.usefixtures("verdicts_on_few_datasets")  # 3-dataset fixtures (leaderboard_factory)

LEVELS = {"random": 0.60, "entropy": 0.65, "mm-best": 0.72, "margin": 0.60}


@pytest.fixture()
def board(tmp_path: Path):
    write_suite(tmp_path, LEVELS, skip={("margin", "synergy", "mid", 2)})
    loaded = load_results(tmp_path, catalog=catalog_for(LEVELS), fingerprint_of=fingerprint_of)
    return loaded, score(loaded, catalog_for(LEVELS))


def test_incomplete_strategy_is_listed_not_ranked(board) -> None:
    _, b = board
    assert list(b.overall.index) == ["mm-best", "entropy", "random"]
    assert b.missing == {"margin": (("synergy@1.0.0", "mid", 2),)}
    groups = {(g.dataset, g.regime): g for g in b.groups}
    assert "margin" not in groups[("synergy@1.0.0", "mid")].table.index  # not averaged over 2 of 3 seeds
    assert "margin" in groups[("synergy@1.0.0", "low")].table.index
    assert "margin" not in b.penalty.index
    assert "1 strategy(ies) with missing cells" in b.indicative and "3 seed(s)" in b.indicative


def test_expected_grid_from_the_suite(tmp_path: Path) -> None:
    write_suite(tmp_path, {"random": 0.6}, datasets=("redundant",), regimes=("low",), seeds=(0, 1))
    loaded = load_results(tmp_path, catalog=catalog_for(["random"]), fingerprint_of=fingerprint_of)
    b = score(loaded, expected=[("redundant@1.0.0", "low", s) for s in range(3)])
    assert b.missing == {"random": (("redundant@1.0.0", "low", 2),)}
    assert b.overall.empty


def test_group_statistics_match_scipy(board) -> None:
    loaded, b = board
    frame = cells_frame(loaded.results)
    g = next(g for g in b.groups if (g.dataset, g.regime) == ("redundant@1.0.0", "low"))
    sub = frame[(frame.dataset == "redundant@1.0.0") & (frame.regime == "low")]
    ent = sub[sub.strategy == "entropy"].sort_values("seed")["aubc"].to_numpy()
    rnd = sub[sub.strategy == "random"].sort_values("seed")["aubc"].to_numpy()
    row = g.table.loc["entropy"]
    assert row["aubc"] == pytest.approx(ent.mean())
    lo, hi = stats.t.interval(0.95, 2, loc=ent.mean(), scale=stats.sem(ent))
    assert (row["aubc_low"], row["aubc_high"]) == (pytest.approx(lo), pytest.approx(hi))
    d = ent - rnd
    lo, hi = stats.t.interval(0.95, 2, loc=d.mean(), scale=stats.sem(d))
    assert (row["delta_aubc"], row["delta_aubc_low"], row["delta_aubc_high"]) == (pytest.approx(d.mean()), pytest.approx(lo), pytest.approx(hi))
    assert g.table.loc["random", "delta_aubc"] == 0.0
    assert row["query_seconds"] == pytest.approx(0.0015)  # median of 0.001, 0.002 per seed
    assert list(g.table.index[:3]) == ["mm-best", "entropy", "random"]


def test_overall_headline_ranks_and_penalty(board) -> None:
    loaded, b = board
    o = b.overall
    assert list(o.index) == ["mm-best", "entropy", "random"]  # headline order
    frame = cells_frame(loaded.results)
    pivot = frame.pivot_table(index=["dataset", "regime", "seed"], columns="strategy", values="aubc")
    per_dataset = (pivot["entropy"] - pivot["random"]).groupby(level="dataset").mean()
    assert o.loc["entropy", "delta"] == pytest.approx(per_dataset.mean())  # datasets weigh equally
    assert o.loc["entropy", "delta_low"] <= o.loc["entropy", "delta"] <= o.loc["entropy", "delta_high"]
    assert not b.headline.normalised and b.headline.reason  # no calibration data: raw and flagged
    # Two datasets cannot make any Friedman/Wilcoxon test significant (Holm p stays 1), but the ranks follow the
    # Bayesian verdicts: both strategies beat random by far more than the ROPE on both datasets.
    assert o["rank"].tolist() == [1, 1, 3] and o["rank_label"].tolist() == ["=1", "=1", "3"]
    assert o["verdict"].tolist() == ["better", "better", "baseline"] and (o.loc[["mm-best", "entropy"], "holm_p"] == 1.0).all()
    assert b.contrasts.detectable_wilcoxon == float("inf") and b.contrasts.datasets == tuple(sorted(b.datasets))
    assert set(b.family_contrasts) == {"interaction"}
    assert o.loc["mm-best", "p_rank1"] > 0.9
    # 4 settings, 0.07 level gap with noise 0.01 over 3 seeds: mm-best wins most budgets, never loses.
    assert b.penalty.loc["mm-best", "random"] > 2 and b.penalty.loc["random", "mm-best"] == 0
    assert np.array_equal(b.penalty.to_numpy().diagonal(), np.zeros(3))
    assert set(b.pitfalls["family"]) == {"interaction"} and len(b.pitfalls) == 3
    assert o.loc["mm-best", "modality"] == "multimodal" and o.loc["entropy", "modality"] == "unimodal"


def test_group_ranks_are_integers_and_regimes_in_budget_order(tmp_path: Path) -> None:
    write_suite(tmp_path, {"random": 0.6, "entropy": 0.6}, datasets=("redundant",), regimes=("mid", "high", "low"), seeds=(0, 1))
    loaded = load_results(tmp_path, catalog=catalog_for(["random", "entropy"]), fingerprint_of=fingerprint_of)
    b = score(loaded)
    assert [g.regime for g in b.groups] == ["low", "mid", "high"]
    assert all(g.table["rank"].dtype == np.int64 for g in b.groups)


def test_curves_are_means_over_seeds(board) -> None:
    loaded, b = board
    g = b.groups[0]
    runs = [r for r in loaded.results if r.provenance.strategy == "entropy" and f"{r.provenance.dataset}@1.0.0" == g.dataset and r.provenance.regime == g.regime]
    acc = np.mean([[rd.accuracy for rd in r.rounds] for r in runs], axis=0)
    np.testing.assert_allclose(g.curves["entropy"].accuracy, acc)
    assert g.curves["entropy"].n_labeled.tolist() == [10, 20, 30]
    np.testing.assert_allclose(g.curves["entropy"].shares["a"] + g.curves["entropy"].shares["b"], 1.0)


def test_suite_grid_is_every_protocol_seed() -> None:
    from mmal_bench.harness.suites import get_suite
    from mmal_bench.leaderboard.scoring import suite_grid

    grid = suite_grid("quick")
    protocols = get_suite("quick").protocols()
    assert len(grid) == sum(len(p.seeds) for p in protocols)
    assert (protocols[0].dataset_ref, protocols[0].regime.name, protocols[0].seeds[0]) in grid


def test_truth_shares_recover_the_empty_value(board) -> None:
    from mmal_bench.harness.metrics import shapley_shares, shapley_values

    loaded, b = board
    r = loaded.results[0]
    empty = r.rounds[0].subset_accuracy["a+b"] - sum(r.rounds[0].shapley.values())
    phi = shapley_values(r.ground_truth, ["a", "b"], empty)
    expected = shapley_shares([phi["a"], phi["b"]])
    shares = b.groups[0].truth_shares
    assert (shares["a"], shares["b"]) == (pytest.approx(expected[0]), pytest.approx(expected[1]))


def test_truth_shares_survive_modality_order_that_is_not_alphabetical(tmp_path: Path) -> None:
    """Result files sort dict keys; the full subset key still gives the dataset's modality order."""
    from leaderboard_factory import make_result

    from mmal_bench.harness.metrics import shapley_shares, shapley_values
    from mmal_bench.harness.results import read_result, write_result
    from mmal_bench.leaderboard.scoring import truth_shares

    result = make_result("random")
    first = result.rounds[0].model_copy(
        update={"subset_accuracy": {"z": 0.5, "a": 0.4, "z+a": 0.8}, "shapley": {"z": 0.3, "a": 0.2}}
    )
    truth = {"z": 0.9, "a": 0.3, "z+a": 0.95}
    result = result.model_copy(update={"rounds": [first, *result.rounds[1:]], "ground_truth": truth})
    back = read_result(write_result(tmp_path, result))
    phi = shapley_values(truth, ["z", "a"], 0.8 - 0.5)
    expected = dict(zip(["z", "a"], shapley_shares([phi["z"], phi["a"]]), strict=True))
    assert truth_shares(back) == pytest.approx(expected)
