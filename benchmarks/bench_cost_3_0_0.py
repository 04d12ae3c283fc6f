"""Cost of one 3.0.0 dataset vs one 2.0.0 dataset, interleaved (issue 22's cost cap).

For each seed, runs the given strategies on every regime of one 2.0.0 dataset (its calibrated
regimes, `BENCHMARK_MODEL`) and then of one 3.0.0 dataset (its calibrated regimes,
`BENCHMARK_MODEL_3`), alternating pairs, one process, one job, so both see the same load. Prints
wall seconds per (dataset, seed) group and the ratio, and the projected cost of the whole 3.0.0
standard suite from 2.0.0's measured 1 h 29 min on 2 cores:

    cost_3 = 89 min x (N_3 datasets x 5 seeds x t_3) / (10 datasets x 20 seeds x t_2)

where t is the mean wall time of one dataset's regimes for one seed.

    PYTHONPATH=. python benchmarks/bench_cost_3_0_0.py --old balanced,missing-mnar --new mfeat-fac-mor,balanced-v1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from mmal_bench.data.hub import load_benchmark
from mmal_bench.harness.executors import make_executor
from mmal_bench.harness.protocol import Protocol
from mmal_bench.harness.runner import resolve_strategies, run_protocols
from mmal_bench.harness.suites import STANDARD, get_suite

COST_2_0_0_MINUTES = 89.0


def run_group(suite, name: str, version: str, seed: int, strategies, out: Path) -> float:
    data = {f"{name}@{version}": load_benchmark(name, version)}
    protocols = [Protocol(suite.name, suite.version, name, version, r, (seed,), suite.model) for r in suite.regimes_for(name)]
    started = time.perf_counter()
    with make_executor(1) as executor:
        run_protocols(protocols, strategies, out, seeds=[seed], executor=executor, data=data, progress=False)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old", default="balanced,missing-mnar", help="2.0.0 datasets")
    parser.add_argument("--new", required=True, help="calibrated 3.0.0 datasets")
    parser.add_argument("--strategies", default="random,weakest-modality-uncertainty,badge,margin")
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args(argv)
    new_suite = get_suite("standard@3.0.0")
    strategies = resolve_strategies(args.strategies.split(","))
    old, new = args.old.split(","), args.new.split(",")
    times: dict[str, list[float]] = {"2.0.0": [], "3.0.0": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            for i in range(max(len(old), len(new))):
                o, n = old[i % len(old)], new[i % len(new)]
                t_old = run_group(STANDARD, o, "2.0.0", seed, strategies, Path(tmp) / "old")
                t_new = run_group(new_suite, n, "3.0.0", seed, strategies, Path(tmp) / "new")
                times["2.0.0"].append(t_old)
                times["3.0.0"].append(t_new)
                print(f"seed {seed}: {o}@2.0.0 {t_old:.1f} s ({len(STANDARD.regimes_for(o))} regimes) | {n}@3.0.0 {t_new:.1f} s ({len(new_suite.regimes_for(n))} regimes)", flush=True)
    t2, t3 = float(np.mean(times["2.0.0"])), float(np.mean(times["3.0.0"]))
    n3 = len(new_suite.datasets)
    cost = COST_2_0_0_MINUTES * (n3 * len(new_suite.seeds) * t3) / (10 * 20 * t2)
    print(f"mean per (dataset, seed): 2.0.0 {t2:.1f} s, 3.0.0 {t3:.1f} s (ratio {t3 / t2:.2f}); projected 3.0.0 suite: {cost:.0f} min on 2 cores (cap {COST_2_0_0_MINUTES:.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
