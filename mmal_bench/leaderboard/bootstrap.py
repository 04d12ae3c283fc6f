"""The leaderboard's headline: ΔAUBC vs random normalised per dataset, with a hierarchical bootstrap.

Datasets are the unit of generalisation: the interval resamples datasets, then seeds within each
chosen dataset (regimes stay nested in their dataset), so it reflects both sources of variation
instead of seed noise alone. Pure functions over a per-cell table (one row per strategy × dataset
× regime × seed with its ``aubc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

#: The strategy every other one is compared with (paired, same dataset, regime and seed).
BASELINE = "random"
#: Coverage of the bootstrap intervals.
CONFIDENCE = 0.95
#: A dataset × regime whose random AUBC is within this of the full-pool accuracy has no gap to
#: close: normalising by it would divide noise by almost nothing.
MIN_GAP = 0.01
#: Bootstrap replicates on the leaderboard, and the seed that makes them deterministic.
N_BOOT = 2000
BOOT_SEED = 20260


@dataclass(frozen=True)
class Deltas:
    """Per-cell ΔAUBC vs the baseline, normalised by the random→full-pool gap where possible."""

    table: pd.DataFrame  # strategy, dataset, regime, seed, delta
    normalised: bool
    #: Why the deltas are not normalised ("" when they are).
    reason: str = ""
    #: What a cell's delta is divided by: its own (dataset, regime)'s gap, or its dataset's mean gap.
    gap_per: str = "regime"


#: How the headline divides a cell's ΔAUBC (see `deltas`); 3.0.0 on, every regime weighs by its raw ΔAUBC.
GAP_PER = ("regime", "dataset")


def deltas(
    cells: pd.DataFrame, full_pool: Mapping[str, float] | None = None, *, baseline: str = BASELINE, min_gap: float = MIN_GAP, gap_per: str = "regime"
) -> Deltas:
    """ΔAUBC of every strategy vs ``baseline`` on the same (dataset, regime, seed), per cell.

    Parameters
    ----------
    cells:
        Columns ``strategy, dataset, regime, seed, aubc``; the baseline must have every cell that
        another strategy has (cells without a baseline partner are dropped).
    full_pool:
        Full-pool accuracy per dataset (the calibration data's ``full_pool_accuracy``). The delta of
        a cell is divided by ``full_pool[dataset] − mean random AUBC`` of its (dataset, regime), so
        1.0 means "closed the whole gap to training on the full pool" and datasets weigh equally.
        Normalisation is all or nothing: if a dataset lacks it, or its gap is below ``min_gap``,
        every delta stays raw and `Deltas.reason` says why (a mean over mixed units means nothing).
    gap_per:
        ``"regime"`` (2.0.0): each (dataset, regime) is divided by its own gap. The high regime's gap
        is the smallest, so a point of ΔAUBC there counts 3–5× a point in the low regime.
        ``"dataset"`` (3.0.0 on): every regime of a dataset is divided by the dataset's mean gap over
        its regimes, so datasets stay on one scale and, within one, every regime weighs by its raw
        ΔAUBC (regimes treated equally).

    Returns
    -------
    `Deltas` with one row per non-baseline cell.
    """
    if gap_per not in GAP_PER:
        raise ValueError(f"gap_per must be one of {GAP_PER}, got {gap_per!r}")
    need = {"strategy", "dataset", "regime", "seed", "aubc"}
    if missing := need - set(cells.columns):
        raise ValueError(f"cell table lacks column(s) {sorted(missing)}")
    key = ["dataset", "regime", "seed"]
    base = cells[cells["strategy"] == baseline].set_index(key)["aubc"]
    if base.empty:
        raise ValueError(f"no {baseline!r} cells: ΔAUBC needs the baseline on the same cells")
    others = cells[cells["strategy"] != baseline]
    joined = others.join(base.rename("base"), on=key, how="inner")
    delta = joined["aubc"] - joined["base"]
    reason = ""
    if full_pool is None:
        reason = "no calibration data (full-pool accuracy) for this suite"
    else:
        lacking = sorted(set(joined["dataset"]) - set(full_pool))
        gap = pd.Series({(d, r): full_pool.get(d, np.nan) - v for (d, r), v in base.groupby(level=["dataset", "regime"]).mean().items()})
        small = sorted({d for (d, _), g in gap.items() if d in full_pool and not g >= min_gap})
        if lacking:
            reason = f"no full-pool accuracy for {', '.join(lacking)}"
        elif small:
            reason = f"random already within {min_gap} of the full-pool accuracy on {', '.join(small)}"
        else:
            if gap_per == "dataset":
                per_dataset = gap.groupby(level=0).mean()
                gap = pd.Series({(d, r): per_dataset[d] for d, r in gap.index})
            delta = delta / np.array([gap[(d, r)] for d, r in zip(joined["dataset"], joined["regime"], strict=True)])
    table = joined[["strategy", "dataset", "regime", "seed"]].assign(delta=delta.to_numpy())
    table = table.sort_values(["strategy", "dataset", "regime", "seed"], kind="stable").reset_index(drop=True)
    return Deltas(table=table, normalised=not reason, reason=reason, gap_per=gap_per)


def seed_array(table: pd.DataFrame, value: str = "delta") -> tuple[np.ndarray, list[str], list[str]]:
    """``x[k, d, s]``: mean over regimes of ``value`` for strategy k, dataset d, the s-th seed.

    Datasets may have different numbers of seeds; the tail is NaN. Every strategy must have the same
    (dataset, regime, seed) cells (compare complete strategies only). Returns ``(x, strategies, datasets)``.
    """
    strategies = sorted(table["strategy"].unique())
    if (table.groupby(["dataset", "regime", "seed"])["strategy"].nunique() < len(strategies)).any():
        raise ValueError("strategies do not share the same (dataset, regime, seed) cells; pass complete strategies only")
    per_seed = table.groupby(["strategy", "dataset", "seed"], sort=True)[value].mean()
    datasets = sorted(table["dataset"].unique())
    seeds = {d: sorted(table.loc[table["dataset"] == d, "seed"].unique()) for d in datasets}
    x = np.full((len(strategies), len(datasets), max(len(s) for s in seeds.values())), np.nan)
    for (k, d, seed), v in per_seed.items():
        x[strategies.index(k), datasets.index(d), seeds[d].index(seed)] = v
    return x, strategies, datasets


def hierarchical_bootstrap(x: np.ndarray, n_boot: int = N_BOOT, seed: int = BOOT_SEED) -> np.ndarray:
    """Bootstrap distribution ``(K, n_boot)`` of the mean over datasets of each strategy's per-dataset mean.

    Each replicate draws datasets with replacement, then seeds with replacement within every drawn
    dataset; all strategies share the draws (paired), so ranks over replicates are meaningful.
    ``x`` is `seed_array`'s ``(K, D, S)`` array (NaN-padded seeds). Deterministic given ``seed``.
    """
    k, d, s = x.shape
    n_seeds = (~np.isnan(x[0])).sum(axis=1)  # (D,)
    rng = np.random.default_rng(seed)
    d_idx = rng.integers(0, d, size=(n_boot, d))
    n_drawn = n_seeds[d_idx][..., None]  # (B, D, 1)
    s_idx = np.floor(rng.random((n_boot, d, s)) * n_drawn).astype(np.int64)
    valid = np.arange(s)[None, None, :] < n_drawn
    values = x[:, d_idx[..., None], s_idx]  # (K, B, D, S)
    per_dataset = np.where(valid, values, 0.0).sum(axis=-1) / n_drawn[..., 0]
    return per_dataset.mean(axis=-1)


def expanded_percentiles(n_units: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile levels of a bootstrap interval widened for few units (Hesterberg's expanded percentile).

    The bootstrap of a mean over n units uses the plug-in variance (divides by n) and normal tails,
    so with ~10 datasets a plain 95% percentile interval covers less than 95%. Using the tail level
    ``Φ(−√(n/(n−1)) · t_{1−α/2, n−1})`` corrects both, to first order.
    """
    alpha = 1.0 - confidence
    if n_units < 2:
        return 100 * alpha / 2, 100 * (1 - alpha / 2)
    tail = float(stats.norm.cdf(-np.sqrt(n_units / (n_units - 1)) * stats.t.ppf(1 - alpha / 2, n_units - 1)))
    return 100 * tail, 100 * (1 - tail)


@dataclass(frozen=True)
class Headline:
    """The headline per strategy and what the bootstrap says about its rank."""

    table: pd.DataFrame  # index strategy: mean, low, high, p_rank1, rank_low, rank_high
    normalised: bool
    reason: str
    n_datasets: int
    n_boot: int
    #: The normalisation of the deltas behind it (`Deltas.gap_per`).
    gap_per: str = "regime"


def headline(d: Deltas, baseline: str = BASELINE, n_boot: int = N_BOOT, seed: int = BOOT_SEED, confidence: float = CONFIDENCE) -> Headline:
    """Mean normalised ΔAUBC per strategy (mean over datasets of the per-dataset mean), hierarchical
    bootstrap CI, P(rank 1) and a rank interval; the baseline takes part with ΔAUBC = 0 exactly.

    Parameters
    ----------
    d: the per-cell deltas of complete strategies (see `deltas`).
    n_boot, seed: bootstrap replicates and their seed (same inputs → same numbers).
    confidence: coverage of the CI and of the rank interval.

    Returns
    -------
    `Headline`; its table is sorted by mean, descending (then name).
    """
    base_rows = d.table.drop_duplicates(["dataset", "regime", "seed"]).assign(strategy=baseline, delta=0.0)
    x, names, datasets = seed_array(pd.concat([d.table, base_rows], ignore_index=True))
    boot = hierarchical_bootstrap(x, n_boot, seed)
    low_q, high_q = expanded_percentiles(len(datasets), confidence)
    mean = np.nanmean(x, axis=2).mean(axis=1)
    ranks = stats.rankdata(-boot, axis=0, method="min")  # (K, B)
    alpha = (1 - confidence) / 2
    table = pd.DataFrame(
        {
            "mean": mean,
            "low": np.percentile(boot, low_q, axis=1),
            "high": np.percentile(boot, high_q, axis=1),
            "p_rank1": (ranks == 1).mean(axis=1),
            "rank_low": np.quantile(ranks, alpha, axis=1, method="lower").astype(int),
            "rank_high": np.quantile(ranks, 1 - alpha, axis=1, method="higher").astype(int),
        },
        index=pd.Index(names, name="strategy"),
    )
    table = table.sort_index(kind="stable").sort_values("mean", ascending=False, kind="stable")
    return Headline(table=table, normalised=d.normalised, reason=d.reason, n_datasets=len(datasets), n_boot=n_boot, gap_per=d.gap_per)
