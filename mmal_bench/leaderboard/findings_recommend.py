"""The answer FINDINGS.md is built around: which strategy, for which pitfall, at which budget.

Every verdict here is the board's pre-registered contrast (`verdicts.contrasts`: Benavoli et al.'s
Bayesian signed-rank test vs random, ROPE ±0.01, P ≥ 0.95, no verdict on fewer than
`signed_rank.MIN_UNITS` datasets) on a subset of the datasets: one pitfall family at one budget regime,
real or synthetic datasets, or the datasets that continue the previous release's families. The unit is
always the dataset (its ΔAUBC averaged over the selected regimes and seeds), never the cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from mmal_bench.leaderboard.bootstrap import BASELINE, Deltas
from mmal_bench.leaderboard.rank_groups import baseline_scores
from mmal_bench.leaderboard.verdicts import Contrasts, contrasts

#: Label of "every regime together" in `Recommendations.by_family`.
ALL_BUDGETS = "all budgets"


@dataclass(frozen=True)
class Recommendations:
    """Contrasts vs random on subsets of the datasets (empty dicts when nothing is ranked)."""

    #: (family, regime or `ALL_BUDGETS`) -> the family's datasets at that budget.
    by_family: dict[tuple[str, str], Contrasts]
    #: "synthetic" / "real" -> those datasets, every budget.
    by_kind: dict[str, Contrasts]
    #: The datasets continuing the previous release's families (None: no archive to pair with).
    old_families: Contrasts | None = None


def scores_of(d: Deltas, regimes: Sequence[str] | None = None) -> pd.DataFrame:
    """Strategy × dataset matrix of the headline's unit over ``regimes`` (None: all), baseline row included."""
    return baseline_scores(d.table if regimes is None else d.table[d.table["regime"].isin(regimes)])


def recommendations(
    d: Deltas | None,
    families: Mapping[str, str],
    kinds: Mapping[str, str],
    regimes: Sequence[str],
    order: list[str],
    *,
    alpha: float,
    old_datasets: Sequence[str] = (),
) -> Recommendations:
    """Contrasts per (family, budget), per data kind and on ``old_datasets``.

    Parameters
    ----------
    d: the board's normalised deltas (None: nothing ranked, empty result).
    families: dataset -> pitfall family, in the board's family order.
    kinds: dataset -> "real" / "synthetic".
    regimes: the suite's regimes, in budget order.
    order: row order of every table (the headline's).
    alpha: level of the Wilcoxon–Holm companion test.
    old_datasets: the datasets that continue the previous release's families (`findings_archive`).
    """
    if d is None:
        return Recommendations({}, {})
    by_family: dict[tuple[str, str], Contrasts] = {}
    for budget in [*regimes, ALL_BUDGETS]:
        scores = scores_of(d, None if budget == ALL_BUDGETS else [budget])
        for family in dict.fromkeys(families.values()):
            members = [ds for ds in scores.columns if families.get(ds) == family]
            if members:
                by_family[(family, budget)] = contrasts(scores[members], BASELINE, alpha=alpha, order=order)
    scores = scores_of(d)
    by_kind = {}
    for kind in ("synthetic", "real"):
        members = [ds for ds in scores.columns if kinds.get(ds) == kind]
        if members:
            by_kind[kind] = contrasts(scores[members], BASELINE, families={ds: families[ds] for ds in members}, alpha=alpha, order=order)
    old = [ds for ds in scores.columns if ds in set(old_datasets)]
    old_contrasts = contrasts(scores[old], BASELINE, families={ds: families[ds] for ds in old}, alpha=alpha, order=order) if old else None
    return Recommendations(by_family, by_kind, old_contrasts)
