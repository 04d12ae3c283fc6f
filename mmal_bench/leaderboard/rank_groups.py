"""Rank groups over datasets: Friedman test, pairwise Wilcoxon signed-rank with Holm correction.

Following Demšar (2006) and Benavoli et al. (2016): datasets are the unit, a pairwise Wilcoxon test
decides each pair (its verdict does not depend on which other strategies are in the pool, unlike
Nemenyi), Holm controls the family-wise error over all pairs. A strategy's rank is 1 + the number
of strategies significantly better than it, so strategies the data cannot separate share a rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from mmal_bench.leaderboard.bootstrap import BASELINE

#: Family-wise significance level of the rank groups.
ALPHA = 0.05


def dataset_scores(table: pd.DataFrame, value: str = "delta") -> pd.DataFrame:
    """Strategy × dataset matrix of ``value`` averaged over each dataset's regimes and seeds."""
    return table.groupby(["strategy", "dataset"], sort=True)[value].mean().unstack("dataset")


def baseline_scores(table: pd.DataFrame, baseline: str = BASELINE) -> pd.DataFrame:
    """`dataset_scores` of a per-cell Δ-vs-baseline table (`bootstrap.Deltas.table`) with the baseline's
    own row added (0 on every cell the table pairs with it): what the tests against the baseline take."""
    base = table.drop_duplicates(["dataset", "regime", "seed"]).assign(strategy=baseline, delta=0.0)
    return dataset_scores(pd.concat([table, base]))


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (same shape; NaN stays NaN and does not count as a test)."""
    p = np.asarray(pvalues, dtype=np.float64)
    flat = p.ravel()
    ok = np.flatnonzero(np.isfinite(flat))
    order = ok[np.argsort(flat[ok], kind="stable")]
    m = len(order)
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * flat[order]))
    out = np.full_like(flat, np.nan)
    out[order] = adjusted
    return out.reshape(p.shape)


def pairwise_wilcoxon(scores: pd.DataFrame) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank p-value for every pair of rows of ``scores`` (strategy × dataset).

    Zero differences count with Pratt's method (as CDALBench); identical rows get p = 1.
    """
    names = list(scores.index)
    values = scores.to_numpy(dtype=np.float64)
    p = np.full((len(names), len(names)), np.nan)
    for i in range(len(names)):  # pairs of strategies (~15), not pool rows
        for j in range(i + 1, len(names)):
            diff = values[i] - values[j]
            p[i, j] = p[j, i] = 1.0 if np.all(diff == 0) else float(stats.wilcoxon(diff, zero_method="pratt").pvalue)
    return pd.DataFrame(p, index=names, columns=names)


@dataclass(frozen=True)
class RankGroups:
    """Ranks and the tests behind them."""

    ranks: pd.Series  # strategy -> integer rank, in the headline's order
    friedman_statistic: float
    friedman_p: float
    adjusted_p: pd.DataFrame  # Holm-adjusted pairwise p-values (NaN on the diagonal)
    raw_p: pd.DataFrame  # the unadjusted pairwise Wilcoxon p-values
    significant: pd.DataFrame  # bool: pair differs at the family-wise level
    mean_ranks: pd.Series  # Friedman mean rank over datasets (1 = best), for the CD diagram
    n_datasets: int
    alpha: float

    def label(self, strategy: str) -> str:
        """``"3"``, or ``"=3"`` when another strategy shares rank 3."""
        r = int(self.ranks[strategy])
        return f"={r}" if int((self.ranks == r).sum()) > 1 else str(r)

    def vs_baseline(self, baseline: str) -> pd.Series:
        """Holm-adjusted p-value of every other strategy against ``baseline`` alone.

        "Does X beat random?" asked of k strategies is a family of k − 1 tests, not of all k(k − 1)/2
        pairs: with 10 datasets the smallest Wilcoxon p-value is 2 / 2^10 ≈ 0.002, which Holm over 136
        pairs can never bring under 0.05, while over 16 comparisons with random it can.
        """
        others = [s for s in self.raw_p.index if s != baseline]
        return pd.Series(holm(self.raw_p.loc[others, baseline].to_numpy()), index=others)

    @property
    def top_group(self) -> tuple[str, ...]:
        return tuple(sorted(self.ranks.index[self.ranks == 1]))


def rank_groups(scores: pd.DataFrame, headline: pd.Series, alpha: float = ALPHA) -> RankGroups:
    """Integer ranks from Friedman + Holm-corrected pairwise Wilcoxon tests over datasets.

    Parameters
    ----------
    scores:
        Strategy × dataset matrix (`dataset_scores`), the unit of every test.
    headline:
        The headline statistic per strategy (higher is better); it orders the table and decides who
        is better in a significant pair, so rank and sort order come from one statistic.
    alpha:
        Family-wise level. If Friedman does not reject at ``alpha``, no pair is significant.

    Returns
    -------
    `RankGroups`; ``ranks`` follows ``headline`` descending, rank = 1 + the number of strategies with a
    higher headline that differ significantly, made non-decreasing down the table.
    """
    scores = scores.loc[list(headline.index)]
    names = list(headline.sort_index(kind="stable").sort_values(ascending=False, kind="stable").index)
    mean_ranks = pd.Series(stats.rankdata(-scores.to_numpy(), axis=0).mean(axis=1), index=scores.index)
    if len(names) < 3 or scores.shape[1] < 2:
        stat_, p_f = float("nan"), float("nan")
    else:
        stat_, p_f = (float(v) for v in stats.friedmanchisquare(*scores.to_numpy()))
    raw = pairwise_wilcoxon(scores).to_numpy()
    pairs = np.triu_indices(len(raw), k=1)  # each unordered pair is one test (the matrix holds it twice)
    adjusted = np.full_like(raw, np.nan)
    adjusted[pairs] = holm(raw[pairs])
    adjusted[pairs[1], pairs[0]] = adjusted[pairs]
    adjusted_frame = pd.DataFrame(adjusted, index=scores.index, columns=scores.index)
    significant = adjusted_frame.fillna(1.0) < alpha
    if not (p_f < alpha):
        significant[:] = False
    ranks = []
    for i, s in enumerate(names):
        better = sum(bool(significant.loc[t, s]) for t in names[:i] if headline[t] > headline[s])
        ranks.append(max(1 + better, ranks[-1] if ranks else 1))
    return RankGroups(
        ranks=pd.Series(ranks, index=names, dtype=np.int64),
        friedman_statistic=stat_,
        friedman_p=p_f,
        adjusted_p=adjusted_frame,
        raw_p=pd.DataFrame(raw, index=scores.index, columns=scores.index),
        significant=significant,
        mean_ranks=mean_ranks.loc[names],
        n_datasets=int(scores.shape[1]),
        alpha=alpha,
    )


def leave_one_dataset_out(scores: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Does the top rank group change when one dataset is left out?

    The headline without dataset d is the mean of the remaining per-dataset scores (what `headline`
    estimates). Returns one row per left-out dataset: ``top_group`` (comma-joined) and ``changed``;
    no rows with fewer than two datasets.
    """
    if scores.shape[1] < 2:  # nothing is left to rank without the only dataset
        return pd.DataFrame(columns=["left_out", "top_group", "changed"])
    full = rank_groups(scores, scores.mean(axis=1), alpha).top_group
    rows = []
    for d in scores.columns:
        rest = scores.drop(columns=d)
        top = rank_groups(rest, rest.mean(axis=1), alpha).top_group
        rows.append({"left_out": d, "top_group": ", ".join(top), "changed": top != full})
    return pd.DataFrame(rows, columns=["left_out", "top_group", "changed"])


def cliques(groups: RankGroups) -> list[tuple[str, ...]]:
    """Maximal runs of strategies, consecutive in mean rank, with no significant pair among them
    (the bars of a critical-difference diagram); runs of one are left out."""
    order = list(groups.mean_ranks.sort_values(kind="stable").index)
    sig = groups.significant
    runs: list[tuple[str, ...]] = []
    for i in range(len(order)):
        j = i
        while j + 1 < len(order) and not any(sig.loc[order[k], order[j + 1]] for k in range(i, j + 1)):
            j += 1
        run = tuple(order[i : j + 1])
        if len(run) > 1 and not any(set(run) <= set(r) for r in runs):
            runs.append(run)
    return runs
