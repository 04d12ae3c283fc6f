"""Is a strategy's growth per 10x rows its own, or the memory hierarchy's? (issue 15)

BADGE's k-means++ seeding must read every row's gradient-embedding factors once per pick: each pick's
sampling distribution depends on the previous pick's distances to all rows, so no blocking can keep
the rows in cache across picks. One pick therefore costs at least one matrix-vector product over the
factors, ``h @ h[c]`` and ``a @ a[c]``. This script computes the real factors (the pool and default
model of `bench_query_latency.py`: 10 classes, 64 head inputs, float32), then times that floor and a
whole pick of `kmeanspp_factorised` at each pool size (1 thread, min of --repeats, each repeat 20 floor
passes and one 100-pick seeding), with the bandwidth the floor reaches and the growth of both per 10x
rows. Where the floor itself grows by more than 10x (the factors leave the last-level cache), so must
any exact BADGE.

Run: python benchmarks/bench_memory_floor.py [--sizes 10000 100000 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from bench_query_latency import N_CLASSES, N_LABELED, make_pool
from mmal_bench.models import FittedModel, ModelConfig, train_model
from mmal_bench.models.trainer import torch_threads
from mmal_bench.strategies.check import make_view
from mmal_bench.strategies.utils import kmeanspp_factorised

PICKS, FLOOR_PASSES = 100, 20


def measure(model: FittedModel, n: int, repeats: int) -> tuple[int, float, float]:
    """Bytes of the factors, seconds of the floor (one read of them) and of one k-means++ pick, min of
    ``repeats``."""
    view = make_view(make_pool(n + N_LABELED), np.arange(N_LABELED), N_CLASSES)
    a, h = model.gradient_embedding_factors(view.unlabeled)
    floor, pick = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        for c in range(FLOOR_PASSES):
            h @ h[c]
            a @ a[c]
        floor.append((time.perf_counter() - start) / FLOOR_PASSES)
        start = time.perf_counter()
        kmeanspp_factorised(a, h, PICKS, np.random.default_rng(0))
        pick.append((time.perf_counter() - start) / (PICKS - 1))
    return a.nbytes + h.nbytes, min(floor), min(pick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows, previous = [], None
    with threadpool_limits(1), torch_threads(1):
        train = make_view(make_pool(N_LABELED), np.arange(N_LABELED), N_CLASSES)
        model = train_model(train.labeled, train.labeled_labels, N_CLASSES, ModelConfig(), 0)
        for n in args.sizes:
            nbytes, floor, pick = measure(model, n, args.repeats)
            growth = ("", "") if previous is None else (f"{floor / previous[0]:.1f}x", f"{pick / previous[1]:.1f}x")
            rows.append((n, f"{nbytes / 2**20:.1f}", f"{floor * 1e3:.3f}", f"{nbytes / floor / 1e9:.1f}", growth[0]))
            rows[-1] += (f"{pick * 1e3:.3f}", growth[1], f"{pick / floor:.2f}")
            print(rows[-1], flush=True)
            previous = (floor, pick)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    headers = ("rows", "factors MiB", "floor ms (one read)", "floor GB/s", "floor growth", "k-means++ ms per pick", "pick growth", "pick / floor")
    print(tabulate(rows, headers=headers))


if __name__ == "__main__":
    main()
