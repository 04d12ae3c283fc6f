"""The previous release beside this one (1.0.0 beside 2.0.0, 2.0.0 beside 3.0.0): the archived
suite's headline and reliance figures next to the current ones, for the strategies and datasets both
have (FINDINGS.md's "where <previous>'s measures misled").

The archived per-cell AUBC table goes through the same `deltas` / `headline` / `rank_groups` as the
current results (as `table_report` does for the archive's statistics.md); beside it stand the figures
the archived release published for the same cells (its rendered board's ``leaderboard.csv``: seed-only intervals and
mean ranks), so a reader sees what the inference changed on identical data before what the suite
changed. The archived release's reliance figures are the summaries its random-sampling result files recorded
(imbalance, utilization gap).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from mmal_bench.leaderboard.bootstrap import BASELINE, N_BOOT, headline
from mmal_bench.leaderboard.bootstrap import deltas as delta_table
from mmal_bench.leaderboard.findings import side
from mmal_bench.leaderboard.rank_groups import baseline_scores, rank_groups
from mmal_bench.leaderboard.scoring import Scoreboard
from mmal_bench.leaderboard.stats import paired_difference

#: Each benchmark version's previous release: the archive its findings are compared with.
PREVIOUS_RELEASE = {"2.0.0": "1.0.0", "3.0.0": "2.0.0"}
#: Archived datasets that continue, unchanged, under another name (see the entries in mmal_bench/data/suite.py);
#: every other archived dataset is paired with the current dataset of the same name, or with the
#: variants of its family (3.0.0: ``balanced`` → ``balanced-v1``, ``balanced-v2``), if the results have them.
RENAMED = {"1.0.0": {"difficulty-gap": "information-gap"}}


def archive_version(benchmark_version: str) -> str:
    """The release results of ``benchmark_version`` are compared with (its previous release)."""
    return PREVIOUS_RELEASE.get(benchmark_version, "1.0.0")


def published_board(version: str) -> str:
    """The archived rendered board (under the archive folder) whose overall rows are ``version``'s published figures."""
    return f"{version}-leaderboard/leaderboard.csv"


@dataclass(frozen=True)
class ArchiveComparison:
    """The side-by-side tables (empty, with ``reason``, when there is no archive to compare with)."""

    #: index strategy: pub_mean/low/high/side/rank/verdict/p_better (as the archived release published them; NaN / "" without its board),
    #: old_mean/low/high/side/rank (archived cells, hierarchical), new_mean/low/high/side (raw), new_rank.
    strategies: pd.DataFrame
    #: old_dataset, dataset, old_imbalance, old_utilization_gap, new_imbalance, new_truth_gap,
    #: new_over_reliance, settings_over (regimes whose over-reliance CI is above 0), settings_measured.
    datasets: pd.DataFrame
    old_cells: int = 0
    reason: str = ""
    #: The archived release compared with.
    version: str = "1.0.0"


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
    """Compare the archived previous release (`archive_version`) under ``archive`` with the current board.

    Parameters
    ----------
    archive: the committed results folder holding ``<old>-<suite>-aubc.csv``, ``<old>/<suite>/`` and, for the
        published figures, ``<old>-leaderboard/leaderboard.csv``.
    suite: the suite both releases ran.
    board, frame, metrics: the current scoreboard, its `cells_frame` and `cell_metrics_frame`.
    raw_headline: the current raw (un-normalised) ΔAUBC headline table, same units as the archive's.
    reliance: `model_over_reliance` of the current results (per dataset and regime, under random).
    n_boot: bootstrap replicates of the archived headline.

    Returns
    -------
    `ArchiveComparison`; its ``reason`` says why a table is empty.
    """
    version = archive_version(board.benchmark_version)
    empty = ArchiveComparison(pd.DataFrame(), pd.DataFrame(), version=version)
    if archive is None:
        return replace(empty, reason=f"no {version} archive was given")
    csv = Path(archive) / f"{version}-{suite}-aubc.csv"
    if not csv.is_file():
        return replace(empty, reason=f"no archived {version} table {csv}")
    cells = pd.read_csv(csv)
    strategies = _strategies(cells, board, raw_headline, n_boot, _published(Path(archive) / published_board(version)))
    datasets = _datasets(Path(archive) / version / suite, cells, board, frame, metrics, reliance, RENAMED.get(version, {}))
    reason = "" if len(strategies) or len(datasets) else f"no strategy or dataset of {csv} is in these results"
    return ArchiveComparison(strategies, datasets, old_cells=len(cells), reason=reason, version=version)


def _published(path: Path) -> pd.DataFrame:
    """The archived release's overall rows as its board published them (index strategy: mean, low,
    high, rank, and its Bayesian verdict and P(better) where it published one); empty when the
    archived board is not there."""
    if not path.is_file():
        return pd.DataFrame(columns=["mean", "low", "high", "rank", "verdict", "p_better"])
    rows = pd.read_csv(path)
    rows = rows[rows["scope"] == "overall"].set_index("strategy")
    verdict = rows["verdict"] if "verdict" in rows else pd.Series("", index=rows.index)
    p_better = rows["p_better"] if "p_better" in rows else pd.Series(np.nan, index=rows.index)
    return pd.DataFrame(
        {"mean": rows["delta_aubc"], "low": rows["delta_aubc_low"], "high": rows["delta_aubc_high"], "rank": rows["rank"],
         "verdict": verdict.fillna("").astype(str), "p_better": p_better}  # fmt: skip
    )


def _strategies(cells: pd.DataFrame, board: Scoreboard, raw_headline: pd.DataFrame | None, n_boot: int, published: pd.DataFrame) -> pd.DataFrame:
    columns = ["pub_mean", "pub_low", "pub_high", "pub_side", "pub_rank", "pub_verdict", "pub_p_better",
               "old_mean", "old_low", "old_high", "old_side", "old_rank", "new_mean", "new_low", "new_high", "new_side", "new_rank"]  # fmt: skip
    if raw_headline is None or board.rank_groups is None:
        return pd.DataFrame(columns=columns)
    d = delta_table(cells[["strategy", "dataset", "regime", "seed", "aubc"]])
    old = headline(d, n_boot=n_boot).table
    old_groups = rank_groups(baseline_scores(d.table), old["mean"])
    rows = {}
    for s in board.rank_groups.ranks.index:
        if s == BASELINE or s not in old.index:
            continue
        o, n = old.loc[s], raw_headline.loc[s]
        p = published.loc[s] if s in published.index else pd.Series({"mean": np.nan, "low": np.nan, "high": np.nan, "rank": np.nan, "verdict": "", "p_better": np.nan})
        rank = f"{p['rank']:.0f}" if isinstance(p["rank"], (int, float)) and np.isfinite(p["rank"]) else str(p["rank"]) if isinstance(p["rank"], str) else ""
        rows[s] = [p["mean"], p["low"], p["high"], side(p["low"], p["high"]), rank, p["verdict"], p["p_better"],
                   o["mean"], o["low"], o["high"], side(o["low"], o["high"]), old_groups.label(s),
                   n["mean"], n["low"], n["high"], side(n["low"], n["high"]), board.rank_groups.label(s)]  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def _paired(old_name: str, current: dict[str, str], renamed: dict[str, str]) -> list[str]:
    """The current datasets an archived dataset ``old_name`` continues as: the same (or renamed) name,
    else the variants of its family (``<name>-v<k>``)."""
    name = renamed.get(old_name, old_name)
    if name in current:
        return [current[name]]
    return [ref for n, ref in sorted(current.items()) if n.startswith(f"{name}-v") and n[len(name) + 2 :].isdigit()]


def _datasets(
    folder: Path, cells: pd.DataFrame, board: Scoreboard, frame: pd.DataFrame, metrics: pd.DataFrame, reliance: pd.DataFrame, renamed: dict[str, str]
) -> pd.DataFrame:
    columns = ["old_dataset", "dataset", "old_imbalance", "old_utilization_gap", "new_imbalance", "new_truth_gap",
               "new_over_reliance", "settings_over", "settings_measured", "excess_gap", "excess_gap_low", "excess_gap_high", "excess_side"]  # fmt: skip
    current = {ref.partition("@")[0]: ref for ref in board.datasets}
    rows = []
    for old_ref, new_ref in [(o, n) for o in sorted(cells["dataset"].unique()) for n in _paired(o.partition("@")[0], current, renamed)]:
        summaries = [json.loads(p.read_text(encoding="utf-8"))["summary"] for p in sorted((folder / old_ref).glob(f"*/{BASELINE}/seed-*.json"))]
        old_imb = float(np.mean([s["mean_imbalance"] for s in summaries])) if summaries else np.nan
        old_gap = float(np.mean([s["mean_utilization_gap"] for s in summaries])) if summaries else np.nan
        mine = metrics[(metrics["strategy"] == BASELINE) & (metrics["dataset"] == new_ref)]
        runs = frame[(frame["strategy"] == BASELINE) & (frame["dataset"] == new_ref)]
        settings = reliance[reliance["dataset"] == new_ref]
        measured = settings[settings["side"] != "n/a"]
        # Per seed (mean over regimes): truth gap − over-reliance, paired, where both are defined.
        # distances on both sides (3.0.0's over_reliance column is signed): the one-game distance
        per_seed = mine.groupby("seed")[["truth_gap", "over_reliance_game"]].mean().dropna()
        gap = paired_difference(per_seed["truth_gap"].to_numpy(), per_seed["over_reliance_game"].to_numpy())
        rows.append([
            old_ref, new_ref, old_imb, old_gap,
            float(runs["imbalance"].mean()) if len(runs) else np.nan,
            float(mine["truth_gap"].mean()) if mine["truth_gap"].notna().any() else np.nan,
            float(mine["over_reliance_game"].mean()) if mine["over_reliance_game"].notna().any() else np.nan,
            int((measured["side"] == "above").sum()), len(measured),
            gap.mean, gap.low, gap.high, side(gap.low, gap.high),
        ])  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
