"""Where BMMAL's query time goes, part by part, and how each part grows with the pool (issue 15).

BMMAL is the one built-in whose end-to-end query grows more than 11x per 10x rows (README, Speed). This
times its steps, in the order `BMMAL.select` runs them, inside one forked child per repeat (the same
`measure` as bench_query_latency.py, so the child starts from a trimmed heap): the gradient-embedding
factors (a forward pass), the exact Shapley shares (2^M subset predictions), the scales, the scaled copy
of the head inputs, and the k-means++ seeding. The scaled copy is timed as the strategy writes it
(``g[:, cols] *= s`` with integer column arrays: advanced indexing on the second axis of a row-major
matrix, a strided gather and scatter) and, beside it, with column slices (the same values, bitwise; the form a next benchmark
version can adopt, since the strategy's source hash is part of every 2.0.0 cell).
Run: python benchmarks/bench_bmmal_parts.py [--sizes 100000 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from bench_query_latency import BATCH, N_CLASSES, N_LABELED, load, make_pool, measure
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from mmal_bench.models import ModelConfig, train_model
from mmal_bench.strategies.check import make_view
from mmal_bench.strategies.multimodal import predicted_class_shapley
from mmal_bench.strategies.utils import bmmal_scales, kmeanspp_factorised, modality_shares

PARTS = ["gradient factors (forward)", "Shapley subset predictions", "scales", "scaled copy, column arrays (as in 2.0.0)", "scaled copy, column slices", "k-means++ seeding"]


def parts(view, model, seed: int) -> np.ndarray:
    """Seconds of each of `PARTS`; both scaled copies must agree bitwise."""
    marks = [time.perf_counter()]
    batch = view.unlabeled
    a, h = model.gradient_embedding_factors(batch)
    marks.append(time.perf_counter())
    phi = predicted_class_shapley(model, batch)
    marks.append(time.perf_counter())
    scales = bmmal_scales(modality_shares(phi))
    marks.append(time.perf_counter())
    slices = [model.modality_slices[m] for m in model.modalities]
    g = np.array(h, dtype=np.float32)
    for j, cols in enumerate(np.arange(h.shape[1])[s] for s in slices):
        g[:, cols] *= scales[:, j : j + 1].astype(np.float32)
    marks.append(time.perf_counter())
    g_sliced = np.array(h, dtype=np.float32)
    for j, s in enumerate(slices):
        g_sliced[:, s] *= scales[:, j : j + 1].astype(np.float32)
    marks.append(time.perf_counter())
    if g.tobytes() != g_sliced.tobytes():
        raise AssertionError("column arrays and column slices scaled the head inputs differently")
    del g_sliced
    kmeanspp_factorised(a, g, BATCH, np.random.default_rng(seed))
    marks.append(time.perf_counter())
    return np.diff(marks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    threadpool_limits(1)
    print(f"load average before: {load()}")
    mins = {}
    for n in args.sizes:
        pool = make_pool(n + N_LABELED)
        view = make_view(pool, np.arange(N_LABELED), N_CLASSES)
        model = train_model(view.labeled, view.labeled_labels, N_CLASSES, ModelConfig(), 0)
        runs = np.array([measure(lambda r=r: parts(view, model, r))[3] for r in range(args.repeats)])
        mins[n] = runs.min(axis=0)
    print(f"load average after: {load()}")
    headers = ["part", *(f"{n // 1000}k min (s)" for n in args.sizes), *(f"growth {a // 1000}k→{b // 1000}k" for a, b in zip(args.sizes, args.sizes[1:]))]
    table = [
        [name, *(f"{mins[n][i]:.3f}" for n in args.sizes), *(f"{mins[b][i] / mins[a][i]:.1f}x" for a, b in zip(args.sizes, args.sizes[1:]))]
        for i, name in enumerate(PARTS)
    ]
    print(f"BMMAL's parts, batch {BATCH}, {N_CLASSES} classes, 2 x 64-dim modalities, 1 thread, min of {args.repeats} forked repeats")
    print(tabulate(table, headers=headers, tablefmt="github"))


if __name__ == "__main__":
    main()
