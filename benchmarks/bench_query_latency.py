"""Query latency of the built-in strategies at several pool sizes, next to BADGE's (the frontier target:
within 3x of BADGE).

Two modalities x 64 dims, 10 classes, batch 100, 500 labelled samples, the default model (1 thread).
Repeats are interleaved (every strategy once per repeat), each timing one `select` call (model forward
passes included) in a forked child, which also reports its peak resident memory (`measure`, shared with
bench_vs_skactiveml.py); the table gives min and median seconds, min / BADGE's min and the peak. Stateful strategies
get the state of a previous round (so their reward path is timed too). The load average is printed
before and after: on a shared machine the median moves with it, the min much less.
Run: python benchmarks/bench_query_latency.py [--sizes 10000 100000] [--repeats 3] [--strategies ...]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import pickle
import time
from collections.abc import Callable

import numpy as np
import torch
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from mmal_bench.data.schema import Split
from mmal_bench.models import ModelConfig, train_model
from mmal_bench.strategies import BUILTIN_STRATEGIES, get_strategy
from mmal_bench.strategies.check import make_view
from mmal_bench.strategies.state import select_with_state

DIM, N_CLASSES, BATCH, N_LABELED = 64, 10, 100, 500
FRONTIER = ["evidential-fusion", "rl-mba-style", "conformal-disagreement", "missing-aware", "noise-aware"]


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


def measure(fn: Callable[[], np.ndarray]) -> tuple[float, float, float, np.ndarray]:
    """Run ``fn`` in a forked child: (seconds, process peak GB, peak GB added by the call, its output).

    The child starts from this process's resident pages, so freed memory that the allocator kept from
    earlier work (previous sizes, other strategies' states) would count in its peak and be reused by
    the call: the heap is collected and trimmed before each fork, so both figures depend on what is
    alive, not on what ran before."""
    gc.collect()
    _malloc_trim()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: time the call, read its peak resident set, send everything back
        try:
            os.close(read)
            base = _status_kib("VmRSS")
            start = time.perf_counter()
            out = np.asarray(fn())
            seconds = time.perf_counter() - start
            peak = _status_kib("VmHWM")
            with os.fdopen(write, "wb") as f:
                pickle.dump((seconds, peak / 2**20, (peak - base) / 2**20, out), f)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("the measured call died (out of memory?)")
    return pickle.loads(data)


def _malloc_trim() -> None:
    """Give glibc's free heap memory back to the system (no-op where there is no glibc)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strategies", nargs="+", default=["badge", *FRONTIER])
    args = parser.parse_args()
    if "badge" not in args.strategies:
        args.strategies = ["badge", *args.strategies]
    unknown = [s for s in args.strategies if s not in BUILTIN_STRATEGIES]
    if unknown:
        parser.error(f"unknown strategies {unknown}; choose from {list(BUILTIN_STRATEGIES)}")
    torch.set_num_threads(1)
    threadpool_limits(1)  # one BLAS thread on both sides: the harness runs one process per core
    print(f"load average before: {load()}")
    times: dict[tuple[str, int], list[float]] = {}
    # per query's forked child: its whole-process peak resident GB (it starts from this process's
    # resident pages, so it depends on what ran before) and the peak the query itself added
    peaks: dict[tuple[str, int], tuple[float, float]] = {}
    for n in args.sizes:
        pool = make_pool(n + N_LABELED)
        view = make_view(pool, np.arange(N_LABELED), N_CLASSES)
        model = train_model(view.labeled, view.labeled_labels, N_CLASSES, ModelConfig(), 0)
        states = {}
        for name in args.strategies:  # a previous round's state: labelled ids it "bought" with predictions
            _, state = select_with_state(get_strategy(name), make_view(pool, np.arange(N_LABELED - BATCH), N_CLASSES), model, BATCH, np.random.default_rng(0), {})
            states[name] = state
        for r in range(args.repeats):
            for name in args.strategies:
                strategy, state = get_strategy(name), states[name]
                seconds, peak, added, _ = measure(lambda: select_with_state(strategy, view, model, BATCH, np.random.default_rng(r), state)[0])
                times.setdefault((name, n), []).append(seconds)
                old_peak, old_added = peaks.get((name, n), (0.0, 0.0))
                peaks[(name, n)] = (max(old_peak, peak), max(old_added, added))
    print(f"load average after: {load()}")
    headers = ["strategy"]
    for n in args.sizes:
        headers += [f"{n // 1000}k min (s)", f"{n // 1000}k median (s)", f"{n // 1000}k min / badge", f"{n // 1000}k peak GB (+query)"]
    table = []
    for name in args.strategies:
        row = [name]
        for n in args.sizes:
            t, badge = times[(name, n)], min(times[("badge", n)])
            row += [f"{min(t):.4f}", f"{np.median(t):.4f}", f"{min(t) / badge:.2f}", "{:.2f} (+{:.2f})".format(*peaks[(name, n)])]
        table.append(row)
    print(
        f"query latency, batch {BATCH}, {N_CLASSES} classes, 2 x {DIM}-dim modalities, {N_LABELED} labelled, "
        f"1 thread, {args.repeats} interleaved repeats"
    )
    print(tabulate(table, headers=headers, tablefmt="github"))
    if len(args.sizes) > 1:
        # Growth per step of --sizes, from the min and from the median: on a shared or virtual machine one
        # step's ratio moves by tens of percent between runs, and the two disagreeing shows it.
        steps = list(zip(args.sizes, args.sizes[1:]))
        growth = [
            [name, *(f"{min(times[(name, b)]) / min(times[(name, a)]):.1f}x / {np.median(times[(name, b)]) / np.median(times[(name, a)]):.1f}x" for a, b in steps)]
            for name in args.strategies
            if name != "random"
        ]
        print("growth of the query time per step of --sizes (ratio of the mins / of the medians)")
        print(tabulate(growth, headers=["strategy", *(f"{a // 1000}k → {b // 1000}k" for a, b in steps)], tablefmt="github"))


if __name__ == "__main__":
    main()
