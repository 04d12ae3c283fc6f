"""1.0.0 beside this release: the archived suite's headline and reliance figures next to the current
ones, for the strategies and datasets both have (FINDINGS.md's "where 1.0.0's measures misled").

The archived per-cell AUBC table goes through the same `deltas` / `headline` / `rank_groups` as the
current results (as `table_report` does for the archive's statistics.md); beside it stand the figures
1.0.0 published for the same cells (its rendered board's ``leaderboard.csv``: seed-only intervals and
mean ranks), so a reader sees what the inference changed on identical data before what the suite
changed. 1.0.0's reliance figures are the summaries its random-sampling result files recorded
(imbalance, utilization gap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mmal_bench.leaderboard.bootstrap import BASELINE, N_BOOT, headline
from mmal_bench.leaderboard.bootstrap import deltas as delta_table
from mmal_bench.leaderboard.findings import side
from mmal_bench.leaderboard.rank_groups import dataset_scores, rank_groups
from mmal_bench.leaderboard.scoring import Scoreboard
from mmal_bench.leaderboard.stats import paired_difference

ARCHIVE_VERSION = "1.0.0"
#: 1.0.0 datasets that continue, unchanged, under another name (see the entries in mmal_bench/data/suite.py);
#: every other 1.0.0 dataset is paired with the current dataset of the same name, if the results have one.
RENAMED = {"difficulty-gap": "information-gap"}
#: The archived rendered board (under the archive folder) whose overall rows are 1.0.0's published figures.
PUBLISHED_BOARD = f"{ARCHIVE_VERSION}-leaderboard/leaderboard.csv"


@dataclass(frozen=True)
class ArchiveComparison:
    """The side-by-side tables (empty, with ``reason``, when there is no archive to compare with)."""

    #: index strategy: pub_mean/low/high/side/rank (as 1.0.0 published them; NaN / "" without its board),
    #: old_mean/low/high/side/rank (1.0.0 cells, hierarchical), new_mean/low/high/side (raw), new_rank.
    strategies: pd.DataFrame
    #: old_dataset, dataset, old_imbalance, old_utilization_gap, new_imbalance, new_truth_gap,
    #: new_over_reliance, settings_over (regimes whose over-reliance CI is above 0), settings_measured.
    datasets: pd.DataFrame
    old_cells: int = 0
    reason: str = ""


def archive_comparison(
    archive: Path | None,
    suite: str,
    board: Scoreboard,
    frame: pd.DataFrame,
    metrics: pd.DataFrame,
    raw_headline: pd.DataFrame | None,
    reliance: pd.DataFrame,
    n_boot: int = N_BOOT,
) -> ArchiveComparison:
    """Compare the archived 1.0.0 suite under ``archive`` with the current board.

    Parameters
    ----------
    archive: the committed results folder holding ``1.0.0-<suite>-aubc.csv``, ``1.0.0/<suite>/`` and, for the
        published figures, ``1.0.0-leaderboard/leaderboard.csv``.
    suite: the suite both releases ran.
    board, frame, metrics: the current scoreboard, its `cells_frame` and `cell_metrics_frame`.
    raw_headline: the current raw (un-normalised) ΔAUBC headline table, same units as 1.0.0's.
    reliance: `model_over_reliance` of the current results (per dataset and regime, under random).
    n_boot: bootstrap replicates of the 1.0.0 headline.

    Returns
    -------
    `ArchiveComparison`; its ``reason`` says why a table is empty.
    """
    empty = ArchiveComparison(pd.DataFrame(), pd.DataFrame())
    if archive is None:
        return ArchiveComparison(empty.strategies, empty.datasets, reason="no 1.0.0 archive was given")
    csv = Path(archive) / f"{ARCHIVE_VERSION}-{suite}-aubc.csv"
    if not csv.is_file():
        return ArchiveComparison(empty.strategies, empty.datasets, reason=f"no archived {ARCHIVE_VERSION} table {csv}")
    cells = pd.read_csv(csv)
    strategies = _strategies(cells, board, raw_headline, n_boot, _published(Path(archive) / PUBLISHED_BOARD))
    datasets = _datasets(Path(archive) / ARCHIVE_VERSION / suite, cells, board, frame, metrics, reliance)
    reason = "" if len(strategies) or len(datasets) else f"no strategy or dataset of {csv} is in these results"
    return ArchiveComparison(strategies, datasets, old_cells=len(cells), reason=reason)


def _published(path: Path) -> pd.DataFrame:
    """1.0.0's overall rows as its board published them (index strategy: mean, low, high, rank); empty
    when the archived board is not there."""
    if not path.is_file():
        return pd.DataFrame(columns=["mean", "low", "high", "rank"])
    rows = pd.read_csv(path)
    rows = rows[rows["scope"] == "overall"].set_index("strategy")
    return pd.DataFrame({"mean": rows["delta_aubc"], "low": rows["delta_aubc_low"], "high": rows["delta_aubc_high"], "rank": rows["rank"]})


def _strategies(cells: pd.DataFrame, board: Scoreboard, raw_headline: pd.DataFrame | None, n_boot: int, published: pd.DataFrame) -> pd.DataFrame:
    columns = ["pub_mean", "pub_low", "pub_high", "pub_side", "pub_rank",
               "old_mean", "old_low", "old_high", "old_side", "old_rank", "new_mean", "new_low", "new_high", "new_side", "new_rank"]  # fmt: skip
    if raw_headline is None or board.rank_groups is None:
        return pd.DataFrame(columns=columns)
    d = delta_table(cells[["strategy", "dataset", "regime", "seed", "aubc"]])
    old = headline(d, n_boot=n_boot).table
    with_base = pd.concat([d.table, d.table.drop_duplicates(["dataset", "regime", "seed"]).assign(strategy=BASELINE, delta=0.0)])
    old_groups = rank_groups(dataset_scores(with_base), old["mean"])
    rows = {}
    for s in board.rank_groups.ranks.index:
        if s == BASELINE or s not in old.index:
            continue
        o, n = old.loc[s], raw_headline.loc[s]
        p = published.loc[s] if s in published.index else pd.Series({"mean": np.nan, "low": np.nan, "high": np.nan, "rank": np.nan})
        rows[s] = [p["mean"], p["low"], p["high"], side(p["low"], p["high"]), f"{p['rank']:.0f}" if np.isfinite(p["rank"]) else "",
                   o["mean"], o["low"], o["high"], side(o["low"], o["high"]), old_groups.label(s),
                   n["mean"], n["low"], n["high"], side(n["low"], n["high"]), board.rank_groups.label(s)]  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def _datasets(
    folder: Path, cells: pd.DataFrame, board: Scoreboard, frame: pd.DataFrame, metrics: pd.DataFrame, reliance: pd.DataFrame
) -> pd.DataFrame:
    columns = ["old_dataset", "dataset", "old_imbalance", "old_utilization_gap", "new_imbalance", "new_truth_gap",
               "new_over_reliance", "settings_over", "settings_measured", "excess_gap", "excess_gap_low", "excess_gap_high", "excess_side"]  # fmt: skip
    current = {ref.partition("@")[0]: ref for ref in board.datasets}
    rows = []
    for old_ref in sorted(cells["dataset"].unique()):
        new_ref = current.get(RENAMED.get(old_ref.partition("@")[0], old_ref.partition("@")[0]))
        if new_ref is None:
            continue
        summaries = [json.loads(p.read_text(encoding="utf-8"))["summary"] for p in sorted((folder / old_ref).glob(f"*/{BASELINE}/seed-*.json"))]
        old_imb = float(np.mean([s["mean_imbalance"] for s in summaries])) if summaries else np.nan
        old_gap = float(np.mean([s["mean_utilization_gap"] for s in summaries])) if summaries else np.nan
        mine = metrics[(metrics["strategy"] == BASELINE) & (metrics["dataset"] == new_ref)]
        runs = frame[(frame["strategy"] == BASELINE) & (frame["dataset"] == new_ref)]
        settings = reliance[reliance["dataset"] == new_ref]
        measured = settings[settings["side"] != "n/a"]
        # Per seed (mean over regimes): truth gap − over-reliance, paired, where both are defined.
        per_seed = mine.groupby("seed")[["truth_gap", "over_reliance"]].mean().dropna()
        gap = paired_difference(per_seed["truth_gap"].to_numpy(), per_seed["over_reliance"].to_numpy())
        rows.append([
            old_ref, new_ref, old_imb, old_gap,
            float(runs["imbalance"].mean()) if len(runs) else np.nan,
            float(mine["truth_gap"].mean()) if mine["truth_gap"].notna().any() else np.nan,
            float(mine["over_reliance"].mean()) if mine["over_reliance"].notna().any() else np.nan,
            int((measured["side"] == "above").sum()), len(measured),
            gap.mean, gap.low, gap.high, side(gap.low, gap.high),
        ])  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
