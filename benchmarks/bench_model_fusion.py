"""Accuracy of model configurations on the suite datasets at the cold-start prefix sizes of each regime.

Trains on the first N ids of each seed's official cold-start order and scores on the test split; prints a
table (dataset x N x config). Usage: python benchmarks/bench_model_fusion.py [--seeds 3] [--datasets ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from tabulate import tabulate

from mmal_bench.data.hub import load_benchmark
from mmal_bench.data.registry import list_entries
from mmal_bench.harness.suites import BENCHMARK_MODEL, STANDARD
from mmal_bench.models import ModelConfig, train_models

CONFIGS = {
    "benchmark": BENCHMARK_MODEL,
    "candidate fh64": ModelConfig(hidden_sizes=(32,), embed_dim=16, fusion_hidden=64, steps=200, lr=2e-2, aux_weight=0.1),
}


def labelled_ids(data, seed: int, n: int) -> np.ndarray:
    """The first ``n`` ids of the seed's cold-start order, continued by a seeded shuffle of the rest of
    the pool when the published order is shorter (it is class-balanced, the continuation is i.i.d.)."""
    order = np.asarray(data.cold_start_order[seed], dtype=np.int64)
    rest = np.setdiff1d(data.pool.ids, order)
    full = np.concatenate([order, np.random.default_rng(seed).permutation(rest)])
    return full[:n]


def accuracy_table(configs: dict[str, ModelConfig], datasets: list[str], seeds: list[int]) -> list[list[object]]:
    rows = []
    for name in datasets:
        data = load_benchmark(name)
        sizes = [r.initial + r.batch_size * r.rounds for r in STANDARD.regimes_for(name)]
        for n in sizes:
            row: list[object] = [name, n]
            for config in configs.values():
                t0 = time.perf_counter()
                batches = [data.pool.take(data.pool.positions(labelled_ids(data, s, n))) for s in seeds]
                models = train_models(batches, [b.labels for b in batches], data.n_classes, config, seeds)
                accs = [float((m.predict_proba(data.test).argmax(1) == data.test.labels).mean()) for m in models]
                row += [f"{np.mean(accs):.3f}", f"{time.perf_counter() - t0:.1f}"]
            rows.append(row)
            print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", default=None)
    args = parser.parse_args()
    datasets = args.datasets or [e.name for e in list_entries() if e.kind in STANDARD.kinds]
    datasets = list(dict.fromkeys(datasets))
    rows = accuracy_table(CONFIGS, datasets, list(range(args.seeds)))
    headers = ["dataset", "N"] + [h for c in CONFIGS for h in (f"{c} acc", "s")]
    print(tabulate(rows, headers=headers))


if __name__ == "__main__":
    main()
