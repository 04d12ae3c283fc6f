"""FINDINGS.md from synthetic results with planted effects: the verdicts follow the numbers, the text is
deterministic, and every missing piece is an explicit "not measured" line."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from leaderboard_factory import FINGERPRINTS, catalog_for, make_result, verdicts_on_few_datasets  # noqa: F401 (fixture)

from mmal_bench.harness.results import CellResult, PoolShares, write_result
from mmal_bench.leaderboard.findings import ABOVE, BELOW, INCLUDES, NA, informative, side
from mmal_bench.leaderboard.findings_report import NOT_MEASURED, compute_findings, render_findings
from mmal_bench.leaderboard.loading import load_results
from mmal_bench.leaderboard.reference import Reference

pytestmark = pytest.mark.usefixtures("verdicts_on_few_datasets")  # 3-dataset fixtures (leaderboard_factory)

N_BOOT = 200
REGIMES = ("low", "mid")
N_LABELED = (10, 20, 30)  # make_result's rounds
SEEDS = tuple(range(5))
FPS = {**FINGERPRINTS, "missing-mnar": "sha256:" + "e" * 64, "balanced": "sha256:" + "f" * 64,
       **{name: "sha256:" + str(i) * 64 for i, name in enumerate(("unique", "missing-mcar", "corrupted-modality", "noisy-labels"))}}
#: Seed-wise jitter that averages to ~0, so a planted zero stays inside its interval.
JITTER = (1.0, -1.0, 1.0, -1.0, 0.0)


def model_share_a(r: int) -> float:
    """Modality a's Shapley share in round ``r`` of `make_result` (φ_a = 0.3 + 0.1 r, φ_b = 0.1)."""
    return (0.3 + 0.1 * r) / (0.4 + 0.1 * r)


#: Chance accuracy of the fixture datasets, and v(∅) of every planted game (`enrich`).
CHANCE = 0.25


def reference(datasets: Iterable[str], supported_a: Mapping[int, float] | float) -> Reference:
    """Calibration whose reference game gives modality a the share ``supported_a`` (per round): unimodal
    references ``chance + s·G`` and ``chance + (1 − s)·G`` and a fused one at ``chance + G``, no
    interaction, so the one game's shares are exactly (s, 1 − s) whatever the gain G."""
    unimodal, fused = {}, {}
    for d in datasets:
        for g in REGIMES:
            for r, n in enumerate(N_LABELED):
                s = supported_a[r] if isinstance(supported_a, Mapping) else supported_a
                unimodal[(f"{d}@1.0.0", g, n)] = {"a": CHANCE + 0.1 * s / (1 - s), "b": CHANCE + 0.1}
                fused[(f"{d}@1.0.0", g, n)] = CHANCE + 0.1 / (1 - s)
    return Reference(full_pool={f"{d}@1.0.0": 0.9 for d in datasets}, chance={f"{d}@1.0.0": CHANCE for d in datasets}, unimodal=unimodal, fused=fused)


MATCHED = {r: model_share_a(r) for r in range(3)}  # references support exactly the model's shares


def enrich(result: CellResult, *, balanced: bool = False, corrupted: float | None = None, missing_b: float | None = None,
           class_counts: list[int] | None = None) -> CellResult:  # fmt: skip
    """``result`` with seed-wise Shapley jitter and, optionally, balanced reliance, bought corrupted rows,
    bought missingness of b and a bought class mix (with the pool's shares to compare with)."""
    z = 0.02 * JITTER[result.provenance.seed % len(JITTER)]
    rounds = []
    for rd in result.rounds:
        a = rd.shapley["a"] * (1 + z)
        b = a * (1 - z) if balanced else rd.shapley["b"]
        # One consistent game, no interaction, v(∅) = chance: the planted shares a / (a + b) scaled to the accuracy.
        scale = (rd.accuracy - CHANCE) / (a + b)
        phi = {"a": a * scale, "b": b * scale}
        update = {"shapley": phi, "subset_accuracy": {"a": CHANCE + phi["a"], "b": CHANCE + phi["b"], "a+b": rd.accuracy}}
        if rd.query_seconds is not None:  # two queries per run, 0.01 CPU-s each
            update["query_cpu_seconds"] = 0.01
        if rd.batch_class_counts is not None:
            if corrupted is not None:
                update["batch_corrupted_share"] = corrupted * (1 + z)
            if missing_b is not None:
                update["batch_missing_share"] = {"a": 0.0, "b": missing_b * (1 + z)}
            if class_counts is not None:
                update["batch_class_counts"] = class_counts
        rounds.append(rd.model_copy(update=update))
    pool = None
    if corrupted is not None or missing_b is not None or class_counts is not None:
        pool = PoolShares(missing={"a": 0.0, "b": 0.1}, corrupted=0.1 if corrupted is not None else None, noisy_label=None, class_counts=[50, 50])
    return result.model_copy(update={"rounds": rounds, "pool_shares": pool})


def write(root: Path, levels: Mapping[str, float], *, datasets=("redundant", "synergy", "difficulty-gap"), seeds=SEEDS, **per_strategy) -> None:
    """A full grid; ``per_strategy`` maps an `enrich` keyword to {strategy: value}."""
    for strategy, level in levels.items():
        for dataset in datasets:
            for regime in REGIMES:
                for seed in seeds:
                    r = make_result(strategy, dataset, regime, seed, level, fingerprint=FPS[dataset])
                    kwargs = {k: v[strategy] for k, v in per_strategy.items() if strategy in v}
                    write_result(root, enrich(r, **kwargs))


def findings(root: Path, levels: Iterable[str], ref: Reference, archive: Path | None = None, expected=None):
    loaded = load_results(root, catalog=catalog_for(levels), fingerprint_of=lambda name, version: FPS[name])
    return compute_findings(loaded, catalog_for(levels), reference=ref, archive=archive, n_boot=N_BOOT, expected=expected)


def text_of(data) -> str:
    return render_findings(data, "mmal-bench findings --results R --suite quick --out F")


LEVELS = {"random": 0.60, "entropy": 0.60, "mm-best": 0.72, "mm-other": 0.60}
DATASETS = ("redundant", "synergy", "difficulty-gap")


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """mm-best: clearly better than random; entropy: random's level; mm-other: balanced reliance."""
    root = tmp_path_factory.mktemp("findings") / "results"
    write(root, LEVELS, balanced={"mm-other": True})
    return root


@pytest.fixture(scope="module")
def over(planted: Path):
    """Findings of `planted` where the references support equal shares (the model leans on a beyond them)."""
    return findings(planted, LEVELS, reference(DATASETS, 0.5))


@pytest.fixture(scope="module")
def matched(planted: Path):
    """Findings of `planted` where the references support exactly the model's shares."""
    return findings(planted, LEVELS, reference(DATASETS, MATCHED))


def test_side_and_informative() -> None:
    assert [side(0.1, 0.2), side(-0.2, -0.1), side(-0.1, 0.1), side(np.nan, 0.1)] == [ABOVE, BELOW, INCLUDES, NA]
    assert side(1.2, 1.5, 1.0) == ABOVE and side(0.8, 1.1, 1.0) == INCLUDES
    assert side(1.0 + 1e-15, 1.0 + 1e-15, 1.0) == INCLUDES  # float noise at the reference decides nothing
    one = pd.DataFrame({"dataset": ["d"], "seed": [0]})
    assert not informative(one)
    assert informative(pd.DataFrame({"dataset": ["d", "d"], "seed": [0, 1]}))
    assert informative(pd.DataFrame({"dataset": ["d", "e"], "seed": [0, 0]}))


def test_output_is_deterministic(planted: Path, over) -> None:
    first = text_of(over)
    assert text_of(findings(planted, LEVELS, reference(DATASETS, 0.5))) == first
    assert first.startswith("# Findings: suite `quick`, benchmark ") and first.endswith("\n") and not first.endswith("\n\n")
    assert f"{len(LEVELS) * 3 * 2 * 5} result files (cells) of 4 strategies on 3 datasets" in first
    assert str(planted) not in first


def test_headline_verdicts_come_from_the_intervals(over, tmp_path: Path) -> None:
    data = over
    h = data.headline
    assert h.loc["mm-best", "side"] == ABOVE and h.loc["entropy", "side"] == INCLUDES
    assert h.loc["mm-best", "low"] > 0 and h.loc["entropy", "low"] <= 0 <= h.loc["entropy", "high"]
    text = text_of(data)
    assert "By the Bayesian test, 1 of 3 strategies are better than random (`mm-best`)" in text
    assert "The bootstrap CI puts 1 above random (`mm-best`) and 0 below (none)" in text
    assert h.loc["mm-best", "verdict"] == "better" and h.loc["mm-best", "rank_label"] == "1"
    # The same grid with mm-best planted *below* random: the verdict sentence flips with the numbers.
    write(tmp_path, {**LEVELS, "mm-best": 0.48}, balanced={"mm-other": True})
    flipped = findings(tmp_path, LEVELS, reference(DATASETS, 0.5))
    assert flipped.headline.loc["mm-best", "side"] == BELOW
    assert "The bootstrap CI puts 0 above random (none) and 1 below (`mm-best`)" in text_of(flipped)
    assert flipped.headline.loc["mm-best", "verdict"] == "worse" and "1 worse (`mm-best`)" in text_of(flipped)


def test_claim1_follows_the_planted_over_reliance(over, matched) -> None:
    assert set(over.reliance["side"]) == {ABOVE} and set(over.reliance["modality"]) == {"a"} and len(over.reliance) == 6
    assert over.reliance["excess"].between(0.25, 0.35).all()
    assert set(matched.reliance["side"]) == {INCLUDES}
    # Per setting the seeds share one instance: the table is shown, but the claim needs >= 3 instances per family.
    for data in (over, matched):
        assert f"Claim 1 is {NOT_MEASURED} with the instance as the unit: no pitfall family has ≥ 3 instances" in text_of(data)
        assert "**Claim 1" not in text_of(data)


def test_claim1_is_decided_per_family_with_the_instance_as_the_unit(tmp_path: Path) -> None:
    """Three interaction datasets (three instances) and the control: a planted lean on the modality the
    truth favours is over-reliance of the family; references that support the model's shares read none."""
    datasets = ("balanced", "redundant", "synergy", "unique")
    write(tmp_path, {"random": 0.6, "entropy": 0.6}, datasets=datasets)
    over = findings(tmp_path, ["random", "entropy"], reference(datasets, 0.5))
    f = over.family_reliance.set_index("family")
    assert f.loc["interaction", "n"] == 3 and f.loc["interaction", "verdict"] == "over-relies"
    assert f.loc["interaction", "low"] > 0.2 and f.loc["control", "verdict"] == NA  # one control instance: shown, not tested
    text = text_of(over)
    assert "**Claim 1 holds** with the instance as the unit: over-reliance in 1 of 1 pitfall families with ≥ 3 instances (`interaction`)" in text
    assert "the control has 1 instance(s), fewer than 3" in text
    matched = findings(tmp_path, ["random", "entropy"], reference(datasets, MATCHED))
    f = matched.family_reliance.set_index("family")
    assert f.loc["interaction", "verdict"] == "none" and abs(f.loc["interaction", "mean"]) < 0.01
    assert "**Claim 1 does not hold** with the instance as the unit: over-reliance in 0 of 1" in text_of(matched)
    assert "none within ±0.01 in 1 (`interaction`)" in text_of(matched)


def test_claim2_names_the_strategy_that_balances_reliance(over, matched) -> None:
    data = over
    t = data.reliance_vs_random.table
    assert t.loc["mm-other", "side"] == BELOW and t.loc["mm-other", "mean"] < -0.2  # balanced shares, random's are ~0.8
    assert t.loc["entropy", "side"] == INCLUDES
    # Three datasets: a Wilcoxon test over them cannot reach p < 0.05; the Bayesian test with its ROPE decides, and
    # the others' Δ within ±0.01 is called equivalent (a confirmation the interval alone could not give).
    assert not t["differs"].any()
    assert t.loc["mm-other", "verdict"] == "reduces" and t.loc["entropy", "verdict"] == "equivalent"
    assert ("**Claim 2 does not hold:** by the Bayesian signed-rank test over 3 datasets (Δ over-reliance per dataset, ROPE ±0.01 "
            "of share), 1 of 3 strategies reduce over-reliance relative to random (`mm-other`)") in text_of(data)  # fmt: skip
    assert ("By the interval and the Holm-corrected Wilcoxon test together, 0 reduce it (none); 1 more have an interval below 0 "
            "that the corrected test does not confirm (`mm-other`") in text_of(data)  # fmt: skip
    # When the labels support the model's lean, the balanced strategy departs from it *below* what is supported:
    # 3.0.0's measure is signed toward the modality the truth favours, so leaning less reads negative (a distance
    # would read it as more over-reliance, and reads |noise| > 0 for every strategy but random).
    m = matched.reliance_vs_random.table
    assert m.loc["mm-other", "side"] == BELOW and m.loc["mm-other", "mean"] < -0.2 and m.loc["entropy", "side"] == INCLUDES
    assert "signed over-reliance on the modality the dataset's ground truth favours" in text_of(matched)
    # Per pitfall family, over that family's datasets only: the same direction in both families.
    assert t.loc["mm-other", "reduces_in"] == "difficulty, interaction" and t.loc["entropy", "reduces_in"] == ""
    assert "Within a pitfall family (uncorrected intervals over that family's datasets), 1 reduce it in at least one (`mm-other`)." in text_of(data)


def test_claim2_does_not_hold_when_the_corrected_test_confirms_the_interval(tmp_path: Path) -> None:
    """Eight datasets agreeing in sign: the Holm-corrected Wilcoxon separates the balanced strategy too."""
    datasets = ("redundant", "synergy", "difficulty-gap", "missing-mnar", "unique", "missing-mcar", "corrupted-modality", "noisy-labels")
    levels = {"random": 0.6, "entropy": 0.6, "mm-other": 0.6}
    write(tmp_path, levels, datasets=datasets, seeds=SEEDS[:2], balanced={"mm-other": True})
    data = findings(tmp_path, levels, reference(datasets, 0.5))
    t = data.reliance_vs_random.table
    assert t.loc["mm-other", "side"] == BELOW and t.loc["mm-other", "differs"] and not t.loc["entropy", "differs"]
    assert "**Claim 2 does not hold:**" in text_of(data) and "1 of 2 strategies reduce over-reliance relative to random (`mm-other`)" in text_of(data)
    assert "By the interval and the Holm-corrected Wilcoxon test together, 1 reduce it (`mm-other`)" in text_of(data)


def test_claim1_corrects_for_the_number_of_settings(tmp_path: Path) -> None:
    """One seed-noisy lean whose uncorrected interval clears 0 is not confirmed once Holm counts every setting."""
    from mmal_bench.leaderboard.findings import beyond_control

    rows = [["redundant@1.0.0", f"r{i}", "a", 0.0, -0.1, 0.1, 3, INCLUDES, (-0.1, 0.0, 0.1)] for i in range(19)]
    rows.append(["synergy@1.0.0", "low", "a", 0.02, 0.001, 0.039, 3, ABOVE, (0.015, 0.02, 0.025)])
    rows.append(["unique@1.0.0", "low", "a", 0.3, 0.29, 0.31, 3, ABOVE, (0.299, 0.3, 0.301)])
    table = pd.DataFrame(rows, columns=["dataset", "regime", "modality", "excess", "low", "high", "n_seeds", "side", "values"])
    b = beyond_control(table)
    assert b.floor == 0.0 and not b.controls and len(b.tested) == 21
    over = b.tested.set_index(["dataset", "regime"])
    assert over.loc[("unique@1.0.0", "low"), "over"] and not over.loc[("synergy@1.0.0", "low"), "over"]
    assert over.loc[("synergy@1.0.0", "low"), "holm_p"] > 0.05 > over.loc[("unique@1.0.0", "low"), "holm_p"]


def test_claim3_per_family_follows_the_levels(over, tmp_path: Path) -> None:
    data = over
    t = data.mm_vs_um.set_index("family")
    assert list(t.index) == ["difficulty", "interaction"] and t.loc["interaction", "n_datasets"] == 2
    assert set(t["side"]) == {ABOVE} and set(t["best_mm"]) == {"mm-best"} and set(t["best_um"]) == {"entropy"}
    # ahead by every interval, but the difficulty family has one dataset: its test cannot decide, so the claim is not refuted
    assert t.loc["interaction", "verdict"] == "multimodal ahead" and t.loc["difficulty", "verdict"] == "undecided"
    assert ("**Claim 3 is neither confirmed nor refuted:** by the Bayesian signed-rank test with each family's datasets as units, the "
            "multimodal strategies are ahead of the unimodal ones in 1 of 2 pitfall families (interaction)") in text_of(data)  # fmt: skip
    write(tmp_path, {"random": 0.6, "entropy": 0.72, "mm-best": 0.6})
    reverse = findings(tmp_path, ["random", "entropy", "mm-best"], reference(DATASETS, 0.5))
    assert set(reverse.mm_vs_um["side"]) == {BELOW}
    assert "**Claim 3 holds:**" in text_of(reverse) and "ahead of the unimodal ones in 0 of 2 pitfall families (none), behind in 1 (interaction)" in text_of(reverse)


def test_noisy_and_missing_purchases(tmp_path: Path) -> None:
    levels = {"random": 0.6, "entropy": 0.5, "mm-best": 0.6}
    datasets = ("redundant", "missing-mnar")
    write(tmp_path, levels, datasets=datasets, corrupted={"random": 0.1, "entropy": 0.3, "mm-best": 0.02},
          missing_b={"random": 0.1, "entropy": 0.1, "mm-best": 0.3}, class_counts={"random": [5, 5], "entropy": [9, 1], "mm-best": [5, 5]})  # fmt: skip
    data = findings(tmp_path, levels, reference(datasets, 0.5))
    c = data.corrupted.set_index(["dataset", "strategy"])
    assert c.loc[("redundant@1.0.0", "entropy"), "rate"] == pytest.approx(3.0, rel=0.02)
    assert c.loc[("redundant@1.0.0", "entropy"), "side"] == ABOVE and c.loc[("redundant@1.0.0", "mm-best"), "side"] == BELOW
    assert c.loc[("redundant@1.0.0", "random"), "side"] == INCLUDES
    assert c.loc[("redundant@1.0.0", "entropy"), "delta_side"] == BELOW
    text = text_of(data)
    assert "On redundant@1.0.0, 1 of 2 strategies buy corrupted rows above the pool's rate (`entropy`), 1 below it (`mm-best`); " \
           "of those buying more, 1 are worse than random there (`entropy`)." in text  # fmt: skip
    assert f"Mislabelled rows: {NOT_MEASURED}" in text
    m = data.missing.set_index("strategy")
    assert list(data.missing["dataset"].unique()) == ["missing-mnar@1.0.0"]  # only the missing-modality family
    assert m.loc["mm-best", "missing_side"] == ABOVE and m.loc["entropy", "missing_side"] == INCLUDES
    assert m.loc["entropy", "class_tv"] == pytest.approx(0.4) and m.loc["entropy", "tv_side"] == ABOVE
    assert "On missing-mnar@1.0.0, 1 of 2 strategies buy rows with a missing modality above the pool's rate (`mm-best`), 0 below it " \
           "(none); 1 skew the class mix more than random (`entropy`)." in text  # fmt: skip


def test_cost_ratios_only_for_a_measurable_gain(over) -> None:
    c = over.cost
    assert c["cpu_seconds_per_run"].tolist() == pytest.approx([0.02] * 3)
    assert c.loc["mm-best", "gain_side"] == ABOVE and c.loc["mm-best", "gain_per_cpu_second"] == pytest.approx(c.loc["mm-best", "gain"] / 0.02)
    assert c.loc["mm-best", "gain_per_joule"] == pytest.approx(c.loc["mm-best", "gain"] / c.loc["mm-best", "joules_per_run"])
    assert c.loc[["entropy", "mm-other"], "gain_per_cpu_second"].isna().all()  # gains indistinguishable from 0: no ratio
    text = text_of(over)
    assert "Most accuracy per query CPU-second among strategies with a measurable gain: `mm-best`" in text
    assert "2 of 3 strategies have no ratio" in text
    assert "gain raw accuracy by their interval while the headline" not in text  # both agree on mm-best
    # Where the normalised headline does not resolve a raw gain, the section says why the two differ.
    unresolved = over.headline.copy()
    unresolved.loc["mm-best", "side"] = INCLUDES
    text = text_of(dataclasses.replace(over, headline=unresolved))
    assert "1 of these (`mm-best`) gain raw accuracy by their interval while the headline's normalised ΔAUBC does not resolve them" in text


def test_not_measured_paths(planted: Path, tmp_path: Path) -> None:
    no_calibration = findings(planted, LEVELS, Reference(reason="no calibration data for suite quick"))
    text = text_of(no_calibration)
    assert f"Claim 1 is {NOT_MEASURED} (no calibration data for suite quick)." in text
    assert f"Claim 2 is {NOT_MEASURED} (over-reliance is undefined in every cell" in text
    assert f"over-reliance and the normalised headline are {NOT_MEASURED}" in text
    assert f"Corrupted rows: {NOT_MEASURED}" in text and f"Bought missingness and class-mix skew: {NOT_MEASURED}" in text
    assert f"The 2.0.0 comparison is {NOT_MEASURED} (no 2.0.0 archive was given)." in text
    no_random = tmp_path / "no-random"
    write(no_random, {"entropy": 0.6, "mm-best": 0.7})
    text = text_of(findings(no_random, ["entropy", "mm-best"], reference(DATASETS, 0.5)))
    assert f"The headline is {NOT_MEASURED} (no random baseline in them)." in text
    assert f"Claim 2 is {NOT_MEASURED}" in text and f"Claim 3 is {NOT_MEASURED}" in text
    grid = [(f"{d}@1.0.0", g, seed) for d in DATASETS for g in REGIMES for seed in range(6)]  # the suite has a seed 5 nobody ran
    text = text_of(findings(planted, LEVELS, reference(DATASETS, 0.5), expected=grid))
    assert f"The headline is {NOT_MEASURED} (random lacks 6 cell(s) of the suite grid; for a partial run pass --grid observed)." in text
    assert f"Accuracy per CPU-second and per joule: {NOT_MEASURED}" in text
    one_seed = tmp_path / "one-seed"
    write(one_seed, {"random": 0.6, "entropy": 0.6, "mm-best": 0.7}, datasets=("redundant",), seeds=(0,))
    data = findings(one_seed, ["random", "entropy", "mm-best"], reference(("redundant",), 0.5))
    text = text_of(data)
    # One dataset, one seed: the bootstrap cannot vary, so even mm-best's +0.1 gets no verdict.
    assert data.headline.loc["mm-best", "mean"] > 0.1 and set(data.headline.drop(index="random")["side"]) == {NA}
    assert "The bootstrap CI puts 0 above random (none)" in text
    assert data.cost["gain_side"].tolist() == [NA, NA]
    assert f"Claim 1 is {NOT_MEASURED}: no setting has an interval" in text
    assert f"Claim 3 is {NOT_MEASURED}: no pitfall family has an interval" in text


def test_archive_side_by_side(planted: Path, tmp_path: Path) -> None:
    """3.0.0 results beside the 2.0.0 archive: the archived cells re-read, its published verdicts, and the
    datasets continuing its families as the witness of why a verdict moved."""
    archive = tmp_path / "archive"
    rows = [(s, "redundant@1.0.0", g, seed, level + 0.001 * seed) for s, level in (("random", 0.6), ("mm-best", 0.6), ("gone", 0.7))
            for g in REGIMES for seed in SEEDS]  # fmt: skip
    archive.mkdir()
    pd.DataFrame(rows, columns=["strategy", "dataset", "regime", "seed", "aubc"]).to_csv(archive / "2.0.0-quick-aubc.csv", index=False)
    for seed in SEEDS:
        f = archive / "2.0.0" / "quick" / "redundant@1.0.0" / "low" / "random" / f"seed-{seed}.json"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps({"summary": {"mean_imbalance": 0.5, "mean_utilization_gap": 0.2}}))
    unpublished = findings(planted, LEVELS, reference(DATASETS, 0.5), archive=archive)
    assert np.isnan(unpublished.archive.strategies.loc["mm-best", "pub_mean"]) and "### 2.0.0's verdicts beside" not in text_of(unpublished)
    # 2.0.0's board as published, with its Bayesian verdicts
    board = pd.DataFrame({"scope": ["overall", "overall", "dataset"], "strategy": ["mm-best", "random", "mm-best"], "rank": ["=1", "=2", "1"],
                          "delta_aubc": [0.0, np.nan, 0.0], "delta_aubc_low": [0.001, np.nan, 0.0], "delta_aubc_high": [0.002, np.nan, 0.0],
                          "verdict": ["undecided", "baseline", "undecided"], "p_better": [0.6, np.nan, 0.6]})  # fmt: skip
    (archive / "2.0.0-leaderboard").mkdir()
    board.to_csv(archive / "2.0.0-leaderboard" / "leaderboard.csv", index=False)
    data = findings(planted, LEVELS, reference(DATASETS, 0.5), archive=archive)
    s = data.archive.strategies
    assert data.archive.version == "2.0.0" and list(s.index) == ["mm-best"]  # in both releases; `gone` is 2.0.0 only, entropy 3.0.0 only
    assert s.loc["mm-best", "old_side"] == INCLUDES and s.loc["mm-best", "new_side"] == ABOVE
    assert s.loc["mm-best", "pub_side"] == ABOVE and s.loc["mm-best", "pub_rank"] == "=1" and s.loc["mm-best", "pub_verdict"] == "undecided"
    d = data.archive.datasets
    assert d["dataset"].tolist() == ["redundant@1.0.0"] and d.loc[0, "old_imbalance"] == 0.5 and d.loc[0, "old_utilization_gap"] == 0.2
    text = text_of(data)
    assert "On identical cells" not in text  # 2.0.0 published with the inference the re-analysis uses
    assert "1 of 1 strategies present in both releases changed verdict against random from 2.0.0's cells to 3.0.0's (a different " \
           "suite: datasets, budgets, model and seeds all changed): `mm-best` (not distinguishable from random → better than random)." in text  # fmt: skip
    # The verdicts side by side: mm-best moved from undecided (2.0.0) to better (3.0.0, three datasets); on the one
    # dataset continuing 2.0.0's families it still reads undecided, so the datasets 3.0.0 adds moved it.
    assert data.recommend.old_families.datasets == ("redundant@1.0.0",)
    assert "### 2.0.0's verdicts beside 3.0.0's" in text
    assert data.board.contrasts.table.loc["mm-best", "verdict"] == "better"
    row = next(line for line in text.splitlines() if line.startswith("| `mm-best`") and "undecided (0.60)" in line)
    assert "better (0.99)" in row and "the datasets 3.0.0 adds (on 2.0.0's families it still reads undecided)" in row
    assert "1 of 1 strategies changed verdict." in text
    assert "### 2.0.0's measures beside 3.0.0's" in text and "2.0.0-leaderboard/FINDINGS.md" in text
    assert text == text_of(findings(planted, LEVELS, reference(DATASETS, 0.5), archive=archive))


def test_hidden_instances_are_named_as_a_threat(over) -> None:
    """Official results (hidden instances) are compared with a calibration on the public instance: the
    threats section says so; public results do not get the sentence."""
    assert "*Instances.*" not in text_of(over)
    official = text_of(dataclasses.replace(over, instances=(1,)))
    assert "scored on hidden instance 1 of the synthetic datasets" in official and "calibration on the public instance" in official
    # 3.0.0: the reference game is recorded on the scored instance; what stays a threat is named
    assert "reference game is recorded on the scored instance itself" in official and "*Groups.*" in official


def test_power_says_what_each_test_can_resolve(over) -> None:
    """Three datasets: Wilcoxon–Holm can detect nothing (p >= 0.25), the Bayesian test a simulated effect."""
    text = text_of(over)
    c = over.board.contrasts
    assert c.detectable_wilcoxon == float("inf") and 0 < c.detectable_bayes < 0.5
    assert (f"the Bayesian test says \"better\" with probability 80% for a true mean effect of {c.detectable_bayes:.3f}; "
            "Wilcoxon–Holm over 3 comparisons for no effect up to 0.5") in text  # fmt: skip
    assert ("With 3 datasets the smallest two-sided Wilcoxon p-value is 0.25; Holm's first threshold over the 3 comparisons with "
            "random is 0.017 (out of reach whatever the results), over all 6 pairs of 4 strategies 0.0083 (out of reach whatever "
            "the results).") in text  # fmt: skip
    from mmal_bench.leaderboard.findings_sections import wilcoxon_reach

    ten = wilcoxon_reach(10, 17, 0.05)  # the standard suite: all pairs out of reach, random comparisons reachable
    assert "over all 136 pairs of 17 strategies 0.00037 (out of reach whatever the results)" in ten
    assert "over the 16 comparisons with random is 0.0031 (reachable only when every dataset agrees)" in ten
