"""Query latency of the built-in strategies at several pool sizes, next to BADGE's (the frontier target:
within 3x of BADGE).

Two modalities x 64 dims, 10 classes, batch 100, 500 labelled samples, the default model (1 thread).
Repeats are interleaved (every strategy once per repeat), each timing one `select` call (model forward
passes included) in a forked child, which also reports its peak resident memory (`measure`, shared with
bench_vs_skactiveml.py); the table gives min and median seconds, min / BADGE's min and the peak. Stateful strategies
get the state of a previous round (so their reward path is timed too). The load average is printed
before and after: on a shared machine the median moves with it, the min much less.
Run: python benchmarks/bench_query_latency.py [--sizes 10000 100000] [--repeats 3] [--strategies ...]

``--baseline CHECKOUT`` (issue 25) instead times the query code of this tree against another checkout's
(e.g. ``git worktree add /tmp/base main``) at the standard suite's shapes: 2.0.0 datasets' pools, the
benchmark model trained on a random labelled set, each regime's batch size (`SUITE_CASES`). Each repeat
runs one child process per checkout (interleaved, each timing every strategy's `select` once, 1 thread),
and the picks of the two must be identical; it prints the baseline / this tree ratio of the mins.
Run: python benchmarks/bench_query_latency.py --baseline /tmp/base [--strategies coreset badge bmmal]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import pickle
import subprocess
import sys
import tempfile
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
#: (2.0.0 dataset, labelled rows, batch size): the high regimes' batches (the largest queries) at a
#: labelled set from the middle of their runs.
SUITE_CASES = (("noisy-labels", 1500, 254), ("synergy", 1000, 180), ("information-gap", 600, 113), ("balanced", 400, 75))


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


def child(path: str) -> None:
    """In a child process (PYTHONPATH = the checkout under test): time every strategy of the pickled
    cases once and print ``{case: {strategy: [seconds, picks]}}`` as a pickle on stdout."""
    torch.set_num_threads(1)
    threadpool_limits(1)
    with open(path, "rb") as f:
        cases, strategies = pickle.load(f)
    out = {}
    for key, (pool, labelled, n_classes, model, batch) in cases.items():
        view = make_view(pool, labelled, n_classes)
        out[key] = {}
        for name in strategies:
            strategy = get_strategy(name)
            start = time.perf_counter()
            picks = strategy.select(view, model, batch, np.random.default_rng(1))
            out[key][name] = (time.perf_counter() - start, np.asarray(picks))
    sys.stdout.buffer.write(pickle.dumps(out))


def compare_with(baseline: str, strategies: list[str], repeats: int) -> None:
    """Time ``strategies`` at `SUITE_CASES` in this tree and in ``baseline``, interleaved (see the module
    docstring); picks must agree."""
    from mmal_bench.data.hub import load_benchmark
    from mmal_bench.harness.suites import BENCHMARK_MODEL

    cases = {}
    for name, labelled, batch in SUITE_CASES:
        data = load_benchmark(name, "2.0.0")
        rows = np.sort(np.random.default_rng(0).choice(len(data.pool.labels), labelled, replace=False))
        train = data.pool.take(rows)
        model = train_model(train, train.labels, data.n_classes, BENCHMARK_MODEL, 0)
        cases[f"{name} n={len(data.pool.labels)} labelled={labelled} batch={batch}"] = (data.pool, data.pool.ids[rows], data.n_classes, model, batch)
    trees = {"baseline": os.path.abspath(baseline), "this tree": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    times: dict[tuple[str, str, str], list[float]] = {}
    picks: dict[tuple[str, str, str], np.ndarray] = {}
    print(f"load average before: {load()}")
    with tempfile.NamedTemporaryFile(suffix=".pkl") as f:
        pickle.dump((cases, strategies), f)
        f.flush()
        for _ in range(repeats):
            for label, tree in trees.items():
                env = {**os.environ, "PYTHONPATH": tree, "OMP_NUM_THREADS": "1"}
                done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", f.name], env=env, check=True, capture_output=True)
                for case, by_strategy in pickle.loads(done.stdout).items():
                    for name, (seconds, chosen) in by_strategy.items():
                        times.setdefault((case, name, label), []).append(seconds)
                        picks.setdefault((case, name, label), chosen)
    print(f"load average after: {load()}")
    rows = []
    for case in cases:
        for name in strategies:
            old, new = min(times[(case, name, "baseline")]), min(times[(case, name, "this tree")])
            same = np.array_equal(picks[(case, name, "baseline")], picks[(case, name, "this tree")])
            rows.append([case, name, f"{old:.4f}", f"{new:.4f}", f"{old / new:.2f}", "yes" if same else "NO"])
    print(f"query seconds (min of {repeats} interleaved repeats, 1 thread), baseline {baseline}")
    print(tabulate(rows, headers=["case (2.0.0 pool, benchmark model)", "strategy", "baseline s", "this tree s", "baseline / this", "same picks"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strategies", nargs="+", default=None)
    parser.add_argument("--baseline", metavar="CHECKOUT", help="compare this tree's queries with CHECKOUT's at the suite's shapes")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.baseline:
        compare_with(args.baseline, args.strategies or ["coreset", "badge", "bmmal"], args.repeats)
        return
    args.strategies = args.strategies or ["badge", *FRONTIER]
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
