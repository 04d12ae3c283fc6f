"""The learnability gate in full: calibrate a suite from scratch and print the gate table.

``python benchmarks/bench_learnability.py [--suite standard] [--seeds 0-9] [--jobs 2]`` re-runs the calibration
(as ``mmal-bench datasets calibrate`` does, without writing the committed file), then prints, per
dataset, the ground truth, the benchmark model's full-pool accuracy, random sampling at each regime's
final budget and whether the gate passes, plus the wall time. Slow (minutes per dataset on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time

from tabulate import tabulate

from mmal_bench.cli.run import parse_seeds
from mmal_bench.harness.calibration import calibrate, gate_rows, load_calibration
from mmal_bench.harness.suites import get_suite


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suite", default="standard")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--datasets", default=None, help="comma-separated subset")
    parser.add_argument("--jobs", type=int, default=1, help="datasets calibrated at once (the result is the same)")
    args = parser.parse_args()
    suite = get_suite(args.suite)
    seeds = parse_seeds([args.seeds])
    start = time.perf_counter()
    fresh = calibrate(suite, seeds, datasets=args.datasets.split(",") if args.datasets else None, progress=lambda s: print(s, file=sys.stderr), jobs=args.jobs)
    seconds = time.perf_counter() - start
    print(tabulate(gate_rows(fresh), headers="keys", tablefmt="github", floatfmt=".3f"))
    committed = load_calibration(suite.name, suite.version)
    same = all(committed["datasets"].get(ref) == entry for ref, entry in fresh["datasets"].items()) and committed["seeds"] == seeds
    print(f"\n{len(fresh['datasets'])} datasets, seeds {seeds}: {seconds:.0f} s; identical to the committed calibration: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
