"""Scores of a leaderboard: the headline with dataset-level statistics, the per-pitfall view,
per-dataset reliance and data-quality figures, costs, per (dataset, regime) tables, completeness.

Pure functions of verified result files (`LoadedResults`); nothing is averaged over missing cells.
The statistics themselves live in `bootstrap`, `rank_groups` and `penalty` (pure, over tables).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mmal_bench.harness.metrics import shapley_shares, shapley_values
from mmal_bench.harness.results import CellResult
from mmal_bench.leaderboard.bootstrap import BASELINE, Deltas, Headline, deltas, headline
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.citation import ResultSet, result_set
from mmal_bench.leaderboard.cell_metrics import cell_metrics_frame, energy_method, strategy_costs
from mmal_bench.leaderboard.loading import LoadedResults
from mmal_bench.leaderboard.measures import reads_3
from mmal_bench.leaderboard.penalty import penalty_matrix
from mmal_bench.leaderboard.pitfalls import FAMILIES, dataset_family
from mmal_bench.leaderboard.rank_groups import ALPHA, RankGroups, baseline_scores, leave_one_dataset_out, rank_groups
from mmal_bench.leaderboard.reference import Reference, load_reference
from mmal_bench.leaderboard.stats import paired_difference, ranks_descending, t_interval
from mmal_bench.leaderboard.verdicts import Contrasts, contrasts, family_contrasts, verdict_ranks

#: Regimes in budget order (tables and plots list them low → mid → high, not alphabetically).
REGIME_ORDER = ("low", "mid", "high")

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


def regime_key(regime: str) -> tuple[int, str]:
    """Sort key putting known regimes in budget order, unknown ones after them by name."""
    return (REGIME_ORDER.index(regime) if regime in REGIME_ORDER else len(REGIME_ORDER), regime)


@dataclass(frozen=True)
class Scoreboard:
    """Everything the renderers show; built by `score` only."""

    suite: str
    benchmark_version: str
    datasets: dict[str, str]  # ref -> fingerprint
    groups: tuple[GroupScore, ...]
    overall: pd.DataFrame  # ranked strategies, sorted by the headline (see `_overall`)
    missing: dict[str, tuple[GridCell, ...]]  # unranked strategy -> its missing cells
    n_results: int = 0
    catalog: Mapping[str, StrategyInfo] = field(default_factory=dict)
    source_hashes: dict[str, str] = field(default_factory=dict)
    headline: Headline | None = None
    rank_groups: RankGroups | None = None
    #: Leave-one-dataset-out: left_out, top_group, changed.
    lodo: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Lüth et al.'s pairwise penalty matrix (row beats column, in settings won).
    penalty: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: strategy, family, n_datasets, delta, low, high, over_reliance (the per-pitfall view).
    pitfalls: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Per strategy × dataset: delta, over_reliance(+ by modality), truth_gap, rates, class_tv.
    per_dataset: pd.DataFrame = field(default_factory=pd.DataFrame)
    costs: pd.DataFrame = field(default_factory=pd.DataFrame)
    energy_method: str = ""
    families: dict[str, str] = field(default_factory=dict)  # dataset ref -> pitfall family
    #: Non-empty when the board is only indicative (fewer seeds than the standard suite, or incomplete).
    indicative: str = ""
    #: Non-empty (the reason) when the board is not official: unsigned or not signed by the release's
    #: pinned key, or on several instances (`LoadedResults.unofficial`); rendered as a visible mark.
    unofficial: str = ""
    #: Full-pool accuracy per dataset (reference line on the learning curves).
    full_pool: dict[str, float] = field(default_factory=dict)
    reference_reason: str = ""
    #: What the board's numbers come from (version, suite, instances, signers, result-set hash): its Cite block.
    cited: ResultSet | None = None
    #: The pre-registered contrasts: each strategy vs random over all datasets (the rank follows them).
    contrasts: Contrasts | None = None
    #: The same contrasts within each pitfall family, that family's datasets as the units.
    family_contrasts: dict[str, Contrasts] = field(default_factory=dict)


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
    reference: Reference | None = None,
    family_of: Callable[[str], str] = dataset_family,
    n_boot: int | None = None,
) -> Scoreboard:
    """Score verified results: headline with dataset-level statistics, per-pitfall view, group tables.

    Parameters
    ----------
    loaded: verified result files of one suite (`load_results`).
    catalog: strategy metadata shown on the board.
    expected: the suite's grid; strategies lacking a cell of it are listed, not ranked.
    alpha: family-wise level of the rank groups (and per-test level of the penalty matrix).
    reference: calibration data (default: the suite's, via `load_reference`); without it the
        headline is un-normalised ΔAUBC (flagged) and over-reliance is n/a.
    family_of: dataset ref -> pitfall family.
    n_boot: bootstrap replicates (default `bootstrap.N_BOOT`).

    Returns
    -------
    The `Scoreboard`. The headline, rank groups, penalty matrix and per-pitfall view use only the
    strategies with every cell of the grid; the others appear in the group tables where they have
    all of a group's seeds.
    """
    from mmal_bench.leaderboard import bootstrap

    catalog = dict(catalog or {})
    reference = load_reference(loaded.suite, loaded.benchmark_version) if reference is None else reference
    frame = cells_frame(loaded.results)
    grid = set(expected) if expected is not None else None
    missing = missing_cells(frame, grid)
    complete = sorted(s for s, cells in missing.items() if not cells)
    by_group = _index_results(loaded.results)

    groups = []
    grid_cells = grid if grid is not None else {(d, g, int(s)) for d, g, s in frame[["dataset", "regime", "seed"]].itertuples(index=False)}
    keys = sorted({(d, g) for d, g in frame[["dataset", "regime"]].itertuples(index=False)}, key=lambda k: (k[0], regime_key(k[1])))
    for dataset, regime in keys:
        sub = frame[(frame["dataset"] == dataset) & (frame["regime"] == regime)]
        seeds = tuple(sorted({s for d, g, s in grid_cells if (d, g) == (dataset, regime)}))
        full = sorted(s for s, part in sub.groupby("strategy") if set(part["seed"]) >= set(seeds))
        sub = sub[sub["strategy"].isin(full) & sub["seed"].isin(seeds)]
        any_result = by_group[(dataset, regime)][0]
        groups.append(
            GroupScore(
                dataset=dataset,
                regime=regime,
                seeds=seeds,
                fingerprint=any_result.provenance.dataset_fingerprint,
                protocol_hash=any_result.provenance.protocol_hash,
                modalities=tuple(any_result.rounds[0].shapley),
                table=_group_table(sub, seeds),
                curves=_curves(by_group[(dataset, regime)], full, seeds),
                truth_shares=truth_shares(any_result),
            )
        )

    datasets = {f"{r.provenance.dataset}@{r.provenance.dataset_version}": r.provenance.dataset_fingerprint for r in loaded.results}
    families = {d: family_of(d) for d in sorted(datasets)}
    full_pool = {d: float(v) for d in datasets if (v := reference.lookup(reference.full_pool, d)) is not None}
    metrics = cell_metrics_frame(loaded.results, reference)
    ranked = frame[frame["strategy"].isin(complete)]
    fields: dict = {}
    if BASELINE in complete and len(complete) > 1:
        d = deltas(ranked, full_pool if len(full_pool) == len(datasets) else None, gap_per=gap_per(loaded.benchmark_version))
        if not d.normalised and reference.reason:  # say why there is no calibration, not just that
            d = Deltas(d.table, False, reference.reason, d.gap_per)
        boot = {"n_boot": n_boot or bootstrap.N_BOOT}
        head = headline(d, **boot)
        scores = baseline_scores(d.table)
        groups_ = rank_groups(scores, head.table["mean"], alpha)
        order = [x for x in head.table.index if x != BASELINE]
        fields = {
            "headline": head,
            "rank_groups": groups_,
            "contrasts": contrasts(scores, BASELINE, families=families, alpha=alpha, order=order),
            "family_contrasts": family_contrasts(scores, {d: families[d] for d in family_order(families)}, BASELINE, alpha=alpha, order=order),
            "lodo": leave_one_dataset_out(scores, alpha),
            "penalty": penalty_matrix(_curve_frame(loaded.results, complete), complete, alpha),
            "pitfalls": _pitfall_table(d, metrics[metrics["strategy"].isin(complete)], families, boot),
        }
    per_dataset = _per_dataset(frame, metrics, full_pool)
    return Scoreboard(
        suite=loaded.suite,
        benchmark_version=loaded.benchmark_version,
        datasets=dict(sorted(datasets.items())),
        groups=tuple(groups),
        overall=_overall(frame, metrics, complete, catalog, fields.get("headline"), fields.get("rank_groups"), fields.get("contrasts")),
        missing={s: cells for s, cells in missing.items() if cells},
        n_results=len(loaded.results),
        catalog=catalog,
        source_hashes=dict(sorted({r.provenance.strategy: r.provenance.strategy_source_hash for r in loaded.results}.items())),
        per_dataset=per_dataset,
        costs=strategy_costs(metrics),
        energy_method=energy_method(metrics),
        families=families,
        indicative=_indicative(loaded.suite, groups, missing),
        unofficial=loaded.unofficial,
        full_pool=full_pool,
        reference_reason=reference.reason,
        cited=result_set(loaded.results, loaded.suite, loaded.benchmark_version, loaded.signed),
        **fields,
    )


def gap_per(benchmark_version: str) -> str:
    """The headline's normalisation for results of ``benchmark_version`` (`bootstrap.deltas`): per
    (dataset, regime) up to 2.0.0, as published; per dataset from 3.0.0, so regimes weigh equally."""
    return "dataset" if reads_3(benchmark_version) else "regime"


def _indicative(suite: str, groups: list[GroupScore], missing: Mapping[str, tuple]) -> str:
    """Why this board is only indicative ("" if it is not): fewer seeds than the standard suite, or gaps."""
    from mmal_bench.harness.suites import get_suite

    reasons = []
    try:
        standard = len(get_suite("standard").seeds)
    except Exception:  # no standard suite registered (e.g. a test registry): compare nothing
        standard = 0
    fewest = min((len(g.seeds) for g in groups), default=0)
    if fewest < standard:
        reasons.append(f"{fewest} seed(s) per cell where the standard suite uses {standard}")
    if any(missing.values()):
        reasons.append(f"{sum(1 for v in missing.values() if v)} strategy(ies) with missing cells")
    return "; ".join(reasons)


def _curve_frame(results: Iterable[CellResult], strategies: list[str]) -> pd.DataFrame:
    """Per-round accuracy of the runs of ``strategies`` (the penalty matrix's input)."""
    wanted = set(strategies)
    rows = [
        (r.provenance.strategy, f"{r.provenance.dataset}@{r.provenance.dataset_version}", r.provenance.regime, r.provenance.seed, rd.round, rd.accuracy)
        for r in results
        if r.provenance.strategy in wanted
        for rd in r.rounds
    ]
    return pd.DataFrame(rows, columns=["strategy", "dataset", "regime", "seed", "round", "accuracy"])


def family_order(families: Mapping[str, str]) -> list[str]:
    """Datasets ordered by their family's place in `FAMILIES` (unknown families after, by name), then by name."""
    present = [f for f in FAMILIES if f in families.values()] + sorted({f for f in families.values()} - set(FAMILIES))
    return sorted(families, key=lambda ds: (present.index(families[ds]), ds))


def _pitfall_table(d: Deltas, metrics: pd.DataFrame, families: Mapping[str, str], boot: Mapping) -> pd.DataFrame:
    """Strategy × pitfall family: headline ΔAUBC (bootstrap over that family's datasets) and over-reliance."""
    rows = []
    present = list(dict.fromkeys(families[ds] for ds in family_order(families)))
    for family in present:
        members = [ds for ds, f in families.items() if f == family]
        part = Deltas(d.table[d.table["dataset"].isin(members)], d.normalised, d.reason)
        if part.table.empty:
            continue
        head = headline(part, **boot).table
        reliance = metrics[metrics["dataset"].isin(members)].groupby("strategy")["over_reliance"].mean()
        for s, r in head.iterrows():
            rows.append({"strategy": s, "family": family, "n_datasets": len(members), "delta": r["mean"], "low": r["low"], "high": r["high"],
                         "over_reliance": float(reliance.get(s, np.nan))})  # fmt: skip
    return pd.DataFrame(rows, columns=["strategy", "family", "n_datasets", "delta", "low", "high", "over_reliance"])


def _per_dataset(frame: pd.DataFrame, metrics: pd.DataFrame, full_pool: Mapping[str, float]) -> pd.DataFrame:
    """Strategy × dataset means over regimes and seeds: AUBC, share of the random→full-pool gap closed,
    over-reliance (and signed per modality), ground-truth gap, noise-purchase rates, class-mix distance."""
    cols = ["over_reliance", "truth_gap", "missing_rate", "corrupted_rate", "noisy_label_rate", "class_tv", "shares_na_rounds", "n_rounds"]
    agg = metrics.groupby(["strategy", "dataset"])[cols].agg({c: ("sum" if c in ("shares_na_rounds", "n_rounds") else "mean") for c in cols})
    by_mod = metrics.groupby(["strategy", "dataset"])["over_reliance_by_modality"].agg(
        lambda v: {m: float(np.nanmean([x[m] for x in v])) if np.isfinite([x[m] for x in v]).any() else float("nan") for m in v.iloc[0]}
    )
    agg["over_reliance_by_modality"] = by_mod
    aubc = frame.groupby(["strategy", "dataset", "regime"])["aubc"].mean()
    base = aubc.xs(BASELINE, level="strategy") if BASELINE in aubc.index.get_level_values("strategy") else None
    gap_closed = {}
    for (s, ds), per_regime in aubc.groupby(level=["strategy", "dataset"]):
        if base is None or ds not in full_pool:
            gap_closed[(s, ds)] = np.nan
            continue
        shares = [(v - base.get((ds, g), np.nan)) / (full_pool[ds] - base.get((ds, g), np.nan)) for (_, _, g), v in per_regime.items()]
        gap_closed[(s, ds)] = float(np.mean(shares))
    agg["aubc"] = frame.groupby(["strategy", "dataset"])["aubc"].mean()
    agg["gap_closed"] = pd.Series(gap_closed)
    return agg.reset_index()


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
    table.insert(1, "rank", ranks_descending(table["aubc"].to_numpy()))  # competition ranks: 1, 2, 2, 4
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


def _overall(
    frame: pd.DataFrame,
    metrics: pd.DataFrame,
    complete: list[str],
    catalog: Mapping[str, StrategyInfo],
    head: Headline | None,
    groups: RankGroups | None,
    verdicts: Contrasts | None = None,
) -> pd.DataFrame:
    """Ranked strategies: rank (from the verdicts vs random: better, then not shown to differ, then
    worse; headline order inside a tier), headline ΔAUBC with its hierarchical CI, P(rank 1), rank
    interval, the verdict with its posterior probabilities and Holm p, mean AUBC, reliance and
    data-quality means (every dataset weighs the same), query seconds, source hash."""
    columns = [
        "rank", "rank_label", "modality", "delta", "delta_low", "delta_high", "p_rank1", "rank_low", "rank_high",
        "verdict", "p_better", "p_equivalent", "p_worse", "holm_p", "aubc",
        "over_reliance", "truth_gap", "shares_na", "missing_rate", "corrupted_rate", "noisy_label_rate", "class_tv",
        "query_seconds", "source_hash",
    ]  # fmt: skip
    if not complete:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="strategy"))
    order = list(groups.ranks.index) if groups is not None else complete  # no ranking without baseline + another
    if verdicts is not None:
        rank, label = verdict_ranks(verdicts.table["verdict"].to_dict(), order)
        order = sorted(order, key=lambda s: (int(rank[s]), order.index(s)))
    v = verdicts.table if verdicts is not None else pd.DataFrame(columns=["verdict", "p_better", "p_equivalent", "p_worse", "holm_p"])
    rows = {}
    for s in order:
        part = frame[frame["strategy"] == s]
        m = metrics[metrics["strategy"] == s]
        per_ds = m.groupby("dataset")[["over_reliance", "truth_gap", "missing_rate", "corrupted_rate", "noisy_label_rate", "class_tv"]].mean()
        q = np.concatenate([np.asarray(v, dtype=np.float64) for v in part["query_seconds"]] + [np.empty(0)])
        h = head.table.loc[s] if head is not None else pd.Series(np.nan, index=["mean", "low", "high", "p_rank1", "rank_low", "rank_high"])
        info = catalog.get(s)
        rows[s] = {
            "rank": int(rank[s]) if verdicts is not None else 1,
            "rank_label": str(label[s]) if verdicts is not None else ("=1" if len(order) > 1 else "1"),
            "modality": info.modality if info else "",
            "delta": h["mean"],
            "delta_low": h["low"],
            "delta_high": h["high"],
            "p_rank1": h["p_rank1"],
            "rank_low": h["rank_low"],
            "rank_high": h["rank_high"],
            "verdict": str(v.loc[s, "verdict"]) if s in v.index else ("baseline" if s == BASELINE else ""),
            **{c: float(v.loc[s, c]) if s in v.index else np.nan for c in ("p_better", "p_equivalent", "p_worse", "holm_p")},
            "aubc": float(part.groupby("dataset")["aubc"].mean().mean()),
            **{c: float(per_ds[c].mean()) if per_ds[c].notna().any() else np.nan for c in per_ds.columns},
            "shares_na": float(m["shares_na_rounds"].sum() / max(1, m["n_rounds"].sum())),
            "query_seconds": float(np.median(q)) if q.size else np.nan,
            "source_hash": str(part["source_hash"].iloc[0]),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "strategy"
    return table.loc[order, columns]
