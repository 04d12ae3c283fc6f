"""The leaderboard's tables as rows of text: headers, rows and notes of every section, and the fixed
number formats they share.

Pure functions of a `Scoreboard`: `render` writes them as Markdown and CSV, `html_page` as HTML, so
both renderers build on this module and neither on the other.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mmal_bench.leaderboard.scoring import BASELINE, GroupScore, Scoreboard
from mmal_bench.leaderboard.signed_rank import MIN_UNITS
from mmal_bench.leaderboard.stats import CONFIDENCE
from mmal_bench.leaderboard.verdicts import power_sentence


HTML_NAME = "index.html"
#: One HTML page per strategy, ``strategies/<slug>.html``.
STRATEGY_PAGES_DIR = "strategies"
#: Digits of every figure in the Markdown and CSV output (fixed, so output is byte-stable).
DIGITS = 4
NA = "n/a"
#: The mark every output of a board that is not official carries (`Scoreboard.unofficial`); the CSV
#: gets it as a leading ``status`` column on every row, so no filter or sort can drop it.
UNOFFICIAL_MARK = "UNOFFICIAL / UNSIGNED"


def fmt(x: float, signed: bool = False) -> str:
    """A figure with `DIGITS` decimals; NaN as ``n/a``; a rounded zero never shows a minus sign."""
    if x is None or not math.isfinite(float(x)):
        return NA
    text = f"{float(x):+.{DIGITS}f}" if signed else f"{float(x):.{DIGITS}f}"
    if float(text) == 0.0:
        text = ("+" if signed else "") + f"{0.0:.{DIGITS}f}"
    return text


def fmt_ci(mean: float, low: float, high: float, signed: bool = False, bounds: tuple[float, float] | None = None) -> str:
    """``mean [low, high]``; just ``mean`` when the interval is undefined (one seed). ``bounds``: the
    range the quantity cannot leave (an accuracy's [0, 1]); a t interval reaching past it is clipped."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return fmt(mean, signed)
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return f"{fmt(mean, signed)} [{fmt(low, signed)}, {fmt(high, signed)}]"


#: Accuracies and AUBCs are proportions: their intervals are shown clipped to this range.
UNIT = (0.0, 1.0)


def fmt_rank(x: float) -> str:
    """Ranks are integers (a tie is shown by the table, not by a fraction)."""
    return str(int(x)) if math.isfinite(x) else NA


def fmt_probs(p_better: float, p_equivalent: float, p_worse: float) -> str:
    """The Bayesian verdict's three posterior probabilities, ``0.97 / 0.02 / 0.01``; ``—`` for the baseline."""
    if not all(math.isfinite(x) for x in (p_better, p_equivalent, p_worse)):
        return "—"
    return f"{p_better:.2f} / {p_equivalent:.2f} / {p_worse:.2f}"


def fmt_bytes(x: float) -> str:
    return f"{x / 2**20:.1f} MiB" if math.isfinite(x) else NA


def fmt_joules(x: float) -> str:
    return f"{x:.1f}" if math.isfinite(x) else NA


def fmt_seconds(x: float) -> str:
    return f"{x:.4f}" if math.isfinite(x) else NA


def short_hash(h: str) -> str:
    return h.split(":", 1)[-1][:12]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text)


def _delta(strategy: str, row: pd.Series) -> str:
    if strategy == BASELINE:
        return "baseline"
    return fmt_ci(row["delta_aubc"], row["delta_aubc_low"], row["delta_aubc_high"], signed=True)


def _modality(board: Scoreboard, strategy: str) -> str:
    info = board.catalog.get(strategy)
    return info.modality if info else NA


def headline_name(board: Scoreboard) -> str:
    """What the headline column is: normalised by the random→full-pool gap, or raw (flagged)."""
    if board.headline is not None and board.headline.normalised:
        return f"ΔAUBC vs {BASELINE} / gap [{CONFIDENCE:.0%} CI]"
    return f"ΔAUBC vs {BASELINE} (raw†) [{CONFIDENCE:.0%} CI]"


def overall_headers(board: Scoreboard) -> list[str]:
    return [
        "Rank", "Strategy", "Type", headline_name(board), "P(rank 1)", "Rank 95% interval", "Verdict vs random",
        "P(better / equiv. / worse)", "Holm p vs random", "AUBC",
        "Over-reliance", "Truth gap", "Shares n/a", "Missing rate", "Corrupted rate", "Noisy-label rate", "Class TV",
        "Query s (median)", "Source hash",
    ]  # fmt: skip


def overall_rows(board: Scoreboard) -> list[list[str]]:
    rows = []
    for s, r in board.overall.iterrows():
        delta = "baseline" if s == BASELINE else fmt_ci(r["delta"], r["delta_low"], r["delta_high"], signed=True)
        rows.append(
            [
                str(r["rank_label"]),
                str(s),
                _modality(board, str(s)),
                delta,
                f"{r['p_rank1']:.2f}" if math.isfinite(r["p_rank1"]) else NA,
                f"{int(r['rank_low'])}–{int(r['rank_high'])}" if math.isfinite(r["rank_low"]) else NA,
                str(r["verdict"]) or NA,
                fmt_probs(r["p_better"], r["p_equivalent"], r["p_worse"]),
                f"{r['holm_p']:.3g}" if math.isfinite(r["holm_p"]) else ("—" if s == BASELINE else NA),
                fmt(r["aubc"]),
                fmt(r["over_reliance"]),
                fmt(r["truth_gap"]),
                f"{r['shares_na']:.0%}",
                fmt(r["missing_rate"]),
                fmt(r["corrupted_rate"]),
                fmt(r["noisy_label_rate"]),
                fmt(r["class_tv"]),
                fmt_seconds(r["query_seconds"]),
                short_hash(str(r["source_hash"])),
            ]
        )
    return rows


def pitfall_rows(board: Scoreboard) -> tuple[list[str], list[list[str]]]:
    """Strategy × pitfall family: headline ΔAUBC [CI] and over-reliance, strategies in headline order."""
    p = board.pitfalls
    if p.empty:
        return [], []
    families = list(dict.fromkeys(p["family"]))
    n = p.drop_duplicates("family").set_index("family")["n_datasets"]
    headers = ["Strategy"] + [f"{f} ({int(n[f])} ds)" for f in families]
    rows = []
    for s in board.overall.index:
        row = [str(s)]
        for f in families:
            hit = p[(p["strategy"] == s) & (p["family"] == f)]
            if hit.empty:
                row.append(NA)
                continue
            r = hit.iloc[0]
            cell = "baseline" if s == BASELINE else fmt_ci(r["delta"], r["low"], r["high"], signed=True)
            c = board.family_contrasts.get(f)
            if c is not None and s in c.table.index:
                cell += f"; {c.table.loc[s, 'verdict']} (P {c.table.loc[s, 'p_better']:.2f})"
            row.append(f"{cell}; over-rel. {fmt(r['over_reliance'])}")
        rows.append(row)
    return headers, rows


def family_power_sentence(board: Scoreboard) -> str:
    """Per family, the effect its Bayesian test calls "better" with probability 0.8 (few datasets: large or none)."""
    parts = []
    for f, c in board.family_contrasts.items():
        e = c.detectable_bayes
        parts.append(f"{f} ({len(c.datasets)} ds): {'none up to 0.5' if not math.isfinite(e) else f'{e:.3f}'}")
    return ("Effect detectable at power 0.8 per family: " + "; ".join(parts) + ".") if parts else ""


def penalty_rows(board: Scoreboard) -> tuple[list[str], list[list[str]]]:
    names = list(board.penalty.index)
    return ["vs"] + names, [[a] + ["—" if a == b else f"{board.penalty.loc[a, b]:.2f}" for b in names] for a in names]


def per_dataset_rows(board: Scoreboard, column: str, formatter) -> tuple[list[str], list[list[str]]]:
    """Strategy × dataset matrix of one `Scoreboard.per_dataset` column."""
    pd_ = board.per_dataset
    if pd_.empty:
        return [], []
    datasets = sorted(pd_["dataset"].unique())
    table = pd_.set_index(["strategy", "dataset"])[column]
    order = list(board.overall.index) + sorted(set(pd_["strategy"]) - set(board.overall.index))
    rows = [[s] + [formatter(table.get((s, d), float("nan"))) for d in datasets] for s in order]
    return ["Strategy"] + datasets, rows


def _signed_by_modality(value) -> str:
    if not isinstance(value, dict) or not any(math.isfinite(v) for v in value.values()):
        return NA
    return " ".join(f"{m}:{fmt(v, signed=True)}" for m, v in value.items())


def cost_rows(board: Scoreboard) -> list[list[str]]:
    c = board.costs
    return [
        [str(s), fmt_seconds(r["query_cpu_seconds_median"]), fmt_seconds(r["query_cpu_seconds_total"]), fmt_bytes(r["query_peak_bytes"]), fmt_joules(r["energy_joules"])]
        for s, r in c.iterrows()
    ]


COST_HEADERS = ["Strategy", "Query CPU s (median)", "Query CPU s (suite total)", "Peak query memory", "Energy J (estimate)"]


def statistics_lines(board: Scoreboard) -> list[str]:
    """The sentences that say what the headline, ranks and intervals are (shared by Markdown and HTML)."""
    h, g = board.headline, board.rank_groups
    if h is None or g is None:
        return ["No ranking: it needs the baseline and at least one other strategy with every cell."]
    if not h.normalised:
        norm = f"†raw, not normalised: {h.reason}"
    elif h.gap_per == "dataset":
        norm = "normalised per dataset by its random→full-pool gap averaged over its regimes (1 = closes the whole gap; every regime weighs by its raw ΔAUBC)"
    else:
        norm = "normalised per dataset × regime by the random→full-pool gap (1 = closes the whole gap)"
    lines = [
        f"Headline: mean over {h.n_datasets} datasets of ΔAUBC vs `{BASELINE}` (paired on the same dataset, regime and seed), {norm}. "
        f"{CONFIDENCE:.0%} CI: hierarchical bootstrap ({h.n_boot} replicates, datasets then seeds within each; regimes stay with their dataset; "
        "expanded percentile for few datasets). P(rank 1) and the rank interval come from the same replicates.",
    ]
    c = board.contrasts
    if c is not None:
        lines += [
            f"Verdict vs `{BASELINE}` (pre-registered; the rank follows it): Benavoli et al.'s Bayesian signed-rank test over the "
            f"{len(c.datasets)} datasets (per dataset the mean over regimes and seeds of the headline's ΔAUBC), region of practical "
            f"equivalence ±{c.rope}: better, worse or equivalent when that posterior probability is ≥ {c.decide}, else undecided. "
            f"Rank: 1 + the number of strategies in a better tier (better than random, then not shown to differ, then worse); "
            f"\"=k\" marks strategies sharing rank k, ordered by the headline inside a tier. Holm p: Wilcoxon signed-rank vs "
            f"`{BASELINE}` over datasets, Holm-corrected over the {len(c.table)} strategies.",
            power_sentence(c),
            f"All pairs (not the ranking): Friedman χ² = {fmt(g.friedman_statistic)}, p = {g.friedman_p:.2g}, then pairwise Wilcoxon–Holm "
            f"(family-wise α = {g.alpha}); the critical-difference diagram shows them.",
        ]
    if len(board.lodo):
        changed = board.lodo[board.lodo["changed"]]
        if changed.empty:
            lines.append(f"Leave-one-dataset-out: the all-pairs top rank group ({', '.join(g.top_group)}) is the same whichever dataset is left out.")
        else:
            moves = "; ".join(f"without {r.left_out}: {r.top_group}" for r in changed.itertuples())
            lines.append(f"Leave-one-dataset-out: the all-pairs top rank group ({', '.join(g.top_group)}) changes — {moves}.")
    return lines


GROUP_HEADERS = [
    "Rank", "Strategy", "Type", f"AUBC [{CONFIDENCE:.0%} CI]", "Final accuracy [CI]", f"ΔAUBC vs {BASELINE} [CI]",
    "Imbalance", "Util. gap", "Query s (median)",
]  # fmt: skip


def group_rows(board: Scoreboard, group: GroupScore) -> list[list[str]]:
    rows = []
    for s, r in group.table.iterrows():
        rows.append(
            [
                fmt_rank(r["rank"]),
                str(s),
                _modality(board, str(s)),
                fmt_ci(r["aubc"], r["aubc_low"], r["aubc_high"], bounds=UNIT),
                fmt_ci(r["final_accuracy"], r["final_accuracy_low"], r["final_accuracy_high"], bounds=UNIT),
                _delta(str(s), r),
                fmt(r["imbalance"]),
                fmt(r["utilization_gap"]),
                fmt_seconds(r["query_seconds"]),
            ]
        )
    return rows


def missing_lines(board: Scoreboard, limit: int = 8) -> list[str]:
    lines = []
    for s, cells in sorted(board.missing.items()):
        shown = ", ".join(f"{d}/{g}/seed {seed}" for d, g, seed in cells[:limit])
        more = f" and {len(cells) - limit} more" if len(cells) > limit else ""
        lines.append(f"{s}: {len(cells)} missing cell(s): {shown}{more}")
    return lines


def _sections(board: Scoreboard) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """(title, note, headers, rows) of every strategy-level table, in reading order after the overall one."""
    out = []
    headers, rows = pitfall_rows(board)
    if rows:
        out.append(("Per pitfall", f"{headline_name(board)} over the datasets of each pitfall family (bootstrap over those datasets); "
                    "the verdict vs random of the same Bayesian signed-rank test with that family's datasets as the units, with its "
                    f"P(better) (no verdict on fewer than {MIN_UNITS} datasets: undecided whatever P); mean over-reliance (n/a without "
                    "calibration data). " + family_power_sentence(board), headers, rows))  # fmt: skip
    if len(board.penalty):
        headers, rows = penalty_rows(board)
        out.append(("Pairwise penalty matrix", f"Lüth et al. (2023): at every budget of every dataset × regime a paired t-test over seeds "
                    f"on accuracy (p < 0.05, uncorrected); each significant win adds 1/n_budgets. Row beats column; at most "
                    f"{len(board.groups)} (the number of dataset × regime settings).", headers, rows))  # fmt: skip
    headers, rows = per_dataset_rows(board, "gap_closed", lambda v: fmt(v, signed=True))
    if rows:
        out.append(("Share of the random→full-pool gap closed", "Per dataset, mean over regimes of (AUBC − random's AUBC) / "
                    "(full-pool accuracy − random's AUBC); n/a without calibration data.", headers, rows))  # fmt: skip
        headers, rows = per_dataset_rows(board, "over_reliance_by_modality", _signed_by_modality)
        out.append(("Over-reliance per dataset", "Signed, per modality: the model's Shapley share minus the modality's share in the "
                    "reference game at the same number of labels (3.0.0: recorded by random's cell of the same seed on the scored "
                    "instance), mean over rounds and runs; n/a where undefined.",
                    headers, rows))  # fmt: skip
        headers, rows = per_dataset_rows(board, "truth_gap", fmt)
        out.append(("Gap to the asymptotic ground truth per dataset", "Total-variation distance between the model's Shapley shares "
                    "and the shares of the dataset's ground-truth (Bayes) subset accuracies — not what n labels can support.",
                    headers, rows))  # fmt: skip
        for column, title in (("missing_rate", "missing-modality"), ("corrupted_rate", "corrupted-modality"), ("noisy_label_rate", "wrong-label")):
            headers, rows = per_dataset_rows(board, column, fmt)
            out.append((f"Noise purchase: {title} rows", "Share of bought rows with this defect / its share in the pool (1 = bought at "
                        "the pool's rate); n/a where the pool has none or the records predate the field.", headers, rows))  # fmt: skip
        headers, rows = per_dataset_rows(board, "class_tv", fmt)
        out.append(("Bought class mix vs pool", "Total-variation distance between the class mix of all bought rows and the pool's.", headers, rows))
    if len(board.costs):
        out.append(("Query cost", f"Energy: {board.energy_method}.", COST_HEADERS, cost_rows(board)))
    return out


#: A learning curve whose mean accuracy moves less than this over the whole budget is called flat.
FLAT_RANGE = 0.02


def board_order(board: Scoreboard, strategies: Iterable[str] | None = None) -> list[str]:
    """The one order of strategies everywhere (tables, CD diagram, plot legends): the overall table's
    (ranked by the headline), then the unranked ones by name."""
    everyone = set(strategies) if strategies is not None else {s for g in board.groups for s in g.curves} | set(board.overall.index)
    ranked = [str(s) for s in board.overall.index if s in everyone]
    return ranked + sorted(everyone - set(ranked))


def flat_curves(board: Scoreboard, group: GroupScore) -> dict[str, tuple[float, float]]:
    """Strategies whose mean learning curve in ``group`` stays within `FLAT_RANGE` over the budget while
    the baseline's rises by more: ``{strategy: (lowest, highest accuracy)}``, in the board's order."""
    base = group.curves.get(BASELINE)
    if base is None or float(np.ptp(base.accuracy)) < FLAT_RANGE:
        return {}
    out = {}
    for s in board_order(board, group.curves):
        c = group.curves[s]
        if s != BASELINE and len(c.accuracy) > 2 and float(np.ptp(c.accuracy)) < FLAT_RANGE:
            out[s] = (float(np.min(c.accuracy)), float(np.max(c.accuracy)))
    return out
