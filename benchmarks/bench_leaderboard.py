"""Leaderboard and jail costs: building the leaderboard from a standard-suite-sized set of result
files, the per-query overhead of running a strategy in the jail vs in-process, and the per-cell
overhead on quick-suite cells (one jailed worker per process, shared by its cells; the first query
of a process is re-run in a second worker for the determinism check).

Run: python benchmarks/bench_leaderboard.py   (prints tables; timings on a shared 2-core machine are noisy)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "leaderboard"))
from leaderboard_factory import FINGERPRINTS, catalog_for, fingerprint_of, write_suite  # noqa: E402

from mmal_bench.leaderboard.render import build_leaderboard  # noqa: E402
from mmal_bench.paths import REPO_ROOT  # noqa: E402
from mmal_bench.strategies.check import make_view, tiny_pool  # noqa: E402


def bench_build() -> list[list[object]]:
    """The standard suite's shape: 12 strategies × 9 datasets × 3 regimes × 10 seeds = 3,240 result files."""
    rows = []
    datasets = [f"dataset-{i}" for i in range(9)]
    FINGERPRINTS.update({d: "sha256:" + f"{i:x}" * 64 for i, d in enumerate(datasets)})
    levels = {f"s{i:02d}": 0.6 + 0.01 * i for i in range(11)} | {"random": 0.6}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "results"
        t = time.perf_counter()
        paths = write_suite(root, levels, datasets=datasets, regimes=("low", "mid", "high"), seeds=range(10))
        write_s = time.perf_counter() - t
        for plots in (False, True):
            t = time.perf_counter()
            build_leaderboard(root, Path(tmp) / f"out-{plots}", catalog=catalog_for(levels), fingerprint_of=fingerprint_of, plots=plots)
            rows.append([len(paths), len(levels), "yes" if plots else "no", f"{time.perf_counter() - t:.2f}"])
    print(f"(writing {len(paths)} synthetic result files took {write_s:.2f} s)")
    return rows


def bench_sandbox(n_pool: int = 5000, repeats: int = 20) -> list[list[object]]:
    """Median select() latency of the example submission in-process vs sandboxed, pool of ``n_pool``."""
    import importlib.util

    import torch

    from mmal_bench.models.config import ModelConfig
    from mmal_bench.models.trainer import train_model
    from mmal_bench.submissions.sandbox import SandboxedStrategy, SandboxLimits

    torch.set_num_threads(1)  # as in the harness's workers and the sandbox worker: a fair comparison
    pool = tiny_pool(n_pool, 3, 0)
    view = make_view(pool, np.arange(100), 3)
    model = train_model(view.labeled, view.labeled_labels, 3, ModelConfig(hidden_sizes=(64,), embed_dim=32, steps=50), 0)
    path = REPO_ROOT / "submissions" / "information-density" / "strategy.py"
    spec = importlib.util.spec_from_file_location("idens", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    local = module.InformationDensity()
    t = time.perf_counter()
    proxy = SandboxedStrategy(path, name="information-density", limits=SandboxLimits(recheck_share=0.0)).start()
    start_s = time.perf_counter() - t
    rows = []
    try:
        for label, strategy in (("in-process", local), ("sandboxed", proxy)):
            times = []
            for r in range(repeats):
                t = time.perf_counter()
                ids = strategy.select(view, model, 100, np.random.default_rng(r))
                times.append(time.perf_counter() - t)
            rows.append([label, n_pool, f"{1000 * np.median(times):.1f}", len(ids)])
        assert np.array_equal(local.select(view, model, 100, np.random.default_rng(0)), proxy.select(view, model, 100, np.random.default_rng(0)))
    finally:
        proxy.close()
    print(f"(jailed worker start incl. torch import: {start_s:.2f} s, once per submission and process)")
    return rows


def bench_cells(n_cells: int = 4, repeats: int = 3) -> list[list[object]]:
    """Wall seconds of ``n_cells`` quick-suite cells (first protocol, seeds 0..n-1) of the example
    submission run in-process vs jailed, interleaved, ``repeats`` times; the jailed run pays one worker
    start and one determinism re-check worker for all its cells, as a pool process of `submit` does."""
    import importlib.util

    import torch

    from mmal_bench.data.hub import load_benchmark
    from mmal_bench.harness.loop import StrategyEntry, run_group
    from mmal_bench.harness.suites import get_suite
    from mmal_bench.submissions.sandbox import SandboxedStrategy

    torch.set_num_threads(1)
    protocol = get_suite("quick").protocols()[0]
    data = load_benchmark(protocol.dataset, protocol.dataset_version)
    path = REPO_ROOT / "submissions" / "information-density" / "strategy.py"
    spec = importlib.util.spec_from_file_location("idens_cells", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    times: dict[str, list[float]] = {"built-in (in-process)": [], "jailed": []}
    for _ in range(repeats):
        for label in times:
            strategy = module.InformationDensity() if label != "jailed" else SandboxedStrategy(path, name="information-density")
            entry = StrategyEntry.of(strategy, source_hash="sha256:bench", name="information-density")
            t = time.perf_counter()
            try:
                for seed in protocol.seeds[:n_cells]:
                    outcome = run_group(data, protocol, seed, [entry])
                    assert not outcome.failures, outcome.failures
            finally:
                if label == "jailed":
                    strategy.close()
            times[label].append(time.perf_counter() - t)
    base = np.median(times["built-in (in-process)"])
    return [
        [label, f"{protocol.dataset_ref} {protocol.regime.name}", n_cells, f"{min(t) / n_cells:.2f}", f"{np.median(t) / n_cells:.2f}", f"{np.median(t) / base:.2f}x"]
        for label, t in times.items()
    ]


if __name__ == "__main__":
    print(tabulate(bench_build(), headers=["result files", "strategies", "plots", "build seconds"], tablefmt="github"))
    print()
    print(tabulate(bench_sandbox(), headers=["select()", "pool rows", "median ms", "ids"], tablefmt="github"))
    print()
    print(tabulate(bench_cells(), headers=["cells", "protocol", "cells per run", "min s/cell", "median s/cell", "vs built-in"], tablefmt="github"))
