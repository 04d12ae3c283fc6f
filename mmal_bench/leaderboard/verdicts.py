"""Pre-registered contrasts: each strategy against random over datasets, overall and per pitfall family.

The primary verdict is Benavoli et al.'s (2017) Bayesian signed-rank test with a declared region of
practical equivalence (`signed_rank`): better / equivalent / worse / undecided, each with its posterior
probability. The frequentist companion is the Wilcoxon signed-rank test of each strategy against random,
Holm-corrected over the strategies (a family of k − 1 tests, not of all pairs). Each test states its
power (`power`): the effect it calls "better" with probability 0.8 at the observed between-dataset SD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from mmal_bench.leaderboard.power import ALPHA, TARGET_POWER, detectable_effect
from mmal_bench.leaderboard.rank_groups import holm
from mmal_bench.leaderboard.signed_rank import DECIDE, ROPE, bayesian_signed_rank

#: The comparison every verdict is about.
BASELINE = "random"
#: Share of the between-dataset variance that the datasets of one pitfall family share (the pilot's
#: estimate for the best strategy, REFERENCES.md "Units of inference and power"); used only by the
#: power of the overall test, where datasets of one family are not independent units.
FAMILY_ICC = 0.5

#: Rank tier of each verdict (the baseline sits with the strategies not shown to differ from it).
_TIER = {"better": 0, "equivalent": 1, "undecided": 1, "baseline": 1, "worse": 2}

CONTRAST_COLUMNS = [
    "mean", "sd", "n_datasets", "p_worse", "p_equivalent", "p_better", "verdict", "wilcoxon_p", "holm_p", "holm_verdict",
]  # fmt: skip


@dataclass(frozen=True)
class Contrasts:
    """Every strategy against the baseline on one set of units (datasets), with the tests' power."""

    table: pd.DataFrame  # index strategy (baseline excluded), `CONTRAST_COLUMNS`
    baseline: str
    datasets: tuple[str, ...]
    rope: float
    decide: float
    alpha: float
    #: Between-dataset SD of the differences the power is computed at (median over strategies).
    sd: float
    #: Smallest true effect each test calls "better" with probability `TARGET_POWER` (inf: none).
    detectable_bayes: float
    detectable_wilcoxon: float

    def count(self, verdict: str) -> list[str]:
        """Strategies with ``verdict``, in table order."""
        return [s for s, v in self.table["verdict"].items() if v == verdict]


def _power(sd: float, family_sizes: tuple[int, ...], icc: float, n_comparisons: int, rope: float, decide: float, alpha: float) -> tuple[float, float]:
    if not np.isfinite(sd) or sd <= 0:
        return float("nan"), float("nan")
    bayes = detectable_effect(sd, family_sizes, icc, test="bayes", rope=rope, decide=decide)
    wilcoxon = detectable_effect(sd, family_sizes, icc, test="wilcoxon", alpha=alpha, n_comparisons=n_comparisons)
    return bayes, wilcoxon


def contrasts(
    scores: pd.DataFrame,
    baseline: str = BASELINE,
    *,
    families: Mapping[str, str] | None = None,
    icc: float = FAMILY_ICC,
    rope: float = ROPE,
    decide: float = DECIDE,
    alpha: float = ALPHA,
    order: list[str] | None = None,
) -> Contrasts:
    """Each strategy vs ``baseline`` over the datasets (columns) of ``scores``.

    Parameters
    ----------
    scores:
        Strategy × dataset matrix of the headline's unit (normalised ΔAUBC averaged over a dataset's
        regimes and seeds, `rank_groups.dataset_scores`); must hold the baseline's row.
    families:
        dataset -> pitfall family, for the power of a test whose datasets come in correlated families
        (`FAMILY_ICC`); ``None``: the datasets are independent units.
    rope, decide, alpha:
        ROPE half-width and posterior probability of the Bayesian verdict; level of the Wilcoxon–Holm test.
    order:
        Row order of the table (default: mean difference, descending, then name).

    Returns
    -------
    `Contrasts`, one row per strategy other than the baseline.
    """
    if baseline not in scores.index:
        raise ValueError(f"scores have no {baseline!r} row: contrasts need the baseline on the same datasets")
    datasets = tuple(str(d) for d in scores.columns)
    base = scores.loc[baseline].to_numpy(dtype=np.float64)
    others = [s for s in scores.index if s != baseline]
    rows = {}
    for s in others:  # strategies (~16), not pool rows
        diff = scores.loc[s].to_numpy(dtype=np.float64) - base
        post = bayesian_signed_rank(diff, rope)
        if diff.size < 2:
            p = float("nan")
        else:
            p = 1.0 if np.all(diff == 0) else float(stats.wilcoxon(diff, zero_method="pratt").pvalue)
        rows[s] = {
            "mean": float(diff.mean()),
            "sd": float(diff.std(ddof=1)) if diff.size > 1 else float("nan"),
            "n_datasets": int(diff.size),
            "p_worse": post.p_worse,
            "p_equivalent": post.p_equivalent,
            "p_better": post.p_better,
            "verdict": post.verdict(decide),
            "wilcoxon_p": p,
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=CONTRAST_COLUMNS[:8])
    table["holm_p"] = holm(table["wilcoxon_p"].to_numpy()) if len(table) else []
    table["holm_verdict"] = [
        ("better" if m > 0 else "worse") if hp < alpha else "no difference shown" for m, hp in zip(table["mean"], table["holm_p"], strict=True)
    ]
    if order is None:
        order = list(table.sort_index(kind="stable").sort_values("mean", ascending=False, kind="stable").index)
    table = table.loc[[s for s in order if s in table.index]]
    table.index.name = "strategy"
    if families is not None:
        sizes = tuple(pd.Series([families.get(d, d) for d in datasets]).value_counts(sort=False).sort_index().tolist())
        family_icc = icc
    else:
        sizes, family_icc = (len(datasets),), 0.0
    sd = float(np.nanmedian(table["sd"])) if table["sd"].notna().any() else float("nan")
    bayes, wilcoxon = _power(sd, sizes, family_icc, len(others), rope, decide, alpha)
    return Contrasts(table, baseline, datasets, rope, decide, alpha, sd, bayes, wilcoxon)


def family_contrasts(scores: pd.DataFrame, families: Mapping[str, str], baseline: str = BASELINE, **kwargs) -> dict[str, Contrasts]:
    """`contrasts` within each pitfall family, with that family's datasets as the units.

    The power here is the within-family one (independent datasets): the family effect is what the
    test is about, not noise around it. Families keep the order of their first dataset in ``families``.
    """
    out: dict[str, Contrasts] = {}
    for family in dict.fromkeys(families.values()):
        members = [d for d in scores.columns if families.get(d) == family]
        if members:
            out[family] = contrasts(scores[members], baseline, families=None, **kwargs)
    return out


def verdict_ranks(verdicts: Mapping[str, str], order: list[str]) -> tuple[pd.Series, pd.Series]:
    """Ranks that follow the verdicts: better than the baseline, then not shown to differ, then worse.

    Parameters
    ----------
    verdicts: strategy -> verdict (the baseline may be absent; it gets the middle tier).
    order: every strategy in table order (the baseline included).

    Returns
    -------
    ``(rank, label)``: rank = 1 + the number of strategies in a better tier; label ``"=k"`` when
    several share rank k. Inside a tier the test says nothing about order, so nobody is ranked there.
    """
    tier = pd.Series({s: _TIER[verdicts.get(s, "baseline")] for s in order})
    rank = tier.map(lambda t: 1 + int((tier < t).sum())).astype(np.int64)
    label = rank.map(lambda r: f"={r}" if int((rank == r).sum()) > 1 else str(r))
    return rank, label


def power_sentence(c: Contrasts, n_strategies: int | None = None, lead: str = "Power") -> str:
    """What effect each test can detect, in one sentence starting with ``lead`` (shared by the board and FINDINGS)."""

    def effect(x: float) -> str:
        return "no effect up to 0.5" if not np.isfinite(x) else f"{x:.3f}"

    if not np.isfinite(c.sd):
        return f"{lead}: not computable (fewer than two datasets)."
    k = n_strategies if n_strategies is not None else len(c.table)
    return (
        f"{lead} (simulated at the observed between-dataset SD {c.sd:.3f} of the differences, {len(c.datasets)} datasets): "
        f"the Bayesian test says \"better\" with probability {TARGET_POWER:.0%} for a true mean effect of {effect(c.detectable_bayes)}; "
        f"Wilcoxon–Holm over {k} comparisons for {effect(c.detectable_wilcoxon)}."
    )
