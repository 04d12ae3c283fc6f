"""Pilot of suite 3.0.0 (issue 22): a few variants of a few families, measured before the design is frozen.

Runs ``--variants`` variants of each of ``--families`` (drawn by `mmal_bench.data.population`, the
same draws the suite publishes) x 4 strategies x ``--seeds`` seeds, on one regime per dataset
(``pilot``: cold start = batch = 4 labels per class, 10 rounds: between 2.0.0's calibrated low and
mid budgets) with the 3.0.0 benchmark model, plus the same cells on two 2.0.0 datasets with their
calibrated ``low`` regime (the cost reference, run in the same process under the same load). Writes one row per cell to ``benchmarks/pilot_3_0_0/cells.csv`` (AUBC, full-pool
accuracy of the dataset, wall seconds of its group) — the input of ``bench_power_3_0_0.py``.

    PYTHONPATH=. python benchmarks/pilot_3_0_0.py --jobs 2
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mmal_bench.data.hub import load_benchmark
from mmal_bench.data.population import get_family, variants
from mmal_bench.data.registry import get_entry, register
from mmal_bench.data.suite import COLD_START_SEEDS_3_0_0, GROUND_TRUTH_ROWS_3_0_0, synthetic_entry
from mmal_bench.harness import metrics
from mmal_bench.harness.executors import make_executor
from mmal_bench.harness.protocol import Protocol, Regime
from mmal_bench.harness.runner import resolve_strategies, run_protocols
from mmal_bench.harness.suites import BENCHMARK_MODEL_3, STANDARD
from mmal_bench.models.trainer import train_models

OUT = Path(__file__).with_name("pilot_3_0_0")
STRATEGIES = ("random", "weakest-modality-uncertainty", "badge", "margin")
FAMILIES = ("missing-mnar", "class-selective")
REFERENCE_2_0_0 = ("balanced", "missing-mnar")


def pilot_refs(families: list[str], count: int) -> list[tuple[str, str]]:
    """Register the first ``count`` variants of each family (the published ones are registered
    already; later ones are the same draws the population would publish) and return their refs."""
    out = []
    for name in families:
        family = get_family(name)
        for index, (dataset, spec) in enumerate(variants(family, count)):
            try:
                get_entry(dataset, "3.0.0")
            except Exception:
                register(
                    synthetic_entry(
                        dataset, spec, pitfall=family.pitfall, description=f"Pilot variant {index + 1} of {name}.", version="3.0.0",
                        ground_truth_rows=GROUND_TRUTH_ROWS_3_0_0, cold_start_seeds=COLD_START_SEEDS_3_0_0,
                    )
                )
            out.append((dataset, name))
    return out


def full_pool_accuracy(ref: str, seeds: list[int]) -> float:
    """Mean test accuracy of the benchmark model trained on every pool label (one model per seed)."""
    data = load_benchmark(ref)
    pool = data.pool
    fitted = train_models([pool] * len(seeds), [pool.labels] * len(seeds), data.n_classes, BENCHMARK_MODEL_3, [10_000 + s for s in seeds])
    truth = data.test.clean_labels if data.test.clean_labels is not None else data.test.labels
    return float(np.mean([metrics.accuracy(truth, np.argmax(f.predict_proba(data.test, list(data.modalities)), axis=1)) for f in fitted]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--variants", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--work", type=Path, default=None, help="keep the raw result files here (a rerun resumes); default: a temp dir")
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))
    entries = resolve_strategies(list(STRATEGIES))
    args.out.mkdir(parents=True, exist_ok=True)
    plan = []
    for dataset, family in pilot_refs(args.families.split(","), args.variants):
        entry = get_entry(dataset, "3.0.0")
        k = entry.n_classes
        regimes = (Regime("pilot", 4 * k, 4 * k, 10),)
        plan.append((f"{dataset}@3.0.0", family, regimes))
    for name in REFERENCE_2_0_0:
        plan.append((f"{name}@2.0.0", "reference-2.0.0", STANDARD.regimes_for(name)[:1]))
    rows = []
    with tempfile.TemporaryDirectory() as scratch, make_executor(args.jobs) as executor:
        tmp = args.work or Path(scratch)
        for ref, family, regimes in plan:
            name, version = ref.split("@")
            # loaded here and handed to the workers: pilot-only variants are registered in this process only
            data = {ref: load_benchmark(ref)}
            started = time.perf_counter()
            protocols = [Protocol("pilot", "3.0.0", name, version, r, tuple(seeds), BENCHMARK_MODEL_3) for r in regimes]
            run_protocols(protocols, entries, Path(tmp), seeds=seeds, executor=executor, data=data, progress=False)
            wall = time.perf_counter() - started
            full = full_pool_accuracy(ref, seeds)
            n_cells = len(regimes) * len(seeds) * len(entries)
            for path in sorted(Path(tmp).rglob(f"{ref}/*/*/seed-*.json")):
                regime, strategy, seed = path.parts[-3], path.parts[-2], int(path.stem.split("-")[1])
                summary = json.loads(path.read_text())["summary"]
                rows.append([ref, family, regime, strategy, seed, summary["aubc"], summary["final_accuracy"], full, round(wall / n_cells, 4)])
            print(f"{ref}: {n_cells} cells in {wall:.0f} s, full pool {full:.3f}", file=sys.stderr, flush=True)
    with (args.out / "cells.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["dataset", "family", "regime", "strategy", "seed", "aubc", "final_accuracy", "full_pool_accuracy", "wall_seconds_per_cell"])
        writer.writerows(rows)
    print(f"wrote {args.out / 'cells.csv'} ({len(rows)} cells)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
