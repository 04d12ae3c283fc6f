"""FINDINGS.md: the results section of a benchmark paper, written from a suite's result files.

`compute_findings` gathers the statistics (`findings`, `findings_archive`); `render_findings` turns
them into Markdown whose verdict words are looked up from the intervals' sides, never written in.
Same results and archive -> the same bytes (fixed bootstrap seed, sorted tables, no clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tabulate import tabulate

from mmal_bench.leaderboard.bootstrap import BASELINE, N_BOOT, headline
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.cell_metrics import cell_metrics_frame
from mmal_bench.leaderboard.findings import (
    ABOVE,
    BELOW,
    INCLUDES,
    NA,
    PairedVsRandom,
    SuiteFacts,
    cost_efficiency,
    headline_table,
    missing_modality_purchases,
    model_over_reliance,
    multimodal_vs_unimodal,
    purchase_rates,
    ranked_deltas,
    reliance_vs_random,
    suite_facts,
)
from mmal_bench.leaderboard.findings_archive import ARCHIVE_VERSION, ArchiveComparison, archive_comparison
from mmal_bench.leaderboard.loading import LoadedResults
from mmal_bench.leaderboard.rank_groups import ALPHA
from mmal_bench.leaderboard.reference import Reference, load_reference
from mmal_bench.leaderboard.scoring import GridCell, Scoreboard, cells_frame, score

NOT_MEASURED = "not measured in these results"


@dataclass(frozen=True)
class FindingsData:
    """Everything `render_findings` prints; built by `compute_findings` only."""

    board: Scoreboard
    frame: pd.DataFrame
    n_boot: int
    headline: pd.DataFrame
    reliance: pd.DataFrame
    reliance_vs_random: PairedVsRandom
    mm_vs_um: pd.DataFrame
    mm_vs_um_reason: str
    corrupted: pd.DataFrame
    noisy_labels: pd.DataFrame
    missing: pd.DataFrame
    cost: pd.DataFrame
    archive: ArchiveComparison
    facts: SuiteFacts


def compute_findings(
    loaded: LoadedResults,
    catalog: Mapping[str, StrategyInfo] | None = None,
    *,
    expected: Iterable[GridCell] | None = None,
    reference: Reference | None = None,
    archive: Path | None = None,
    n_boot: int = N_BOOT,
) -> FindingsData:
    """Score ``loaded`` as the leaderboard does and compute every table of the findings.

    Parameters
    ----------
    loaded: verified result files of one suite (`load_results`).
    catalog: strategy metadata (the modality of each strategy decides claim 3's groups).
    expected: the suite's grid; strategies lacking a cell are not ranked (as on the leaderboard).
    reference: calibration data (default: the suite's); without it over-reliance is not measured.
    archive: the folder holding the archived 1.0.0 results (``None``: no side-by-side).
    n_boot: bootstrap replicates of every hierarchical interval.

    Returns
    -------
    `FindingsData`.
    """
    reference = load_reference(loaded.suite, loaded.benchmark_version) if reference is None else reference
    board = score(loaded, catalog, expected=expected, reference=reference, n_boot=n_boot)
    frame = cells_frame(loaded.results)
    metrics = cell_metrics_frame(loaded.results, reference)
    ranked = list(board.overall.index) if board.headline is not None else []
    d = ranked_deltas(frame, board)
    raw = ranked_deltas(frame, board, raw=True)
    cost = cost_efficiency(frame[frame["strategy"].isin(ranked)], board, raw, n_boot)
    reliance = model_over_reliance(metrics)
    mm_vs_um, mm_reason = multimodal_vs_unimodal(d, board, n_boot)
    raw_head = headline(raw, n_boot=n_boot).table if raw is not None else None
    return FindingsData(
        board=board,
        frame=frame,
        n_boot=n_boot,
        headline=headline_table(board),
        reliance=reliance,
        reliance_vs_random=reliance_vs_random(metrics, sorted(ranked), n_boot, board.rank_groups.alpha if board.rank_groups else ALPHA, board.families),
        mm_vs_um=mm_vs_um,
        mm_vs_um_reason=mm_reason,
        corrupted=purchase_rates(metrics, "corrupted_rate", d, ranked, n_boot),
        noisy_labels=purchase_rates(metrics, "noisy_label_rate", d, ranked, n_boot),
        missing=missing_modality_purchases(metrics, board, ranked),
        cost=cost,
        archive=archive_comparison(archive, loaded.suite, board, frame, metrics, raw_head, reliance, n_boot),
        facts=suite_facts(loaded.suite),
    )


# ---------------------------------------------------------------- formatting


def _num(x: float, spec: str = "+.4f") -> str:
    return format(float(x), spec) if x is not None and np.isfinite(x) else "n/a"


def _ci(mean: float, low: float, high: float, spec: str = "+.4f") -> str:
    if not np.isfinite(mean):
        return "n/a"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{_num(mean, spec)} [n/a]"
    return f"{_num(mean, spec)} [{_num(low, spec)}, {_num(high, spec)}]"


def _table(rows: list[list[str]], headers: list[str]) -> str:
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def _names(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(f"`{n}`" for n in names) if names else "none"


def _count(values: pd.Series, which: str) -> list[str]:
    return [str(i) for i, v in values.items() if v == which]


#: Words for an interval's side, per question (the verdicts are looked up here, from the statistics).
VS_RANDOM = {ABOVE: "better than random", BELOW: "worse than random", INCLUDES: "not distinguishable from random", NA: "not measured"}
RELIANCE_VS_RANDOM = {ABOVE: "increases over-reliance", BELOW: "reduces over-reliance", INCLUDES: "no detectable change", NA: "not measured"}
OVER_RELIANCE = {ABOVE: "over-relies", BELOW: "under-relies", INCLUDES: "as supported", NA: "not measured"}
MM_VS_UM = {ABOVE: "multimodal ahead", BELOW: "unimodal ahead", INCLUDES: "no difference resolved", NA: "not measured"}
VS_POOL = {ABOVE: "above the pool's rate", BELOW: "below the pool's rate", INCLUDES: "at the pool's rate", NA: "not measured"}


def _share_verdict(k: int, n: int) -> str:
    """How much of a claim the counts support: every/most measured settings, some, or none."""
    if k == 0:
        return "does not hold"
    return "holds" if 2 * k > n else "holds only in part"


# ---------------------------------------------------------------- sections


def _header(data: FindingsData, command: str) -> list[str]:
    b, frame = data.board, data.frame
    seeds = sorted({int(s) for s in frame["seed"]})
    per_group = sorted(set(frame.groupby(["dataset", "regime"])["seed"].nunique()))  # observed, not the grid's
    if len(seeds) == 1:
        seeds_text = f"seed {seeds[0]}"
    elif seeds == list(range(seeds[0], seeds[-1] + 1)):
        seeds_text = f"seeds {seeds[0]}–{seeds[-1]}"
    else:
        seeds_text = f"seeds {', '.join(map(str, seeds))}"
    per_setting = "–".join(map(str, (per_group[0], per_group[-1]))) if len(per_group) > 1 else str(per_group[0])
    lines = [
        f"# Findings: suite `{b.suite}`, benchmark {b.benchmark_version}",
        "",
        f"Generated by `{command}` from {b.n_results} result files (cells) of {frame['strategy'].nunique()} strategies on "
        f"{len(b.datasets)} datasets, {frame.groupby(['dataset', 'regime']).ngroups} dataset × budget settings, {seeds_text} "
        f"({per_setting} seed{'' if per_setting == '1' else 's'} per setting). "
        "Every number and every verdict below is computed from those files (`mmal_bench/leaderboard/findings*.py`); "
        "do not edit by hand — `--check` fails when this file differs from what the results give.",
        "",
    ]
    if b.indicative:
        lines += [f"**Indicative only:** {b.indicative}.", ""]
    if b.reference_reason:
        lines += [f"**No calibration:** {b.reference_reason}; over-reliance and the normalised headline are {NOT_MEASURED}.", ""]
    return lines


def _headline(data: FindingsData) -> list[str]:
    b, t = data.board, data.headline
    lines = ["## Headline: ΔAUBC vs random", ""]
    if t.empty:
        if BASELINE not in set(data.frame["strategy"]):
            why = "no random baseline in them"
        elif BASELINE in b.missing:
            why = f"random lacks {len(b.missing[BASELINE])} cell(s) of the suite grid; for a partial run pass --grid observed"
        else:
            why = "no strategy beside random has every cell of the grid"
        return lines + [f"The headline is {NOT_MEASURED} ({why}).", ""]
    if b.headline.normalised:
        unit = "normalised by the random→full-pool gap (1 = the whole gap closed)"
    else:
        unit = "raw ΔAUBC (not normalised: " + ("no calibration, above" if b.headline.reason == b.reference_reason else b.headline.reason) + ")"
    g = b.rank_groups
    lines += [
        f"Mean over {b.headline.n_datasets} datasets of ΔAUBC vs `{BASELINE}`, {unit}; 95% CI from the hierarchical bootstrap "
        f"(datasets, then seeds; {data.n_boot} replicates); rank groups from Friedman + pairwise Wilcoxon–Holm over datasets "
        f"at α = {g.alpha}.",
        "",
        _table(
            [[r["rank_label"], f"`{s}`", r["modality"] or "?", "baseline" if s == BASELINE else _ci(r["mean"], r["low"], r["high"]),
              "—" if s == BASELINE else VS_RANDOM[r["side"]], "—" if s == BASELINE else _num(r["holm_p"], ".3g"),
              "—" if s == BASELINE else ("yes" if r["differs"] else "no")] for s, r in t.iterrows()],  # fmt: skip
            ["Rank", "Strategy", "Kind", "ΔAUBC [95% CI]", "CI says", "Holm p vs random", "Differs (Holm)"],
        ),
        "",
    ]
    others = t.drop(index=BASELINE)
    above, below = _count(others["side"], ABOVE), _count(others["side"], BELOW)
    friedman = f"Friedman p = {_num(g.friedman_p, '.3g')}" if np.isfinite(g.friedman_p) else "too few strategies or datasets for the Friedman test"
    lines += [
        f"{len(above)} of {len(others)} strategies are better than random by the bootstrap CI ({_names(above)}), {len(below)} worse "
        f"({_names(below)}), {len(others) - len(above) - len(below)} not distinguishable. In the Holm-corrected Wilcoxon test over "
        f"datasets, {int(others['differs'].sum())} of {len(others)} differ from random ({friedman}).",
        "",
    ]
    return lines


def _claim1(data: FindingsData) -> list[str]:
    r = data.reliance
    lines = [
        "### Claim 1: models over-rely on one modality",
        "",
        "Over-reliance = the model's Shapley share of a modality − the share the calibration's unimodal reference models "
        "support at the same number of labels; shown for the modality with the larger excess, under random sampling (the "
        "labels the references were trained on), mean over a run's rounds, 95% t-interval over seeds "
        "(per setting, not corrected for the number of settings).",
        "",
    ]
    measured = r[r["side"] != NA] if len(r) else r
    if r.empty or not r["excess"].notna().any():
        why = data.board.reference_reason or ("no random-sampling runs" if r.empty else "Shapley shares undefined")
        return lines + [f"Claim 1 is {NOT_MEASURED} ({why}).", ""]
    lines += [
        _table(
            [[row["dataset"], row["regime"], row["modality"] or "—", _ci(row["excess"], row["low"], row["high"]), str(row["n_seeds"]),
              OVER_RELIANCE[row["side"]]] for _, row in r.iterrows()],  # fmt: skip
            ["Dataset", "Budget", "Modality", "Over-reliance [95% CI]", "Seeds", "Verdict"],
        ),
        "",
    ]
    if measured.empty:
        return lines + [f"Claim 1 is {NOT_MEASURED}: no setting has an interval (fewer than two seeds with defined shares).", ""]
    over = measured[measured["side"] == ABOVE]
    where = ", ".join(f"{d} / {g} (`{m}`)" for d, g, m in over[["dataset", "regime", "modality"]].itertuples(index=False)) or "none"
    k, n = len(over), len(measured)
    lines += [
        f"**Claim 1 {_share_verdict(k, n)}** with the corrected measure: the model relies on one modality beyond what the same "
        f"number of labels supports in {k} of {n} measured settings ({where}); in the other {n - k} the interval includes 0 or "
        "lies below it.",
        "",
    ]
    return lines


def _claim2(data: FindingsData) -> list[str]:
    p = data.reliance_vs_random
    lines = [
        "### Claim 2: no strategy reduces over-reliance",
        "",
    ]
    if p.reason:
        return lines + [f"Claim 2 is {NOT_MEASURED} ({p.reason}).", ""]
    t = p.table
    lines += [
        f"Δ over-reliance (total-variation distance from the supported shares, strategy − random on the same cells; negative = "
        f"less over-reliance), hierarchical bootstrap over {p.n_datasets} datasets, Holm-corrected Wilcoxon vs random.",
        "",
        _table(
            [[f"`{s}`", _ci(r["mean"], r["low"], r["high"]), RELIANCE_VS_RANDOM[r["side"]], _num(r["holm_p"], ".3g"), "yes" if r["differs"] else "no",
              r["reduces_in"] or "—", r["increases_in"] or "—"] for s, r in t.iterrows()],  # fmt: skip
            ["Strategy", "Δ over-reliance [95% CI]", "CI says", "Holm p vs random", "Differs (Holm)", "Reduces it in (family CI)",
             "Increases it in (family CI)"],  # fmt: skip
        ),
        "",
    ]
    less, more = _count(t["side"], BELOW), _count(t["side"], ABOVE)
    verdict = "holds" if not less else "does not hold"
    lines += [
        f"**Claim 2 {verdict}:** {len(less)} of {len(t)} strategies reduce over-reliance relative to random ({_names(less)}), "
        f"{len(more)} increase it ({_names(more)}), {len(t) - len(less) - len(more)} show no detectable change. Within a pitfall "
        f"family, {int((t['reduces_in'] != '').sum())} reduce it in at least one ({_names(t.index[t['reduces_in'] != ''])}).",
        "",
    ]
    return lines


def _claim3(data: FindingsData) -> list[str]:
    t = data.mm_vs_um
    lines = ["### Claim 3: multimodal strategies do not consistently beat unimodal ones", ""]
    if t.empty:
        return lines + [f"Claim 3 is {NOT_MEASURED} ({data.mm_vs_um_reason or 'no pitfall family with both kinds of strategy'}).", ""]
    lines += [
        "Per pitfall family: (mean ΔAUBC of the multimodal strategies) − (mean ΔAUBC of the unimodal ones, random aside), per "
        "cell, hierarchical bootstrap over the family's datasets; and the best strategy of each kind there.",
        "",
        _table(
            [[r["family"], str(r["n_datasets"]), _ci(r["mean"], r["low"], r["high"]), MM_VS_UM[r["side"]],
              f"`{r['best_mm']}` {_ci(r['best_mm_delta'], r['best_mm_low'], r['best_mm_high'])}",
              f"`{r['best_um']}` {_ci(r['best_um_delta'], r['best_um_low'], r['best_um_high'])}"] for _, r in t.iterrows()],  # fmt: skip
            ["Pitfall family", "Datasets", "Multimodal − unimodal [95% CI]", "Verdict", "Best multimodal", "Best unimodal"],
        ),
        "",
    ]
    ahead = [f for f, s in zip(t["family"], t["side"], strict=True) if s == ABOVE]
    behind = [f for f, s in zip(t["family"], t["side"], strict=True) if s == BELOW]
    measured = int((t["side"] != NA).sum())
    if not measured:
        return lines + [f"Claim 3 is {NOT_MEASURED}: no pitfall family has an interval (one dataset and fewer than two seeds).", ""]
    verdict = "does not hold" if len(ahead) == measured else "holds"
    lines += [
        f"**Claim 3 {verdict}:** multimodal strategies are ahead of unimodal ones in {len(ahead)} of {measured} pitfall families "
        f"({', '.join(ahead) or 'none'}), behind in {len(behind)} ({', '.join(behind) or 'none'}), and no difference is resolved "
        f"in {measured - len(ahead) - len(behind)}.",
        "",
    ]
    return lines


def _archive(data: FindingsData) -> list[str]:
    a = data.archive
    old, new = ARCHIVE_VERSION, data.board.benchmark_version
    lines = [f"### Where {ARCHIVE_VERSION}'s measures misled", ""]
    if a.reason:
        return lines + [f"The {ARCHIVE_VERSION} comparison is {NOT_MEASURED} ({a.reason}).", ""]
    s = a.strategies
    if len(s):
        changed = [f"`{n}` ({VS_RANDOM[r['old_side']]} → {VS_RANDOM[r['new_side']]})" for n, r in s.iterrows() if r["old_side"] != r["new_side"]]
        lines += [
            f"Raw ΔAUBC vs random (accuracy units in both, so comparable) from the {a.old_cells} archived cells and from these "
            f"results, each with the hierarchical bootstrap and its own rank groups ({ARCHIVE_VERSION} ranks by raw ΔAUBC; "
            f"{data.board.benchmark_version} by the headline above).",
            "",
            _table(
                [[f"`{n}`", _ci(r["old_mean"], r["old_low"], r["old_high"]), r["old_rank"], _ci(r["new_mean"], r["new_low"], r["new_high"]),
                  r["new_rank"], VS_RANDOM[r["old_side"]], VS_RANDOM[r["new_side"]]] for n, r in s.iterrows()],  # fmt: skip
                ["Strategy", f"{ARCHIVE_VERSION} ΔAUBC [95% CI]", f"{ARCHIVE_VERSION} rank", f"{data.board.benchmark_version} ΔAUBC [95% CI]",
                 f"{data.board.benchmark_version} rank", f"{ARCHIVE_VERSION} verdict", f"{data.board.benchmark_version} verdict"],  # fmt: skip
            ),
            "",
            f"{len(changed)} of {len(s)} strategies present in both releases changed verdict against random: {'; '.join(changed) or 'none'}.",
            "",
        ]
    else:
        lines += [f"No ranked strategy of these results is in the {ARCHIVE_VERSION} archive: the ΔAUBC comparison is {NOT_MEASURED}.", ""]
    t = a.datasets
    if len(t):
        lines += [
            f"Reliance of random sampling's models. {ARCHIVE_VERSION} measured *imbalance* (distance of the Shapley shares from equal "
            "shares) and the *utilization gap* (distance from the asymptotic ground-truth shares); "
            f"{data.board.benchmark_version} judges reliance against what the same number of labels supports (*over-reliance*). "
            "Datasets are paired by name (1.0.0's difficulty-gap continues as information-gap); a redesigned dataset of the same "
            "name is a different dataset, so compare the measures within a release first.",
            "",
            _table(
                [[r["old_dataset"], r["dataset"], *(_num(r[c], ".3f") for c in ("old_imbalance", "old_utilization_gap", "new_imbalance",
                  "new_truth_gap", "new_over_reliance")), f"{r['settings_over']} of {r['settings_measured']}" if r["settings_measured"] else "n/a",
                  _ci(r["excess_gap"], r["excess_gap_low"], r["excess_gap_high"], "+.3f")] for _, r in t.iterrows()],  # fmt: skip
                [f"{old} dataset", f"{new} dataset", f"{old} imbalance", f"{old} utilization gap", f"{new} imbalance", f"{new} truth gap",
                 f"{new} over-reliance", "Budgets over-relying (claim 1)", "Truth gap − over-reliance [95% CI]"],  # fmt: skip
            ),
            "",
        ]
        both = t[t["excess_side"] != NA]
        if len(both):
            misled = both[both["excess_side"] == ABOVE]["dataset"]
            under = both[both["excess_side"] == BELOW]["dataset"]
            lines += [
                f"The last column pairs, per seed, the distance to the asymptotic shares (1.0.0's utilization gap, measured on the "
                f"{data.board.benchmark_version} runs) with the distance to what the same labels support (95% t-interval over seeds). "
                f"On {len(misled)} of {len(both)} paired datasets it is above 0: there 1.0.0's measure counted a finite-sample limit "
                f"as model bias ({', '.join(misled) or 'none'}); on {len(under)} it is below 0 ({', '.join(under) or 'none'}).",
                "",
            ]
        else:
            lines += [f"The paired comparison of the two measures is {NOT_MEASURED} (no over-reliance, or fewer than two seeds).", ""]
    return lines


def _purchases(title: str, rows: pd.DataFrame, what: str) -> list[str]:
    lines = [f"### {title}", ""]
    if rows.empty:
        return lines + [f"{what.capitalize()}: {NOT_MEASURED} (no dataset in them has such pool rows, or no ranked strategies).", ""]
    lines += [
        _table(
            [[r["dataset"], f"`{r['strategy']}`", _ci(r["rate"], r["low"], r["high"], ".2f"), VS_POOL[r["side"]],
              "baseline" if r["strategy"] == BASELINE else _ci(r["delta"], r["delta_low"], r["delta_high"]),
              "—" if r["strategy"] == BASELINE else VS_RANDOM[r["delta_side"]]] for _, r in rows.iterrows()],  # fmt: skip
            ["Dataset", "Strategy", "Bought / pool rate [95% CI]", "Buys", "ΔAUBC [95% CI]", "Cost"],
        ),
        "",
    ]
    for dataset, part in rows.groupby("dataset", sort=True):
        part = part[part["strategy"] != BASELINE]
        if not (part["side"] != NA).any():
            lines += [f"On {dataset}, whether strategies buy {what} above the pool's rate is {NOT_MEASURED} (fewer than two seeds); "
                      "the table gives the point estimates.", ""]  # fmt: skip
            continue
        above = part[part["side"] == ABOVE]
        hurt = above[above["delta_side"] == BELOW]["strategy"]
        lines += [
            f"On {dataset}, {len(above)} of {len(part)} strategies buy {what} above the pool's rate ({_names(above['strategy'])}), "
            f"{int((part['side'] == BELOW).sum())} below it ({_names(part.loc[part['side'] == BELOW, 'strategy'])}); of those buying "
            f"more, {len(hurt)} are worse than random there ({_names(hurt)}).",
            "",
        ]
    return lines


def _missing(data: FindingsData) -> list[str]:
    t = data.missing
    lines = ["## Missing modalities", ""]
    if t.empty:
        return lines + [f"Bought missingness and class-mix skew: {NOT_MEASURED} (no missing-modality dataset with ranked strategies).", ""]
    lines += [
        "Bought missingness = mean share of bought rows with a modality missing / the pool's share (1 = the pool's rate); "
        "class-mix skew = total-variation distance of the bought labels' class mix from the pool's; 95% t-intervals over seeds, "
        "the skew paired with random's on the same seeds.",
        "",
        _table(
            [[r["dataset"], f"`{r['strategy']}`", _ci(r["missing_rate"], r["missing_low"], r["missing_high"], ".2f"), VS_POOL[r["missing_side"]],
              _ci(r["class_tv"], r["tv_low"], r["tv_high"], ".3f"),
              "baseline" if r["strategy"] == BASELINE else _ci(r["tv_vs_random"], r["tv_vs_random_low"], r["tv_vs_random_high"], "+.3f")]
             for _, r in t.iterrows()],  # fmt: skip
            ["Dataset", "Strategy", "Bought missingness [95% CI]", "Buys missing", "Class-mix TV [95% CI]", "TV − random's [95% CI]"],
        ),
        "",
    ]
    for dataset, part in t.groupby("dataset", sort=True):
        part = part[part["strategy"] != BASELINE]
        if not ((part["missing_side"] != NA) | (part["tv_side"] != NA)).any():
            lines += [f"On {dataset}, bought missingness and class-mix skew against the pool and random are {NOT_MEASURED} "
                      "(fewer than two seeds); the table gives the point estimates.", ""]  # fmt: skip
            continue
        more, less = part[part["missing_side"] == ABOVE]["strategy"], part[part["missing_side"] == BELOW]["strategy"]
        skew = part[part["tv_side"] == ABOVE]["strategy"]
        lines += [
            f"On {dataset}, {len(more)} of {len(part)} strategies buy rows with a missing modality above the pool's rate ({_names(more)}), "
            f"{len(less)} below it ({_names(less)}); {len(skew)} skew the class mix more than random ({_names(skew)}).",
            "",
        ]
    return lines


def _cost(data: FindingsData) -> list[str]:
    t, b = data.cost, data.board
    lines = ["## Cost", ""]
    if t.empty:
        return lines + [f"Accuracy per CPU-second and per joule: {NOT_MEASURED} (no ranked strategies beside random).", ""]
    lines += [
        "Gain = raw ΔAUBC vs random (accuracy, hierarchical bootstrap CI); cost = query CPU-seconds and energy per run (the "
        f"leaderboard's cost columns / runs). Energy: {b.energy_method}. A ratio is given only where the gain's CI excludes 0.",
        "",
        _table(
            [[f"`{s}`", _ci(r["gain"], r["gain_low"], r["gain_high"]), _num(r["cpu_seconds_per_run"], ".3g"), _num(r["joules_per_run"], ".3g"),
              _num(r["gain_per_cpu_second"], ".3g"), _num(1000 * r["gain_per_joule"], ".3g")] for s, r in t.iterrows()],  # fmt: skip
            ["Strategy", "Gain [95% CI]", "Query CPU-s / run", "Joules / run", "Gain per CPU-s", "Gain per kJ"],
        ),
        "",
    ]
    ratios = t["gain_per_cpu_second"].dropna()
    positive = ratios[ratios > 0]
    if len(positive):
        best = positive.sort_index().sort_values(ascending=False, kind="stable").index[0]
        lines += [f"Most accuracy per query CPU-second among strategies with a measurable gain: `{best}` ({_num(positive[best], '.3g')} per CPU-s).", ""]
    else:
        lines += ["No strategy has both a measurable positive gain and a recorded query CPU time, so none buys accuracy per CPU-second here.", ""]
    lines += [f"{int(t['gain_per_cpu_second'].isna().sum())} of {len(t)} strategies have no ratio (no measurable gain, or no cost recorded).", ""]
    return lines


def _threats(data: FindingsData) -> list[str]:
    f, frame = data.facts, data.frame
    observed = frame["seed"].nunique()
    lines = ["## Threats to validity", ""]
    if not f.registered:
        return lines + [f"The suite `{data.board.suite}` is not defined in this package: its model, datasets and budgets are {NOT_MEASURED}.", ""]
    kinds = ", ".join(f"{n} {k}" for k, n in f.kinds.items())
    lines += [
        f"*Model.* Every number comes from one small model: per-modality MLP encoders ({'/'.join(map(str, f.hidden_sizes))} hidden "
        f"units, {f.embed_dim}-dim embeddings), {f.fusion} fusion with a {f.fusion_hidden}-unit interaction block, retrained from "
        "scratch each round. Strategies that need a larger or pretrained model may rank differently with one. "
        f"*Data.* The suite's {f.n_datasets} datasets ({kinds}) are fixed-length feature vectors; synthetic features isolate one "
        "pitfall each but are not images, text or audio, and how far the findings carry to real encoders is not tested here. "
        f"*Budgets.* Final budgets span {f.min_budget}–{f.max_budget} labels over the regimes {', '.join(f.regimes)}, "
        + ("calibrated per dataset from random sampling's learning curve — itself an estimate, so a regime can sit nearer "
           "saturation than intended. " if f.calibrated else "fixed for every dataset (not calibrated), so a regime may be "
           "unlearnable or saturated on some datasets. ")  # fmt: skip
        + f"*Seeds.* The suite defines {len(f.seeds)} seeds per setting; these results hold {observed}. Intervals over "
        "datasets are wide with this few datasets, and per-setting intervals are not corrected for multiplicity.",
        "",
    ]
    return lines


def render_findings(data: FindingsData, command: str) -> str:
    """The Markdown text of FINDINGS.md for ``data``; ``command`` is the line that regenerates it."""
    corrupted_title, noisy_title = "Corrupted modalities", "Mislabelled rows"
    lines = (
        _header(data, command)
        + _headline(data)
        + ["## The three claims of *Mind the Gap*, re-examined", ""]
        + _claim1(data)
        + _claim2(data)
        + _claim3(data)
        + _archive(data)
        + ["## Noisy data", "",
           "Bought / pool rate = mean share of a batch's rows that are corrupted (or mislabelled) / the pool's share (1 = the pool's "
           "rate; 95% t-interval over seeds); cost = ΔAUBC vs random on that dataset (hierarchical bootstrap, same units as the "
           "headline).", ""]  # fmt: skip
        + _purchases(corrupted_title, data.corrupted, "corrupted rows")
        + _purchases(noisy_title, data.noisy_labels, "mislabelled rows")
        + _missing(data)
        + _cost(data)
        + _threats(data)
    )
    while lines and lines[-1] == "":
        lines.pop()
    return portable("\n".join(lines) + "\n")


def portable(text: str) -> str:
    """``text`` with the repository's absolute path removed (reasons quote file paths), so the same
    results give the same bytes in every checkout."""
    from mmal_bench.paths import REPO_ROOT

    return text.replace(f"{REPO_ROOT}{os.sep}", "")
