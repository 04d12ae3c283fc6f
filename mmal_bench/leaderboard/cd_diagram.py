"""Critical-difference diagram (Demšar 2006) drawn from Wilcoxon–Holm rank groups.

Strategies sit at their Friedman mean rank over datasets; a thick bar joins strategies that no
Holm-corrected pairwise test separates. Written as a PNG with no timestamp, so it is byte-stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mmal_bench.leaderboard.rank_groups import RankGroups, cliques


def plot_cd_diagram(groups: RankGroups, path: Path, title: str = "", order: Sequence[str] | None = None) -> Path:
    """Draw ``groups`` as a CD diagram PNG at ``path``.

    Parameters
    ----------
    groups: the rank groups (mean ranks and significant pairs).
    path: the PNG to write (its folder is created).
    title: shown above the axis.
    order: the order the names are listed in (top left first, then bottom right up): the leaderboard
        table's, so the diagram's first name is the table's first row; default by mean rank.

    Returns
    -------
    ``path``.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    ranks = groups.mean_ranks
    by_rank = list(ranks.sort_values(kind="stable").index)
    order = [s for s in order if s in ranks.index] + [s for s in by_rank if s not in order] if order is not None else by_rank
    k = len(order)
    half = (k + 1) // 2
    bars = cliques(groups)
    height = 1.2 + 0.28 * max(half, k - half) + 0.18 * len(bars)
    fig, ax = plt.subplots(figsize=(7.5, height))
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(-(max(half, k - half) + 1.5) - 0.35 * len(bars), 1.2)
    ax.axis("off")
    ax.hlines(0, 1, k, color="black", lw=1)
    for r in range(1, k + 1):
        ax.vlines(r, 0, 0.15, color="black", lw=1)
        ax.text(r, 0.3, str(r), ha="center", va="bottom", fontsize=8)
    for i, name in enumerate(order):
        left = i < half
        level = -(i + 1) if left else -(k - i)
        x_text = 0.6 if left else k + 0.4
        ax.plot([ranks[name], ranks[name], x_text], [0, level, level], color="black", lw=0.8)
        ax.text(x_text, level, f"{name} ({ranks[name]:.2f})", ha="left" if not left else "right", va="center", fontsize=8,
                transform=ax.transData, clip_on=False)  # fmt: skip
    for j, bar in enumerate(bars):
        y = -0.35 - 0.3 * j
        ax.hlines(y, ranks[bar[0]] - 0.05, ranks[bar[-1]] + 0.05, color="tab:red", lw=3)
    note = f"Friedman p = {groups.friedman_p:.2g}; bars: no Holm-corrected Wilcoxon difference (α = {groups.alpha}), {groups.n_datasets} datasets"
    ax.set_title((title + "\n" if title else "") + note, fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context({"svg.hashsalt": "mmal-bench"}):
        fig.savefig(path, dpi=100, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return path
