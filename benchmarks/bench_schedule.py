"""How few training steps 3.0.0 can take (issue 25): AUBC of the fused trainer at fewer full-batch steps
against its 100-step reference, in units of the seed SD, on 2.0.0 datasets (public pool instance).

For each dataset, regime (the 2.0.0 calibrated budgets), strategy and seed, every variant runs the same
cell; per (dataset, regime, strategy) the paired mean difference of AUBC to the 100-step fused reference
is divided by the reference's SD over seeds, then averaged over regimes and strategies per dataset. The
``autograd 100`` row (2.0.0's trainer, same steps) differs from the reference only by float rounding and
dropout masks, so its |Δ|/SD is the noise floor of this comparison at this many seeds. (Variants run one
after another, so their times are not compared here: benchmarks/bench_training.py does that, interleaved.)

Usage: python benchmarks/bench_schedule.py [--steps 75 50 35] [--seeds 0-5] [--datasets balanced ...] [--jobs 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from tabulate import tabulate

from mmal_bench.harness.executors import make_executor
from mmal_bench.harness.outdir import prepare_out_dir
from mmal_bench.harness.runner import resolve_strategies, run_protocols
from mmal_bench.harness.suites import BENCHMARK_MODEL, BENCHMARK_MODEL_3, STANDARD
from mmal_bench.models import ModelConfig

DEFAULT_DATASETS = ("balanced", "information-gap", "missing-mnar", "synergy")


def run_variant(model: ModelConfig, datasets: list[str], strategies: list[str], seeds: list[int], jobs: int) -> dict:
    """``{(dataset, regime, strategy, seed): aubc}`` for one model config."""
    protocols = [dataclasses.replace(p, model=model) for p in STANDARD.protocols(datasets=datasets)]
    with tempfile.TemporaryDirectory(prefix="bench-schedule-") as out, make_executor(jobs, None) as executor:
        report = run_protocols(protocols, resolve_strategies(strategies), prepare_out_dir(Path(out)), seeds=seeds, executor=executor, progress=False)
        if not report.ok:
            raise SystemExit(f"failed cells: {report.failures}")
        cells = {}
        for r in report.results():
            p = r.provenance
            cells[(p.dataset, p.regime, p.strategy, p.seed)] = r.summary.aubc
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[75, 50, 35])
    parser.add_argument("--seeds", type=int, nargs=2, default=[0, 5], metavar=("FIRST", "LAST"))
    parser.add_argument("--datasets", nargs="+", default=list(DEFAULT_DATASETS))
    parser.add_argument("--strategies", nargs="+", default=["random", "entropy"])
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    seeds = list(range(args.seeds[0], args.seeds[1] + 1))
    reference = dataclasses.replace(BENCHMARK_MODEL_3, steps=BENCHMARK_MODEL.steps)  # 100, 2.0.0's
    variants = {"fused 100 (reference)": reference, "autograd 100 (2.0.0 trainer)": BENCHMARK_MODEL}
    variants.update({f"fused {s}": dataclasses.replace(BENCHMARK_MODEL_3, steps=s) for s in args.steps})
    cells = {}
    for name, model in variants.items():
        cells[name] = run_variant(model, args.datasets, args.strategies, seeds, args.jobs)
        print(f"{name}: {len(cells[name])} cells, load {os.getloadavg()[0]:.1f}", flush=True)

    ref = cells["fused 100 (reference)"]
    groups: dict[tuple, list] = defaultdict(list)  # (dataset, regime, strategy) -> keys over seeds
    for key in ref:
        groups[key[:3]].append(key)
    rows = []
    for name, variant in cells.items():
        per_dataset: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for group, keys in groups.items():
            reference = np.array([ref[k] for k in keys])
            delta = np.mean([variant[k] - ref[k] for k in keys])
            per_dataset[group[0]].append((delta, reference.std(ddof=1)))
        row = [name]
        ratios = []
        for d in args.datasets:
            deltas, sds = zip(*per_dataset[d], strict=True)
            ratio = np.mean(deltas) / np.mean(sds)
            ratios.append(abs(ratio))
            row.append(f"{np.mean(deltas):+.4f} ({ratio:+.2f})")
        all_d = [x for v in per_dataset.values() for x, _ in v]
        all_sd = [s for v in per_dataset.values() for _, s in v]
        row += [f"{np.mean(all_d):+.4f} ({np.mean(all_d) / np.mean(all_sd):+.2f})", f"{max(ratios):.2f}"]
        rows.append(row)
    print(f"\nseeds {seeds}, strategies {args.strategies}, regimes low/mid/high (2.0.0 calibration), jobs {args.jobs}, load {os.getloadavg()}")
    print("cells: ΔAUBC vs fused 100 steps, mean over regimes x strategies of the paired seed means (in reference seed SDs)")
    print(tabulate(rows, headers=["variant", *args.datasets, "all datasets", "max |Δ|/SD"]))


if __name__ == "__main__":
    main()
