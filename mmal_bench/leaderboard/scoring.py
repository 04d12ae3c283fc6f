"""Scores of a leaderboard: per (dataset, regime) tables, overall ranks, win/tie/loss matrix, completeness.

Pure functions of verified result files (`LoadedResults`); nothing is averaged over missing cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mmal_bench.harness.metrics import shapley_shares, shapley_values
from mmal_bench.harness.results import CellResult
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.loading import LoadedResults
from mmal_bench.leaderboard.stats import ALPHA, pairwise_outcomes, paired_difference, ranks_descending, t_interval

#: The strategy every other one is compared with (paired, same seeds).
BASELINE = "random"

#: (dataset ref "name@version", regime, seed): one cell of the suite grid, strategy aside.
GridCell = tuple[str, str, int]


@dataclass(frozen=True)
class Curves:
    """Mean learning curve and modality shares per round of one strategy in one group (over its seeds)."""

    n_labeled: np.ndarray  # (R,)
    accuracy: np.ndarray  # (R,)
    shares: dict[str, np.ndarray]  # modality -> (R,) mean Shapley share


@dataclass(frozen=True)
class GroupScore:
    """One (dataset, regime) table: a row per strategy that has every seed of the group."""

    dataset: str  # "name@version"
    regime: str
    seeds: tuple[int, ...]
    fingerprint: str
    protocol_hash: str
    modalities: tuple[str, ...]
    table: pd.DataFrame  # indexed by strategy, see `_group_table`
    curves: dict[str, Curves]
    #: Shapley shares that the data supports (ground-truth subset accuracies under the same game).
    truth_shares: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.dataset} / {self.regime}"


@dataclass(frozen=True)
class Scoreboard:
    """Everything the renderers show; built by `score` only."""

    suite: str
    benchmark_version: str
    datasets: dict[str, str]  # ref -> fingerprint
    groups: tuple[GroupScore, ...]
    overall: pd.DataFrame  # ranked strategies, sorted by rank
    wins: pd.DataFrame  # wins[a][b]: groups where a significantly beats b (row a, column b)
    ties: pd.DataFrame
    missing: dict[str, tuple[GridCell, ...]]  # unranked strategy -> its missing cells
    n_results: int = 0
    catalog: Mapping[str, StrategyInfo] = field(default_factory=dict)
    source_hashes: dict[str, str] = field(default_factory=dict)


def cells_frame(results: Iterable[CellResult]) -> pd.DataFrame:
    """One row per result file with the per-run summary figures (the unit every statistic starts from)."""
    rows = []
    for r in results:
        p = r.provenance
        q = [rd.query_seconds for rd in r.rounds if rd.query_seconds is not None]
        rows.append(
            {
                "dataset": f"{p.dataset}@{p.dataset_version}",
                "regime": p.regime,
                "seed": p.seed,
                "strategy": p.strategy,
                "aubc": r.summary.aubc,
                "final_accuracy": r.summary.final_accuracy,
                "imbalance": r.summary.mean_imbalance,
                "utilization_gap": r.summary.mean_utilization_gap,
                "query_seconds": tuple(q),
                "source_hash": p.strategy_source_hash,
            }
        )
    columns = ["dataset", "regime", "seed", "strategy", "aubc", "final_accuracy", "imbalance", "utilization_gap", "query_seconds", "source_hash"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["dataset", "regime", "strategy", "seed"], kind="stable").reset_index(drop=True)


def suite_grid(suite: str) -> set[GridCell]:
    """Every (dataset ref, regime, seed) cell of the registered suite ``suite`` (the completeness target)."""
    from mmal_bench.harness.suites import get_suite

    return {(p.dataset_ref, p.regime.name, int(s)) for p in get_suite(suite).protocols() for s in p.seeds}


def missing_cells(frame: pd.DataFrame, expected: Iterable[GridCell] | None = None) -> dict[str, tuple[GridCell, ...]]:
    """For every strategy, the grid cells it lacks (empty tuple: complete).

    ``expected`` is the suite's grid; by default the union of cells any strategy ran, so a strategy
    missing a seed that others have is caught even without the suite definition.
    """
    have = {(d, g, int(s)) for d, g, s in frame[["dataset", "regime", "seed"]].itertuples(index=False)}
    grid = set(expected) if expected is not None else have
    out: dict[str, tuple[GridCell, ...]] = {}
    for strategy, sub in frame.groupby("strategy", sort=True):
        own = {(d, g, int(s)) for d, g, s in sub[["dataset", "regime", "seed"]].itertuples(index=False)}
        out[str(strategy)] = tuple(sorted(grid - own))
    return out


def score(
    loaded: LoadedResults,
    catalog: Mapping[str, StrategyInfo] | None = None,
    *,
    expected: Iterable[GridCell] | None = None,
    alpha: float = ALPHA,
) -> Scoreboard:
    """Score verified results: group tables, overall ranking of complete strategies, win matrix.

    Ranking (per group, by mean AUBC over seeds, ties averaged) and the win matrix use only the
    strategies that have every cell of the grid; the others appear in the group tables where they
    have all of a group's seeds, and are listed with their missing cells.
    """
    catalog = dict(catalog or {})
    frame = cells_frame(loaded.results)
    grid = set(expected) if expected is not None else None
    missing = missing_cells(frame, grid)
    complete = sorted(s for s, cells in missing.items() if not cells)
    by_group = _index_results(loaded.results)

    groups = []
    group_ranks: dict[tuple[str, str], pd.Series] = {}
    group_samples: dict[tuple[str, str], pd.DataFrame] = {}
    grid_cells = grid if grid is not None else {(d, g, int(s)) for d, g, s in frame[["dataset", "regime", "seed"]].itertuples(index=False)}
    for (dataset, regime), sub in frame.groupby(["dataset", "regime"], sort=True):
        seeds = tuple(sorted({s for d, g, s in grid_cells if (d, g) == (dataset, regime)}))
        full = sorted(s for s, part in sub.groupby("strategy") if set(part["seed"]) >= set(seeds))
        sub = sub[sub["strategy"].isin(full) & sub["seed"].isin(seeds)]
        table = _group_table(sub, seeds)
        if sub.empty:
            aubc = pd.DataFrame(columns=list(seeds), index=pd.Index([], name="strategy"), dtype=np.float64)
        else:
            aubc = sub.pivot(index="strategy", columns="seed", values="aubc").loc[:, list(seeds)]
        group_samples[(dataset, regime)] = aubc
        ranked = [s for s in complete if s in aubc.index]
        group_ranks[(dataset, regime)] = pd.Series(ranks_descending(aubc.loc[ranked].mean(axis=1).to_numpy()), index=ranked)
        any_result = by_group[(dataset, regime)][0]
        groups.append(
            GroupScore(
                dataset=dataset,
                regime=regime,
                seeds=seeds,
                fingerprint=any_result.provenance.dataset_fingerprint,
                protocol_hash=any_result.provenance.protocol_hash,
                modalities=tuple(any_result.rounds[0].shapley),
                table=table,
                curves=_curves(by_group[(dataset, regime)], full, seeds),
                truth_shares=truth_shares(any_result),
            )
        )

    wins, ties = _win_matrix(group_samples, complete, alpha)
    overall = _overall(frame, group_ranks, group_samples, complete, wins, ties, catalog)
    datasets = {f"{r.provenance.dataset}@{r.provenance.dataset_version}": r.provenance.dataset_fingerprint for r in loaded.results}
    hashes = {r.provenance.strategy: r.provenance.strategy_source_hash for r in loaded.results}
    return Scoreboard(
        suite=loaded.suite,
        benchmark_version=loaded.benchmark_version,
        datasets=dict(sorted(datasets.items())),
        groups=tuple(groups),
        overall=overall,
        wins=wins,
        ties=ties,
        missing={s: cells for s, cells in missing.items() if cells},
        n_results=len(loaded.results),
        catalog=catalog,
        source_hashes=dict(sorted(hashes.items())),
    )


def truth_shares(result: CellResult) -> dict[str, float]:
    """Shapley shares of the dataset's ground-truth subset accuracies (what the data supports).

    v(∅) is not stored, but Shapley efficiency recovers it exactly from any round:
    ``v(∅) = v(all) − Σ_m φ_m``; the harness uses the same v(∅) for model and truth.
    """
    first = result.rounds[0]
    # Result files store dicts with sorted keys, so the dataset's modality order is recovered from the
    # one subset key that names every modality (subset keys list modalities in dataset order).
    full = max(first.subset_accuracy, key=lambda key: key.count("+"))
    modalities = full.split("+")
    empty = first.subset_accuracy[full] - sum(first.shapley.values())
    phi = shapley_values(result.ground_truth, modalities, empty)
    return {m: float(v) for m, v in zip(modalities, shapley_shares([phi[m] for m in modalities]), strict=True)}


def _index_results(results: Iterable[CellResult]) -> dict[tuple[str, str], list[CellResult]]:
    out: dict[tuple[str, str], list[CellResult]] = {}
    for r in results:
        p = r.provenance
        out.setdefault((f"{p.dataset}@{p.dataset_version}", p.regime), []).append(r)
    return out


def _group_table(sub: pd.DataFrame, seeds: tuple[int, ...]) -> pd.DataFrame:
    """Columns: n_seeds, rank, aubc/final_accuracy/delta_aubc (mean, low, high), imbalance,
    utilization_gap, query_seconds (median per query). Sorted by rank, then name."""
    rows = {}
    base = sub[sub["strategy"] == BASELINE].set_index("seed")
    for strategy, part in sub.groupby("strategy", sort=True):
        part = part.set_index("seed").loc[list(seeds)]
        aubc = t_interval(part["aubc"].to_numpy())
        final = t_interval(part["final_accuracy"].to_numpy())
        if len(base) == len(seeds):
            delta = paired_difference(part["aubc"].to_numpy(), base.loc[list(seeds), "aubc"].to_numpy())
            delta_values = (delta.mean, delta.low, delta.high)
        else:
            delta_values = (np.nan, np.nan, np.nan)
        q = np.concatenate([np.asarray(v, dtype=np.float64) for v in part["query_seconds"]] + [np.empty(0)])
        rows[str(strategy)] = {
            "n_seeds": len(seeds),
            "aubc": aubc.mean,
            "aubc_low": aubc.low,
            "aubc_high": aubc.high,
            "final_accuracy": final.mean,
            "final_accuracy_low": final.low,
            "final_accuracy_high": final.high,
            "delta_aubc": delta_values[0],
            "delta_aubc_low": delta_values[1],
            "delta_aubc_high": delta_values[2],
            "imbalance": float(part["imbalance"].mean()),
            "utilization_gap": float(part["utilization_gap"].mean()),
            "query_seconds": float(np.median(q)) if q.size else np.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    if table.empty:
        return table
    table.index.name = "strategy"
    table.insert(1, "rank", ranks_descending(table["aubc"].to_numpy()))
    return table.sort_index(kind="stable").sort_values("rank", kind="stable")


def _curves(results: list[CellResult], strategies: list[str], seeds: tuple[int, ...]) -> dict[str, Curves]:
    """Mean accuracy and mean Shapley shares per round, over seeds, for each strategy."""
    out = {}
    wanted = set(seeds)
    for strategy in strategies:
        runs = [r for r in results if r.provenance.strategy == strategy and r.provenance.seed in wanted]
        runs.sort(key=lambda r: r.provenance.seed)
        modalities = tuple(runs[0].rounds[0].shapley)
        n_rounds = min(len(r.rounds) for r in runs)
        acc = np.array([[rd.accuracy for rd in r.rounds[:n_rounds]] for r in runs])
        phi = np.array([[[rd.shapley[m] for m in modalities] for rd in r.rounds[:n_rounds]] for r in runs])  # (S, R, M)
        shares = np.apply_along_axis(shapley_shares, 2, phi).mean(axis=0)  # (R, M)
        out[strategy] = Curves(
            n_labeled=np.array([rd.n_labeled for rd in runs[0].rounds[:n_rounds]], dtype=np.int64),
            accuracy=acc.mean(axis=0),
            shares={m: shares[:, i] for i, m in enumerate(modalities)},
        )
    return out


def _win_matrix(samples: Mapping[tuple[str, str], pd.DataFrame], strategies: list[str], alpha: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count, over groups, paired t-test wins (row beats column) and ties among ``strategies``."""
    k = len(strategies)
    wins = np.zeros((k, k), dtype=np.int64)
    ties = np.zeros((k, k), dtype=np.int64)
    for key in sorted(samples):
        outcome = pairwise_outcomes(samples[key].loc[strategies].to_numpy(), alpha)
        wins += outcome > 0
        ties += outcome == 0
    np.fill_diagonal(ties, 0)
    return pd.DataFrame(wins, index=strategies, columns=strategies), pd.DataFrame(ties, index=strategies, columns=strategies)


def _overall(
    frame: pd.DataFrame,
    group_ranks: Mapping[tuple[str, str], pd.Series],
    group_samples: Mapping[tuple[str, str], pd.DataFrame],
    complete: list[str],
    wins: pd.DataFrame,
    ties: pd.DataFrame,
    catalog: Mapping[str, StrategyInfo],
) -> pd.DataFrame:
    """Ranked strategies: mean rank over groups, ΔAUBC vs random (per-seed mean over groups, t-CI over seeds)."""
    columns = [
        "rank", "mean_rank", "modality", "delta_aubc", "delta_aubc_low", "delta_aubc_high",
        "aubc", "wins", "ties", "losses", "imbalance", "utilization_gap", "query_seconds", "source_hash",
    ]  # fmt: skip
    if not complete:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="strategy"))
    keys = sorted(group_ranks)
    mean_rank = pd.concat([group_ranks[k] for k in keys], axis=1).loc[complete].mean(axis=1)
    mean_aubc = pd.concat([group_samples[k].loc[complete].mean(axis=1) for k in keys], axis=1).mean(axis=1)
    # Seeds are the independent replicates: average each seed's difference over the groups, then a
    # t-interval over seeds. Groups may use different seed sets, so pair within each group first.
    per_seed: dict[str, dict[int, list[float]]] = {s: {} for s in complete}
    have_base = BASELINE in complete
    if have_base:
        for k in keys:
            table = group_samples[k]
            for s in complete:
                for seed, value in (table.loc[s] - table.loc[BASELINE]).items():
                    per_seed[s].setdefault(int(seed), []).append(float(value))
    sub = frame[frame["strategy"].isin(complete)]
    rows = {}
    for s in complete:
        if have_base:
            delta = t_interval(np.array([np.mean(v) for _, v in sorted(per_seed[s].items())]))
        else:
            delta = t_interval(np.empty(0))
        part = sub[sub["strategy"] == s]
        q = np.concatenate([np.asarray(v, dtype=np.float64) for v in part["query_seconds"]] + [np.empty(0)])
        info = catalog.get(s)
        rows[s] = {
            "mean_rank": float(mean_rank[s]),
            "modality": info.modality if info else "",
            "delta_aubc": delta.mean,
            "delta_aubc_low": delta.low,
            "delta_aubc_high": delta.high,
            "aubc": float(mean_aubc[s]),
            "wins": int(wins.loc[s].sum()),
            "ties": int(ties.loc[s].sum()),
            "losses": int(wins[s].sum()),
            # Mean over groups of each group's mean, so every (dataset, regime) weighs the same.
            "imbalance": float(part.groupby(["dataset", "regime"])["imbalance"].mean().mean()),
            "utilization_gap": float(part.groupby(["dataset", "regime"])["utilization_gap"].mean().mean()),
            "query_seconds": float(np.median(q)) if q.size else np.nan,
            "source_hash": str(part["source_hash"].iloc[0]),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "strategy"
    table.insert(0, "rank", ranks_descending(-table["mean_rank"].to_numpy()))
    table = table.sort_index(kind="stable").sort_values("mean_rank", kind="stable")
    return table[columns]
