"""The same results read with 2.0.0's measures and with 3.0.0's, side by side (FINDINGS' archive section).

Headline: 2.0.0 divides each regime's ΔAUBC by its own random→full-pool gap and ranks by all-pairs
Wilcoxon–Holm; 3.0.0 divides by the dataset's mean gap (regimes weigh equally) and ranks by the
pre-registered Bayesian verdicts vs random. Reliance: 2.0.0 compares the model's Shapley shares with
main-effect shares of the unimodal references; 3.0.0 with the Shapley shares of the reference game
(`harness.metrics.reference_game_shares`), under a 3-SE noise floor. The Bayes model shows what each
measure reads where the true answer is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmal_bench.harness.metrics import over_reliance_in_one_game, shapley_shares, shapley_values, supported_shares
from mmal_bench.harness.results import CellResult
from mmal_bench.leaderboard.bootstrap import BASELINE, N_BOOT, deltas, headline
from mmal_bench.leaderboard.cell_metrics import modality_order
from mmal_bench.leaderboard.findings import NA, side
from mmal_bench.leaderboard.rank_groups import baseline_scores
from mmal_bench.leaderboard.reference import Reference
from mmal_bench.leaderboard.scoring import Scoreboard, regime_key
from mmal_bench.leaderboard.stats import t_interval
from mmal_bench.leaderboard.verdicts import contrasts, verdict_ranks


@dataclass(frozen=True)
class MeasuresComparison:
    """The tables of the side-by-side (empty, with ``reason``, when the board ranks nothing)."""

    #: index strategy: old_rank (all-pairs groups), old_mean/low/high/side (gap per regime), old_verdict
    #: (the Bayesian test on that headline), new_mean/low/high (gap per dataset), new_verdict, p_better,
    #: p_equivalent, p_worse, new_rank.
    strategies: pd.DataFrame
    #: dataset, regime, modality, old/new signed over-reliance of random's model (mean, low, high, side,
    #: n): main-effect reference vs reference game; old_na / new_na: rounds without shares (0.02 vs 3 SE).
    reliance: pd.DataFrame
    #: dataset, old (main-effect over-reliance of the Bayes model, largest modality), new (one game).
    bayes: pd.DataFrame
    reason: str = ""


def compare_measures(
    board: Scoreboard, frame: pd.DataFrame, metrics: pd.DataFrame, results: Iterable[CellResult], reference: Reference, n_boot: int = N_BOOT
) -> MeasuresComparison:
    """2.0.0's and 3.0.0's measures on the same cells (see the module docstring)."""
    if board.headline is None or board.contrasts is None or board.headline.gap_per == "dataset" or len(board.full_pool) != len(board.datasets):
        why = "the board ranks nothing" if board.headline is None else "these results are read with 3.0.0's measures already, or have no calibration"
        return MeasuresComparison(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), reason=why)
    ranked = frame[frame["strategy"].isin(board.overall.index)]
    d = deltas(ranked, board.full_pool, gap_per="dataset")
    new_head = headline(d, n_boot=n_boot).table
    order = [s for s in new_head.index if s != BASELINE]
    c = contrasts(baseline_scores(d.table), BASELINE, families=board.families, order=order)
    rank, label = verdict_ranks(c.table["verdict"].to_dict(), list(new_head.index))
    old_head, groups = board.headline.table, board.rank_groups
    rows = {}
    for s in board.overall.index:
        base = s == BASELINE
        o, n = old_head.loc[s], new_head.loc[s]
        rows[s] = {
            "old_rank": groups.label(s),
            "old_mean": o["mean"], "old_low": o["low"], "old_high": o["high"], "old_side": NA if base else side(o["low"], o["high"]),
            "old_verdict": "" if base else str(board.contrasts.table.loc[s, "verdict"]),
            "new_mean": n["mean"], "new_low": n["low"], "new_high": n["high"],
            "new_verdict": "" if base else str(c.table.loc[s, "verdict"]),
            **{k: (np.nan if base else float(c.table.loc[s, k])) for k in ("p_better", "p_equivalent", "p_worse")},
            "new_rank": str(label[s]),
            "new_rank_value": int(rank[s]),
        }  # fmt: skip
    strategies = pd.DataFrame.from_dict(rows, orient="index")
    strategies = strategies.loc[sorted(strategies.index, key=lambda s: (strategies.loc[s, "new_rank_value"], -strategies.loc[s, "new_mean"], s))]
    return MeasuresComparison(strategies.drop(columns="new_rank_value"), _reliance(metrics), _bayes(results, reference))


def _reliance(metrics: pd.DataFrame) -> pd.DataFrame:
    """Random's model per (dataset, regime): signed over-reliance on the first modality, both measures."""
    rows = []
    part = metrics[metrics["strategy"] == BASELINE]
    for (dataset, regime), group in part.groupby(["dataset", "regime"], sort=True):
        modality = next(iter(group["over_reliance_by_modality"].iloc[0]))
        row = {"dataset": dataset, "regime": regime, "modality": modality}
        for prefix, column in (("old", "over_reliance_by_modality"), ("new", "over_reliance_game_by_modality")):
            values = np.array([v[modality] for v in group[column]], dtype=np.float64)
            iv = t_interval(values[np.isfinite(values)])
            row.update({f"{prefix}_mean": iv.mean, f"{prefix}_low": iv.low, f"{prefix}_high": iv.high, f"{prefix}_side": side(iv.low, iv.high), f"{prefix}_n": iv.n})
        rounds = group["n_rounds"].sum()
        row["old_na"] = float(group["shares_na_rounds"].sum() / rounds) if rounds else np.nan
        row["new_na"] = float(group["shares_na_se_rounds"].sum() / rounds) if rounds else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.iloc[sorted(range(len(out)), key=lambda i: (out.loc[i, "dataset"], regime_key(out.loc[i, "regime"])))].reset_index(drop=True)


def bayes_over_reliance(result: CellResult, chance: float) -> tuple[float, float]:
    """(main-effect measure, one-game measure) of the Bayes model of ``result``'s dataset, on its most
    over-weighted modality: the ground-truth subset accuracies play the model *and* the references.

    The one-game measure is 0 by construction (the model's game is the reference game); the main-effect
    one reads the Bayes model's interaction share as over-reliance. NaN for more than two modalities.
    """
    modalities = modality_order(result)
    if len(modalities) != 2:
        return float("nan"), float("nan")
    first = result.rounds[0]
    empty = first.subset_accuracy["+".join(modalities)] - sum(first.shapley.values())
    truth = result.ground_truth
    phi = shapley_values(truth, modalities, empty)
    bayes_shares = shapley_shares([phi[m] for m in modalities])
    old = bayes_shares - supported_shares([truth[m] for m in modalities], chance, 1e-12)
    new = over_reliance_in_one_game(truth, modalities, [truth[m] for m in modalities], truth["+".join(modalities)], empty, 1e-12)
    if np.isnan(old).all():  # no main effect at all (synergy): the 2.0.0 measure is undefined there
        return float("nan"), float(new[0])
    j = int(np.nanargmax(np.abs(old)))
    return float(old[j]), float(new[j])


def _bayes(results: Iterable[CellResult], reference: Reference) -> pd.DataFrame:
    seen: dict[str, CellResult] = {}
    for r in results:
        seen.setdefault(f"{r.provenance.dataset}@{r.provenance.dataset_version}", r)
    rows = []
    for dataset, r in sorted(seen.items()):
        chance = reference.lookup(reference.chance, dataset)
        if chance is None:
            continue
        old, new = bayes_over_reliance(r, chance)
        rows.append({"dataset": dataset, "old": old, "new": new})
    return pd.DataFrame(rows, columns=["dataset", "old", "new"])
