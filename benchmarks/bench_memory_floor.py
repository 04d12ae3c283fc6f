"""Is a strategy's growth per 10x rows its own, or the memory hierarchy's? (issue 15)

BADGE's k-means++ seeding must read every row's gradient-embedding factors once per pick: each pick's
sampling distribution depends on the previous pick's distances to all rows, so no blocking can keep
the rows in cache across picks. One pick therefore costs at least one matrix-vector product over the
factors, ``h @ h[c]`` and ``a @ a[c]`` (float32, the shapes of `bench_query_latency.py`'s pool: 129
head inputs and 10 classes). This script times that floor and a whole pick of
`kmeanspp_factorised` at each pool size (1 thread, min of --repeats, each repeat 20 floor passes and
one 100-pick seeding), with the bandwidth the floor reaches and the growth of both per 10x rows. Where
the floor itself grows by more than 10x (the factors leave the last-level cache), so must any exact
BADGE.

Run: python benchmarks/bench_memory_floor.py [--sizes 10000 100000 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from mmal_bench.strategies.utils import kmeanspp_factorised

HEAD_INPUTS, N_CLASSES, PICKS, FLOOR_PASSES = 129, 10, 100, 20


def measure(n: int, repeats: int) -> tuple[float, float]:
    """Seconds of the floor (one read of the factors) and of one k-means++ pick, min of ``repeats``."""
    rng = np.random.default_rng(n)
    a = rng.random((n, N_CLASSES), dtype=np.float32)
    h = rng.random((n, HEAD_INPUTS), dtype=np.float32)
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
    return min(floor), min(pick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rows, previous = [], None
    with threadpool_limits(1):
        for n in args.sizes:
            floor, pick = measure(n, args.repeats)
            growth = ("", "") if previous is None else (f"{floor / previous[0]:.1f}x", f"{pick / previous[1]:.1f}x")
            gbs = n * (HEAD_INPUTS + N_CLASSES) * 4 / floor / 1e9
            rows.append((n, f"{floor * 1e3:.3f}", f"{gbs:.1f}", growth[0], f"{pick * 1e3:.3f}", growth[1], f"{pick / floor:.2f}"))
            print(rows[-1], flush=True)
            previous = (floor, pick)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    headers = ("rows", "floor ms (one read)", "floor GB/s", "floor growth", "k-means++ ms per pick", "pick growth", "pick / floor")
    print(tabulate(rows, headers=headers))


if __name__ == "__main__":
    main()
