"""Query latency of every built-in strategy at pool sizes 1k, 10k and 100k, and how it grows.

Two modalities x 64 dims, 10 classes, batch 100, 500 labelled samples, the default model (1 thread);
each cell is the best of ``--repeats`` runs of `select` (model forward passes included).
Run: python benchmarks/bench_query_latency.py [--sizes 1000 10000 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from mmal_bench.data.schema import Split
from mmal_bench.models import ModelConfig, train_model
from mmal_bench.strategies import BUILTIN_STRATEGIES, get_strategy
from mmal_bench.strategies.check import make_view

DIM, N_CLASSES, BATCH, N_LABELED = 64, 10, 100, 500


def make_pool(n: int, seed: int = 0) -> Split:
    """Gaussian class blobs in two 64-dim modalities, 10% of each modality missing."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, n)
    features, present = {}, {}
    for j, m in enumerate(("image", "text")):
        centers = np.random.default_rng(100 + j).normal(scale=0.4 - 0.2 * j, size=(N_CLASSES, DIM))
        x = (centers[labels] + rng.normal(size=(n, DIM))).astype(np.float32)
        p = rng.random(n) > 0.1
        x[~p] = 0.0
        features[m], present[m] = x, p
    return Split(features, present, np.arange(n, dtype=np.int64), labels.astype(np.int64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strategies", nargs="+", default=list(BUILTIN_STRATEGIES))
    args = parser.parse_args()
    torch.set_num_threads(1)
    threadpool_limits(1)  # one BLAS thread on both sides: the harness runs one process per core
    rows: dict[str, list[float]] = {name: [] for name in args.strategies}
    for n in args.sizes:
        pool = make_pool(n + N_LABELED)
        labeled = np.arange(N_LABELED)
        view = make_view(pool, labeled, N_CLASSES)
        model = train_model(view.labeled, view.labeled_labels, N_CLASSES, ModelConfig(), 0)
        for name in args.strategies:
            strategy = get_strategy(name)
            best = np.inf
            for r in range(args.repeats if n < 100_000 else 1):
                t = time.perf_counter()
                strategy.select(view, model, BATCH, np.random.default_rng(r))
                best = min(best, time.perf_counter() - t)
            rows[name].append(best)
    headers = ["strategy", *(f"{n // 1000}k pool (s)" for n in args.sizes)]
    headers += [f"growth {args.sizes[i] // 1000}k→{args.sizes[i + 1] // 1000}k" for i in range(len(args.sizes) - 1)]
    table = [
        [name, *(f"{t:.4f}" for t in times), *(f"{times[i + 1] / times[i]:.1f}" for i in range(len(times) - 1))]
        for name, times in rows.items()
    ]
    print(f"query latency, batch {BATCH}, {N_CLASSES} classes, 2 x {DIM}-dim modalities, {N_LABELED} labelled, 1 thread")
    print(tabulate(table, headers=headers, tablefmt="github"))


if __name__ == "__main__":
    main()
