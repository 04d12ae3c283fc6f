"""Lüth et al.'s pairwise penalty matrix (PPM): who beats whom at each budget, over settings.

At every budget point of every (dataset, regime), a two-sided paired t-test over seeds on accuracy
compares each pair of strategies; a significant win adds ``1 / n_budgets`` of that setting to the
winner's row. An entry is thus "settings won, counted in whole curves" (at most the number of
settings). Unlike W/T/L over AUBC it sees where on the budget axis a strategy wins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: Per-test level (Lüth et al. 2023 use p < 0.05 without correction; the PPM is descriptive).
ALPHA = 0.05


def paired_t_wins(acc: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """``W[i, j, r]`` = 1 where strategy i significantly beats j at budget r (paired t over seeds).

    ``acc`` is ``(K, S, R)``: strategies × seeds × budget points. A constant non-zero difference
    (zero variance) is a win for the larger, as in the per-group tests; fewer than two seeds never win.
    """
    k, s, r = acc.shape
    if s < 2:
        return np.zeros((k, k, r))
    diff = acc[:, None] - acc[None, :]  # (K, K, S, R)
    mean = diff.mean(axis=2)
    sd = diff.std(axis=2, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / (sd / np.sqrt(s))
    p = 2 * stats.t.sf(np.abs(t), df=s - 1)
    wins = (p < alpha) & (mean > 0) & (sd > 0)
    wins |= (sd == 0) & (mean > 0)
    return wins.astype(np.float64)


def penalty_matrix(curves: pd.DataFrame, strategies: list[str] | None = None, alpha: float = ALPHA) -> pd.DataFrame:
    """The PPM over every (dataset, regime) of ``curves``.

    Parameters
    ----------
    curves:
        Columns ``strategy, dataset, regime, seed, round, accuracy`` (one row per round of a run).
    strategies:
        Which strategies to compare (default: all); each must have every seed and round of every setting.

    Returns
    -------
    Square frame, row beats column; the diagonal is 0.
    """
    names = sorted(curves["strategy"].unique()) if strategies is None else list(strategies)
    curves = curves[curves["strategy"].isin(names)]
    total = np.zeros((len(names), len(names)))
    for (dataset, regime), part in curves.groupby(["dataset", "regime"], sort=True):
        cube = part.pivot_table(index=["strategy", "seed"], columns="round", values="accuracy", aggfunc="first")
        seeds = sorted(part["seed"].unique())
        full = pd.MultiIndex.from_product([names, seeds], names=["strategy", "seed"])
        cube = cube.reindex(full)
        if cube.isna().to_numpy().any():
            raise ValueError(f"{dataset}/{regime}: not every strategy has every seed and round; pass complete strategies only")
        acc = cube.to_numpy().reshape(len(names), len(seeds), cube.shape[1])
        total += paired_t_wins(acc, alpha).mean(axis=2)
    return pd.DataFrame(total, index=names, columns=names)
