"""The statistics behind FINDINGS.md: what a suite's results say about each claim, as tables with sides.

Every figure comes from the leaderboard's own functions (`score`, `deltas`, `headline`, `rank_groups`,
`t_interval`, `paired_difference`, `cell_metrics_frame`); this module only selects, pairs and labels
them, so the report cannot say more than the statistics do (`findings_report` turns sides into words).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mmal_bench.leaderboard.bootstrap import BASELINE, N_BOOT, Deltas, deltas, headline
from mmal_bench.leaderboard.pitfalls import FAMILIES, dataset_family
from mmal_bench.leaderboard.rank_groups import ALPHA, baseline_scores, holm, rank_groups
from mmal_bench.leaderboard.scoring import Scoreboard, family_order, regime_key
from mmal_bench.leaderboard.signed_rank import ROPE, bayesian_signed_rank
from mmal_bench.leaderboard.stats import paired_difference, t_interval

#: The pseudo-strategy whose per-cell ΔAUBC is (mean over multimodal) − (mean over unimodal strategies).
MM_MINUS_UM = "multimodal − unimodal"
#: ROPE of the Bayesian tests on reliance (Δ over-reliance, in share units: one point of share).
RELIANCE_ROPE = 0.01
#: Claim 2's verdict words (better = reduces over-reliance).
RELIANCE_WORDS = ("reduces", "equivalent", "increases", "undecided")
#: Claim 3's verdict words (better = the multimodal strategies ahead).
MM_WORDS = ("multimodal ahead", "equivalent", "unimodal ahead", "undecided")

#: Where an interval lies relative to its reference value (the words come from `findings_report`).
ABOVE, BELOW, INCLUDES, NA = "above", "below", "includes", "n/a"
#: Relative distance below which an interval bound counts as touching its reference value.
SIDE_TOLERANCE = 1e-9


def side(low: float, high: float, reference: float = 0.0) -> str:
    """``"above"`` / ``"below"`` when the interval ``[low, high]`` excludes ``reference`` on that side,
    ``"includes"`` when it contains it, ``"n/a"`` when the interval is undefined (NaN)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return NA
    # A bound that equals the reference up to rounding (e.g. a zero-width interval of identical seeds at
    # exactly the pool's rate) does not exclude it: float noise must not decide a verdict.
    tol = SIDE_TOLERANCE * max(1.0, abs(reference))
    if low > reference + tol:
        return ABOVE
    if high < reference - tol:
        return BELOW
    return INCLUDES


def informative(table: pd.DataFrame) -> bool:
    """Whether a hierarchical bootstrap over ``table``'s cells can vary: more than one dataset, or more
    than one seed in some dataset. One dataset with one seed gives a zero-width "interval" that says
    nothing, so no verdict may rest on it."""
    return table["dataset"].nunique() > 1 or bool((table.groupby("dataset")["seed"].nunique() > 1).any())


def bootstrap_rows(d: Deltas, n_boot: int) -> pd.DataFrame:
    """Mean and hierarchical-bootstrap CI (`headline`) of every strategy of ``d`` (baseline left out);
    the CI is NaN where the cells cannot vary (`informative`)."""
    table = headline(d, n_boot=n_boot).table[["mean", "low", "high"]]
    table = table.drop(index=[s for s in table.index if s not in set(d.table["strategy"])]).copy()
    if not informative(d.table):
        table[["low", "high"]] = np.nan
    return table


def present_families(families: Mapping[str, str]) -> list[str]:
    """The pitfall families of ``families`` (dataset -> family) in the leaderboard's column order."""
    values = set(families.values())
    return [f for f in FAMILIES if f in values] + sorted(values - set(FAMILIES))


def ranked_deltas(frame: pd.DataFrame, board: Scoreboard, *, raw: bool = False) -> Deltas | None:
    """Per-cell ΔAUBC of the ranked strategies, normalised exactly as `score` normalises the headline
    (all or nothing, by the calibration's full-pool accuracy), or ``raw`` accuracy differences.
    ``None`` when the board ranks nothing (no random baseline, or no other complete strategy)."""
    if board.headline is None:
        return None
    ranked = frame[frame["strategy"].isin(board.overall.index)]
    full_pool = board.full_pool if len(board.full_pool) == len(board.datasets) and not raw else None
    d = deltas(ranked, full_pool, gap_per=board.headline.gap_per)
    if not raw and not d.normalised and board.reference_reason:
        d = Deltas(d.table, False, board.reference_reason, d.gap_per)
    return d


def headline_table(board: Scoreboard) -> pd.DataFrame:
    """The leaderboard's headline per ranked strategy: rank label, modality, ΔAUBC and CI, the CI's side
    of 0, and the Wilcoxon p-value against random, Holm-adjusted over the comparisons with random
    (`RankGroups.vs_baseline`), with its verdict at the board's alpha."""
    columns = ["rank_label", "modality", "mean", "low", "high", "side", "holm_p", "differs", "verdict", "p_better", "p_equivalent", "p_worse"]
    if board.headline is None or board.rank_groups is None:
        return pd.DataFrame(columns=columns)
    groups = board.rank_groups
    vs_random = groups.vs_baseline(BASELINE)
    can_vary = len(board.datasets) > 1 or any(len(g.seeds) > 1 for g in board.groups)  # see `informative`
    rows = {}
    for s in board.overall.index:
        h = board.headline.table.loc[s].copy()
        if not can_vary:
            h[["low", "high"]] = np.nan
        base = s == BASELINE
        rows[s] = {
            "rank_label": board.overall.loc[s, "rank_label"],
            "modality": board.overall.loc[s, "modality"],
            "mean": float(h["mean"]),
            "low": float(h["low"]),
            "high": float(h["high"]),
            "side": NA if base else side(h["low"], h["high"]),
            "holm_p": np.nan if base else float(vs_random[s]),
            "differs": False if base else bool(vs_random[s] < groups.alpha),
            **board.overall.loc[s, ["verdict", "p_better", "p_equivalent", "p_worse"]].to_dict(),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def bayes_verdicts(d: Deltas, rope: float, words: tuple[str, str, str, str], *, lower_is_better: bool = False) -> pd.DataFrame:
    """Bayesian signed-rank verdict of every strategy of ``d`` vs zero over its datasets (mean per dataset).

    ``words`` names (better, equivalent, worse, undecided) for this question; ``lower_is_better``
    flips the sign first (less over-reliance is the improvement). Columns: verdict, p_better,
    p_equivalent, p_worse, n_datasets; a strategy with a single dataset still gets its posterior.
    """
    per_dataset = d.table.groupby(["strategy", "dataset"])["delta"].mean().unstack("dataset")
    rows = {}
    for s, values in per_dataset.iterrows():
        x = values.dropna().to_numpy(dtype=np.float64)
        post = bayesian_signed_rank(-x if lower_is_better else x, rope)
        v = post.verdict()
        word = {"better": words[0], "equivalent": words[1], "worse": words[2], "undecided": words[3]}[v]
        rows[s] = {"verdict": word, "p_better": post.p_better, "p_equivalent": post.p_equivalent, "p_worse": post.p_worse, "n_datasets": x.size}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["verdict", "p_better", "p_equivalent", "p_worse", "n_datasets"])


def model_over_reliance(metrics: pd.DataFrame, strategy: str = BASELINE) -> pd.DataFrame:
    """Claim 1: per (dataset, regime), the model's signed over-reliance under ``strategy``'s labels.

    The modality with the largest mean excess (Shapley share − share the calibration's unimodal
    references support at the same n, `cell_metrics`) is reported with a t-interval over seeds; random
    labels are the ones the references were trained on, so this isolates the model from the strategy.
    ``values`` holds the per-seed excesses the interval is computed from (`beyond_control` tests them).
    """
    columns = ["dataset", "regime", "modality", "excess", "low", "high", "n_seeds", "side", "values"]
    rows = []
    part = metrics[metrics["strategy"] == strategy]
    for (dataset, regime), group in part.groupby(["dataset", "regime"], sort=True):
        signed = pd.DataFrame(list(group["over_reliance_by_modality"]), index=group["seed"].to_numpy())
        means = signed.mean(skipna=True)
        if not means.notna().any():
            rows.append([dataset, regime, "", np.nan, np.nan, np.nan, 0, NA, ()])
            continue
        modality = str(means.idxmax())
        values = signed[modality].dropna().to_numpy()
        iv = t_interval(values)
        rows.append([dataset, regime, modality, iv.mean, iv.low, iv.high, iv.n, side(iv.low, iv.high), tuple(map(float, values))])
    out = pd.DataFrame(rows, columns=columns)
    if out.empty:
        return out
    order = sorted(range(len(out)), key=lambda i: (out.loc[i, "dataset"], regime_key(out.loc[i, "regime"])))
    return out.loc[order].reset_index(drop=True)


def family_over_reliance(metrics: pd.DataFrame, board: Scoreboard, strategy: str = BASELINE, rope: float = RELIANCE_ROPE) -> pd.DataFrame:
    """Claim 1 with the instance as the unit (3.0.0): per pitfall family, random's over-reliance per
    dataset (each dataset is one instance of its family's generator, scored on its hidden instance),
    with a t-interval over those datasets.

    Orientation is fixed before looking at the model: each dataset's value is the signed over-reliance
    on the modality its ground truth gives the larger share (the first modality on a symmetric control),
    averaged over its regimes and seeds. Taking the larger of the two signed values instead would read
    |noise| > 0 on the control. Two-modality datasets only (the one-game measure's domain). ``verdict``:
    "over-relies" when the interval lies above ``rope``, "none" when it lies inside ±``rope``, else
    "undecided"; n/a with fewer than 3 instances.

    Returns one row per family in the board's order: family, n, mean, low, high, verdict, datasets.
    """
    part = metrics[metrics["strategy"] == strategy]
    means = part.groupby("dataset", sort=True)["over_reliance_oriented"].mean()  # NaN-skipping: seeds x regimes
    per_dataset = {str(d): float(v) for d, v in means.items() if np.isfinite(v)}
    rows = []
    for family in dict.fromkeys(board.families[d] for d in family_order(board.families)):
        members = [d for d, f in board.families.items() if f == family and d in per_dataset]
        values = np.array([per_dataset[d] for d in sorted(members)])
        if len(values) < MIN_INSTANCES:
            rows.append([family, len(values), float(values.mean()) if len(values) else np.nan, np.nan, np.nan, NA, tuple(sorted(members))])
            continue
        iv = t_interval(values)
        verdict = "over-relies" if iv.low > rope else "none" if -rope <= iv.low and iv.high <= rope else "undecided"
        rows.append([family, iv.n, iv.mean, iv.low, iv.high, verdict, tuple(sorted(members))])
    return pd.DataFrame(rows, columns=["family", "n", "mean", "low", "high", "verdict", "datasets"])


#: A reliance claim rests on at least this many instances (datasets of a family), the instance as the unit.
MIN_INSTANCES = 3


@dataclass(frozen=True)
class BeyondControl:
    """Claim 1's verdict inputs: what the measure reads on the control datasets, and which other
    settings lie beyond it after correcting for the number of settings tested."""

    floor: float
    controls: tuple[str, ...]
    #: The non-control rows of `model_over_reliance` with ``holm_p`` (one-sided t-test over seeds that
    #: the excess lies above ``floor``, Holm-adjusted over these rows), ``above_floor`` (the interval
    #: lies above the floor) and ``over`` (above_floor and holm_p < alpha).
    tested: pd.DataFrame


def beyond_control(reliance: pd.DataFrame, alpha: float = ALPHA) -> BeyondControl:
    """Which settings over-rely beyond the negative control, family-wise.

    The control datasets (no pitfall: both modalities equally informative and equally easy) give the
    measure's floor on this model and these budgets: the largest mean excess read there (at least 0).
    Every other setting is a separate test that its excess exceeds that floor; with dozens of settings,
    uncorrected 95 % intervals would call about one in forty a finding by chance, so a setting counts
    only when its interval lies above the floor *and* the Holm-adjusted one-sided p-value is below
    ``alpha``.
    """
    from scipy import stats

    measured = reliance[reliance["side"] != NA] if len(reliance) else reliance
    is_control = np.array([dataset_family(d) == "control" for d in measured["dataset"]], dtype=bool)
    control, tested = measured[is_control], measured[~is_control].copy()
    floor = max(float(control["excess"].max()), 0.0) if not control.empty else 0.0
    p = [float(stats.ttest_1samp(v, floor, alternative="greater").pvalue) if len(v) > 1 and np.ptp(v) > 0 else np.nan
         for v in tested["values"]]  # fmt: skip
    tested["holm_p"] = holm(np.asarray(p, dtype=np.float64))
    tested["above_floor"] = (tested["side"] == ABOVE) & (tested["low"] > floor)
    tested["over"] = tested["above_floor"] & (tested["holm_p"] < alpha)
    return BeyondControl(floor, tuple(dict.fromkeys(control["dataset"])), tested.reset_index(drop=True))


@dataclass(frozen=True)
class PairedVsRandom:
    """A per-cell quantity of every ranked strategy compared with random's on the same cells."""

    table: pd.DataFrame  # index strategy: mean, low, high, side, holm_p, differs
    n_datasets: int = 0
    #: Why there is no comparison ("" when there is one).
    reason: str = ""


def reliance_vs_random(
    metrics: pd.DataFrame,
    strategies: list[str],
    n_boot: int = N_BOOT,
    alpha: float = ALPHA,
    families: Mapping[str, str] | None = None,
    column: str = "over_reliance",
) -> PairedVsRandom:
    """Claim 2: Δ over-reliance (strategy − random, paired by cell) with the headline's hierarchical
    bootstrap CI and the rank groups' Holm-corrected Wilcoxon test against random.

    Only cells where every strategy's over-reliance is defined take part (a paired comparison needs
    both sides); negative means the strategy's model leans less on one modality than random's does.
    With ``families`` (dataset -> pitfall family), the table also names the families whose own
    bootstrap CI (over that family's datasets) lies below 0 (``reduces_in``) or above it (``increases_in``):
    a strategy may fix over-reliance where it arises without doing so on average. ``column``: which
    per-cell over-reliance (3.0.0: ``over_reliance_oriented``, signed toward the modality the truth
    favours, see `cell_metrics._oriented`; 2.0.0: the total-variation distance).
    """
    if BASELINE not in strategies or len(strategies) < 2:
        return PairedVsRandom(pd.DataFrame(), reason="no ranked strategies beside random in these results")
    key = ["dataset", "regime", "seed"]
    cells = metrics[metrics["strategy"].isin(strategies)][["strategy", *key, column]].rename(columns={column: "over_reliance"})
    defined = cells.groupby(key)["over_reliance"].agg(lambda v: int(v.notna().sum()))
    keep = defined[defined == len(strategies)].index
    cells = cells.set_index(key).loc[lambda c: c.index.isin(keep)].reset_index()
    if cells.empty:
        return PairedVsRandom(pd.DataFrame(), reason="over-reliance is undefined in every cell (no calibration references for these datasets and budgets)")
    # `deltas` pairs any per-cell value with random's on the same cell; it names its input "aubc".
    d = deltas(cells.rename(columns={"over_reliance": "aubc"}))
    paired = _paired_table(d, n_boot, alpha, lower_is_better=True)
    reduces: dict[str, list[str]] = {s: [] for s in paired.table.index}
    increases: dict[str, list[str]] = {s: [] for s in paired.table.index}
    for family in present_families(families or {}):
        part = d.table[d.table["dataset"].isin([ds for ds, f in (families or {}).items() if f == family])]
        if part.empty:
            continue
        for s, r in bootstrap_rows(Deltas(part, d.normalised, d.reason), n_boot).iterrows():
            where = side(r["low"], r["high"])
            if where == BELOW:
                reduces[s].append(family)
            elif where == ABOVE:
                increases[s].append(family)
    table = paired.table.assign(reduces_in=[", ".join(reduces[s]) for s in paired.table.index],
                                increases_in=[", ".join(increases[s]) for s in paired.table.index])  # fmt: skip
    bayes = bayes_verdicts(d, RELIANCE_ROPE, RELIANCE_WORDS, lower_is_better=True)
    table = table.join(bayes[["verdict", "p_better", "p_equivalent", "p_worse"]])
    return PairedVsRandom(table, paired.n_datasets)



def _paired_table(d: Deltas, n_boot: int, alpha: float, *, lower_is_better: bool = False) -> PairedVsRandom:
    head = headline(d, n_boot=n_boot)
    scores = baseline_scores(d.table)
    order = -head.table["mean"] if lower_is_better else head.table["mean"]
    groups = rank_groups(scores, order, alpha)
    table = head.table[["mean", "low", "high"]].drop(index=BASELINE).copy()
    if not informative(d.table):
        table[["low", "high"]] = np.nan
    table["side"] = [side(lo, hi) for lo, hi in zip(table["low"], table["high"], strict=True)]
    vs_random = groups.vs_baseline(BASELINE)
    table["holm_p"] = [float(vs_random[s]) for s in table.index]
    table["differs"] = [bool(vs_random[s] < alpha) for s in table.index]
    return PairedVsRandom(table, n_datasets=head.n_datasets)


def multimodal_vs_unimodal(d: Deltas | None, board: Scoreboard, n_boot: int = N_BOOT) -> tuple[pd.DataFrame, str]:
    """Claim 3, per pitfall family: mean ΔAUBC of the multimodal strategies minus that of the unimodal
    ones (random left out), per cell, with the headline's hierarchical bootstrap over the family's
    datasets; and the best strategy of each kind there (the board's per-pitfall table).

    Returns the table (family, n_datasets, mean, low, high, side, best_multimodal, best_unimodal with
    their ΔAUBC and CI) and a reason when there is nothing to compare ("" otherwise).
    """
    columns = ["family", "n_datasets", "mean", "low", "high", "side", "best_mm", "best_mm_delta", "best_mm_low", "best_mm_high",
               "best_um", "best_um_delta", "best_um_low", "best_um_high", "verdict", "p_better", "p_equivalent", "p_worse"]  # fmt: skip
    if d is None:
        return pd.DataFrame(columns=columns), "no ranked strategies beside random in these results"
    kinds = board.overall["modality"].to_dict()
    table = d.table.assign(kind=d.table["strategy"].map(kinds))
    present = sorted(set(table["kind"].dropna()))
    if not {"multimodal", "unimodal"} <= set(present):
        return pd.DataFrame(columns=columns), f"the ranked strategies are all {' or '.join(present) or 'of unknown modality'} (random aside)"
    per_cell = table.groupby(["dataset", "regime", "seed", "kind"])["delta"].mean().unstack("kind")
    diff = (per_cell["multimodal"] - per_cell["unimodal"]).rename("delta").reset_index().assign(strategy=MM_MINUS_UM)
    rows = []
    for family in present_families(board.families):
        members = sorted(ds for ds, f in board.families.items() if f == family)
        part = diff[diff["dataset"].isin(members)]
        if part.empty:
            continue
        mean, low, high = bootstrap_rows(Deltas(part[["strategy", "dataset", "regime", "seed", "delta"]], d.normalised, d.reason), n_boot).loc[MM_MINUS_UM]
        can_vary = informative(part)
        best = {}
        pit = board.pitfalls[(board.pitfalls["family"] == family) & (board.pitfalls["strategy"] != BASELINE)]
        for kind in ("multimodal", "unimodal"):
            mine = pit[pit["strategy"].map(kinds) == kind].sort_values(["delta", "strategy"], ascending=[False, True], kind="stable")
            if mine.empty:  # the family's table lacks this kind (cannot happen for complete strategies)
                best[kind] = ["", np.nan, np.nan, np.nan]
                continue
            r = mine.iloc[0]
            best[kind] = [r["strategy"], r["delta"], r["low"] if can_vary else np.nan, r["high"] if can_vary else np.nan]
        cells = Deltas(part[["strategy", "dataset", "regime", "seed", "delta"]], d.normalised, d.reason)
        b = bayes_verdicts(cells, ROPE, MM_WORDS).loc[MM_MINUS_UM]
        rows.append([family, len(members), mean, low, high, side(low, high), *best["multimodal"], *best["unimodal"],
                     b["verdict"], b["p_better"], b["p_equivalent"], b["p_worse"]])  # fmt: skip
    return pd.DataFrame(rows, columns=columns), ""


def _per_seed(metrics: pd.DataFrame, column: str) -> pd.Series:
    """Mean of ``column`` over each (strategy, dataset, seed)'s regimes (seeds are the replicates)."""
    return metrics.groupby(["strategy", "dataset", "seed"], sort=True)[column].mean()


def purchase_rates(metrics: pd.DataFrame, column: str, d: Deltas | None, strategies: list[str], n_boot: int = N_BOOT) -> pd.DataFrame:
    """What each strategy buys of a kind of bad row, and what it costs it, on the datasets that have them.

    ``column`` is a `cell_metrics` rate (bought share / pool share; defined only where the pool holds
    such rows, so the datasets come from the results, not from a list). Per strategy and dataset: the
    rate with a t-interval over seeds and its side of 1 (the pool's rate), and the dataset's ΔAUBC vs
    random with the headline's bootstrap CI.
    """
    columns = ["dataset", "strategy", "rate", "low", "high", "side", "delta", "delta_low", "delta_high", "delta_side"]
    part = metrics[metrics["strategy"].isin(strategies)]
    datasets = sorted(part.loc[part[column].notna(), "dataset"].unique())
    rows = []
    for dataset in datasets:
        per_seed = _per_seed(part[part["dataset"] == dataset], column)
        here = d.table[d.table["dataset"] == dataset] if d is not None else pd.DataFrame()
        head = bootstrap_rows(Deltas(here, d.normalised, d.reason), n_boot) if len(here) else pd.DataFrame(columns=["mean", "low", "high"])
        for s in strategies:
            mine = per_seed.xs(s, level="strategy") if s in per_seed.index.get_level_values("strategy") else pd.Series(dtype=float)
            iv = t_interval(mine.dropna().to_numpy())
            dm, dl, dh = (float(v) for v in head.loc[s]) if s in head.index else (np.nan, np.nan, np.nan)
            rows.append([dataset, s, iv.mean, iv.low, iv.high, side(iv.low, iv.high, 1.0), dm, dl, dh, side(dl, dh)])
    return pd.DataFrame(rows, columns=columns)


def missing_modality_purchases(metrics: pd.DataFrame, board: Scoreboard, strategies: list[str]) -> pd.DataFrame:
    """Per strategy on each missing-modality dataset: bought-missingness rate (side of 1 = the pool's
    rate) and class-mix skew (TV distance of the bought classes from the pool's), each with a t-interval
    over seeds, and the skew's paired difference to random's on the same seeds."""
    columns = ["dataset", "strategy", "missing_rate", "missing_low", "missing_high", "missing_side",
               "class_tv", "tv_low", "tv_high", "tv_vs_random", "tv_vs_random_low", "tv_vs_random_high", "tv_side"]  # fmt: skip
    datasets = sorted(ds for ds, f in board.families.items() if f == "missing modalities")
    part = metrics[metrics["strategy"].isin(strategies) & metrics["dataset"].isin(datasets)]
    missing, tv = _per_seed(part, "missing_rate"), _per_seed(part, "class_tv")
    rows = []
    for dataset in datasets:
        for s in strategies:
            if (s, dataset) not in set(zip(part["strategy"], part["dataset"], strict=True)):
                continue
            m = t_interval(missing.loc[(s, dataset)].dropna().to_numpy())
            own = tv.loc[(s, dataset)]
            t = t_interval(own.dropna().to_numpy())
            diff = (np.nan, np.nan, np.nan)
            if s != BASELINE and (BASELINE, dataset) in tv.index.droplevel("seed"):
                both = pd.concat([own, tv.loc[(BASELINE, dataset)]], axis=1, join="inner").dropna()
                if len(both):
                    p = paired_difference(both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy())
                    diff = (p.mean, p.low, p.high)
            rows.append([dataset, s, m.mean, m.low, m.high, side(m.low, m.high, 1.0), t.mean, t.low, t.high, *diff, side(diff[1], diff[2])])
    return pd.DataFrame(rows, columns=columns)


def cost_efficiency(frame: pd.DataFrame, board: Scoreboard, raw: Deltas | None, n_boot: int = N_BOOT) -> pd.DataFrame:
    """Accuracy bought per unit of query cost: raw ΔAUBC vs random (accuracy, headline's mean and CI)
    over the leaderboard's cost columns per run (CPU-seconds, joules of the board's energy method).

    A ratio is reported only where the gain's CI excludes 0 (``gain_side``); otherwise the strategy
    gains nothing measurable per second, whatever the division gives.
    """
    columns = ["gain", "gain_low", "gain_high", "gain_side", "cpu_seconds_per_run", "joules_per_run", "gain_per_cpu_second", "gain_per_joule"]
    if raw is None:
        return pd.DataFrame(columns=columns)
    head = bootstrap_rows(raw, n_boot)
    runs = frame.groupby("strategy").size()
    rows = {}
    for s in board.overall.index:
        if s == BASELINE:
            continue
        h = head.loc[s]
        cpu = board.costs.loc[s, "query_cpu_seconds_total"] / runs[s] if s in board.costs.index else np.nan
        joules = board.costs.loc[s, "energy_joules"] / runs[s] if s in board.costs.index else np.nan
        gain_side = side(h["low"], h["high"])
        measurable = gain_side in (ABOVE, BELOW)
        rows[s] = [h["mean"], h["low"], h["high"], gain_side, cpu, joules,
                   h["mean"] / cpu if measurable and cpu > 0 else np.nan, h["mean"] / joules if measurable and joules > 0 else np.nan]  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


@dataclass(frozen=True)
class SuiteFacts:
    """What the threats-to-validity paragraph quotes, from the suite definition (and the results)."""

    registered: bool
    n_datasets: int = 0
    seeds: tuple[int, ...] = ()
    regimes: tuple[str, ...] = ()
    min_budget: int = 0
    max_budget: int = 0
    hidden_sizes: tuple[int, ...] = ()
    embed_dim: int = 0
    fusion: str = ""
    fusion_hidden: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # dataset kind -> count in the suite
    #: Budgets come from a calibration (per-dataset regimes) rather than the suite's fixed regimes.
    calibrated: bool = False


def suite_facts(suite: str) -> SuiteFacts:
    """Datasets, seeds, regimes, final budgets and model of the registered ``suite`` (``registered`` is
    False when no such suite is defined, e.g. results of a suite this package no longer has)."""
    from mmal_bench.data.registry import get_entry
    from mmal_bench.errors import ConfigError
    from mmal_bench.harness.suites import get_suite

    try:
        definition = get_suite(suite)
        protocols = definition.protocols()
    except ConfigError:
        return SuiteFacts(registered=False)
    budgets = [p.regime.initial + p.regime.batch_size * p.regime.rounds for p in protocols]
    kinds: dict[str, int] = {}
    for name, version in definition.dataset_refs():
        kind = get_entry(name, version).kind
        kinds[kind] = kinds.get(kind, 0) + 1
    model = definition.model
    return SuiteFacts(
        registered=True,
        n_datasets=len(definition.dataset_refs()),
        seeds=tuple(definition.seeds),
        regimes=tuple(sorted({p.regime.name for p in protocols}, key=regime_key)),
        min_budget=min(budgets) if budgets else 0,
        max_budget=max(budgets) if budgets else 0,
        hidden_sizes=tuple(model.hidden_sizes),
        embed_dim=int(model.embed_dim),
        fusion=str(model.fusion),
        fusion_hidden=int(model.fusion_hidden),
        kinds=dict(sorted(kinds.items())),
        calibrated=any(name in definition.regime_overrides for name, _ in definition.dataset_refs()),
    )
