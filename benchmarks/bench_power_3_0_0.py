"""Power analysis of suite 3.0.0 (issue 22): from the pilot's cells to the frozen design.

Reads ``benchmarks/pilot_3_0_0/cells.csv`` (written by ``pilot_3_0_0.py``) and, per strategy vs
``random``:

1. the per-cell normalised ΔAUBC, as the board computes it (`mmal_bench.leaderboard.bootstrap.deltas`:
   ΔAUBC divided by full-pool accuracy − mean random AUBC of the dataset and regime), averaged per
   dataset over seeds (the unit of the verdict test);
2. the between-dataset SD of those dataset means, the within-family ICC (one-way ANOVA estimator,
   families as groups, truncated to [0, 0.95]) and the share of a dataset mean's variance due to seeds;
3. the power of the verdict test (Bayesian signed-rank, ROPE ±0.01, "better" at P ≥ 0.95:
   `mmal_bench.leaderboard.power.power`) for δ = 0.03 over candidate designs (variants per family),
   with n_eff = Σ m_f / (1 + (m_f − 1)·ICC) per family, and the cost of each design relative to
   suite 2.0.0's 1 h 29 min on 2 cores: from the pilot's wall time per cell next to two 2.0.0
   datasets in the same process, or (``--cost-ratio``) from ``bench_cost_3_0_0.py``'s interleaved
   measure with the calibrated regimes and the 3.0.0 model.

Prints the tables and writes ``benchmarks/pilot_3_0_0/power.json`` (the numbers the design cites).

    PYTHONPATH=. python benchmarks/bench_power_3_0_0.py
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from tabulate import tabulate

from mmal_bench.leaderboard.power import detectable_effect, power

HERE = Path(__file__).with_name("pilot_3_0_0")
EFFECT = 0.03
TARGET = 0.8
#: Suite 2.0.0 on 2 cores (issue 22's cost cap): 10 datasets, 29 dataset x regime settings, 20 seeds, 17 strategies.
COST_2_0_0_MINUTES = 89.0
SETTINGS_2_0_0 = 29
SEEDS_2_0_0 = 20
#: What the 2.0.0 re-analysis measured (REFERENCES.md, "Units of inference"): the design must hold there too.
SD_2_0_0 = (0.05, 0.08)
ICC_2_0_0 = 0.5
#: Real and semi-synthetic families have fixed sizes (their sources allow no more draws).
REAL_FAMILY_SIZES = {"mfeat": 5, "mnist-mv": 3, "real-mcar": 2, "real-mnar": 2, "real-corrupted": 2, "real-noisy-labels": 2, "real-degraded": 2}
SYNTHETIC_FAMILIES = 17


def dataset_deltas(cells: pd.DataFrame) -> pd.DataFrame:
    """Per (strategy, dataset): mean over seeds and regimes of the normalised ΔAUBC vs random."""
    base = cells[cells.strategy == "random"].set_index(["dataset", "regime", "seed"])["aubc"]
    base_mean = cells[cells.strategy == "random"].groupby(["dataset", "regime"])["aubc"].mean()
    out = cells[cells.strategy != "random"].copy()
    keys = list(zip(out.dataset, out.regime, out.seed))
    out["delta"] = out["aubc"].to_numpy() - base.loc[keys].to_numpy()
    gap = out["full_pool_accuracy"].to_numpy() - base_mean.loc[list(zip(out.dataset, out.regime))].to_numpy()
    out["norm_delta"] = out["delta"] / gap
    return out


def family_icc(means: pd.Series, families: pd.Series) -> float:
    """One-way ANOVA ICC of dataset means grouped by family (unequal sizes: the n0 correction)."""
    frame = pd.DataFrame({"y": means, "g": families})
    groups = frame.groupby("g")["y"]
    k, n = groups.ngroups, len(frame)
    sizes = groups.size().to_numpy()
    grand = frame["y"].mean()
    msb = float((sizes * (groups.mean() - grand) ** 2).sum() / (k - 1))
    msw = float(((frame["y"] - groups.transform("mean")) ** 2).sum() / (n - k))
    n0 = (n - (sizes**2).sum() / n) / (k - 1)
    icc = (msb - msw) / (msb + (n0 - 1) * msw) if msb + (n0 - 1) * msw > 0 else 0.0
    return float(min(max(icc, 0.0), 0.95))


def n_eff(sizes: list[int], icc: float) -> float:
    return float(sum(m / (1 + (m - 1) * icc) for m in sizes))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=Path, default=HERE / "cells.csv")
    parser.add_argument("--out", type=Path, default=HERE / "power.json")
    parser.add_argument("--regimes", type=int, default=2, help="regimes per 3.0.0 dataset (default 2: low and mid)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per 3.0.0 setting (default 5)")
    parser.add_argument("--variants", type=int, default=2, choices=(1, 2, 3), help="the design to report in detail (variants per synthetic family)")
    parser.add_argument("--cost-ratio", type=float, default=None, help="3.0.0 / 2.0.0 wall time per (dataset, seed) from bench_cost_3_0_0.py (replaces the pilot's per-cell estimate)")
    args = parser.parse_args(argv)
    cells = pd.read_csv(args.cells)
    pilot = cells[cells.family != "reference-2.0.0"]
    deltas = dataset_deltas(pilot)

    # -- variance components ---------------------------------------------------------------------------
    rows, stats = [], {}
    for strategy, part in deltas.groupby("strategy"):
        per_ds = part.groupby("dataset").agg(mean=("norm_delta", "mean"), seed_var=("norm_delta", "var"), n=("norm_delta", "size"), family=("family", "first"))
        sd = float(per_ds["mean"].std(ddof=1))
        icc = family_icc(per_ds["mean"], per_ds["family"])
        seed_share = float((per_ds["seed_var"] / per_ds["n"]).mean() / per_ds["mean"].var(ddof=1)) if sd > 0 else float("nan")
        fam_means = per_ds.groupby("family")["mean"].mean().round(4).to_dict()
        stats[strategy] = {"mean": float(per_ds["mean"].mean()), "sd": sd, "icc": icc, "seed_share": seed_share, "family_means": fam_means, "datasets": len(per_ds)}
        rows.append([strategy, len(per_ds), f"{per_ds['mean'].mean():+.4f}", f"{sd:.4f}", f"{icc:.2f}", f"{seed_share:.2f}", fam_means])
    print("Pilot: per-dataset normalised ΔAUBC vs random (mean over seeds)\n")
    print(tabulate(rows, headers=["strategy", "datasets", "mean", "between-dataset SD", "family ICC", "seed share", "family means"], tablefmt="github"))

    # -- cost per cell, side by side with 2.0.0 ------------------------------------------------------------
    wall = cells.groupby("family")["wall_seconds_per_cell"].mean()
    ratio = float(wall.drop("reference-2.0.0").mean() / wall["reference-2.0.0"])
    per_dataset_2 = COST_2_0_0_MINUTES / 10.0  # minutes per 2.0.0 dataset (29 settings / 10 datasets, 20 seeds)
    per_dataset_3 = per_dataset_2 * ratio * (args.regimes / (SETTINGS_2_0_0 / 10)) * (args.seeds / SEEDS_2_0_0)
    if args.cost_ratio is not None:  # measured per (dataset, seed) with the real regimes and models, interleaved
        per_dataset_3 = per_dataset_2 * args.cost_ratio * (args.seeds / SEEDS_2_0_0)
    datasets_in_cap = int(COST_2_0_0_MINUTES // per_dataset_3)
    print(
        f"\nCost: a pilot cell takes {ratio:.2f}x a 2.0.0 low-regime cell (same process, same load); a 3.0.0 dataset with "
        f"{args.regimes} regimes x {args.seeds} seeds costs {per_dataset_3:.2f} min vs 2.0.0's {per_dataset_2:.2f} "
        f"(2.9 regimes x 20 seeds): the cap of {COST_2_0_0_MINUTES:.0f} min holds {datasets_in_cap} datasets."
    )

    # -- designs ----------------------------------------------------------------------------------------------
    best = max(stats.values(), key=lambda s: s["mean"])
    scenarios = {
        "pilot (best strategy)": (best["sd"], best["icc"]),
        "pilot (pooled)": (float(np.sqrt(np.mean([s["sd"] ** 2 for s in stats.values()]))), float(np.mean([s["icc"] for s in stats.values()]))),
        "2.0.0 re-analysis, SD 0.05": (SD_2_0_0[0], ICC_2_0_0),
        "2.0.0 re-analysis, SD 0.08": (SD_2_0_0[1], ICC_2_0_0),
    }
    real = list(REAL_FAMILY_SIZES.values())
    designs = []
    for m in (1, 2, 3):
        sizes = [m] * SYNTHETIC_FAMILIES + real
        n = sum(sizes)
        cost = n * per_dataset_3
        row = {"variants per synthetic family": m, "datasets": n, "families": len(sizes), "cost (min)": round(cost, 1), "within cap": cost <= COST_2_0_0_MINUTES}
        for label, (sd, icc) in scenarios.items():
            row[f"n_eff [{label}]"] = round(n_eff(sizes, icc), 1)
            row[f"power@0.03 [{label}]"] = round(power(EFFECT, sd, sizes, icc), 3)
        designs.append(row)
        print(row, flush=True)
    print("\nDesigns (17 synthetic families x m variants + 7 real families of fixed size), Bayesian signed-rank, ROPE ±0.01, P ≥ 0.95:\n")
    print(tabulate(designs, headers="keys", tablefmt="github"))
    chosen = designs[args.variants - 1]
    # the smallest effect the chosen design calls "better" with probability 0.8, per scenario (bisection: slow, so only here)
    chosen["detectable@0.8"] = {label: round(detectable_effect(sd, [args.variants] * SYNTHETIC_FAMILIES + real, icc, tolerance=0.002), 4) for label, (sd, icc) in scenarios.items()}
    print(f"\nChosen: {args.variants} variants per synthetic family ({chosen['datasets']} datasets, {chosen['families']} families): {chosen}")
    args.out.write_text(
        json.dumps(
            {
                "test": "Bayesian signed-rank (Benavoli et al. 2017), ROPE ±0.01, better at P(better) ≥ 0.95; mmal_bench.leaderboard.power",
                "effect": EFFECT,
                "pilot": stats,
                "cost": {"pilot_cell_vs_2_0_0_cell": ratio, "measured_dataset_seed_ratio": args.cost_ratio, "minutes_per_3_0_0_dataset": per_dataset_3, "datasets_in_cap": datasets_in_cap, "regimes": args.regimes, "seeds": args.seeds},
                "scenarios": {k: {"sd": v[0], "icc": v[1]} for k, v in scenarios.items()},
                "designs": designs,
                "chosen": chosen,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
