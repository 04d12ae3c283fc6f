"""Wall time of the `quick` suite and of the full `standard` suite (measured on a subset of seeds and
extrapolated), with the per-round breakdown into training, evaluation and querying.

Usage: python benchmarks/bench_suite.py [--jobs 2] [--standard-seeds 1] [--skip-quick] [--skip-standard]
       python benchmarks/bench_suite.py --grid-1.0.0 0 1 [--baseline CHECKOUT] [--jobs 2]
       python benchmarks/bench_suite.py --model-3 balanced synergy [--seed 0] [--jobs 2]

The standard suite's groups (dataset, regime, seed) cost the same for every seed, so running
``--standard-seeds k`` of its seeds (20 in 2.0.0) for every dataset and regime and multiplying the
wall time by 20/k estimates the full suite; the script prints exactly what it ran. Timings on a shared machine are
noisy (other processes compete for the cores), so besides wall time the script reports the CPU
seconds the run used (this process and its workers); CPU s / jobs estimates the wall time on an idle
machine, since a suite has many more groups than jobs.

``--grid-1.0.0 SEED ...`` compares like with like (issue 13: "measured on the same suite"): today's
harness runs the cells of the 1.0.0 standard suite (its 9 datasets at 1.0.0, budgets, benchmark model
and 11 built-ins) for the given seeds; with ``--baseline CHECKOUT`` (a checkout of the 1.0.0 release,
e.g. ``git worktree add /tmp/v1 d8372e4``) the 1.0.0 code runs the same cells in a child process,
interleaved seed by seed with today's, so both see the same load. Both are extrapolated to the full
grid's 10 seeds.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import numpy as np
from tabulate import tabulate

from mmal_bench.data.registry import get_entry
from mmal_bench.harness.executors import make_executor
from mmal_bench.harness.outdir import prepare_out_dir
from mmal_bench.harness.runner import RunReport, resolve_strategies, run_protocols, run_suite
from mmal_bench.harness.suites import BENCHMARK_MODEL, BENCHMARK_MODEL_3, STANDARD, STANDARD_REGIMES, Suite, get_suite
from mmal_bench.models import ModelConfig

#: The 1.0.0 standard suite's cells (release d8372e4: 9 datasets x low/mid/high x seeds 0-9, its
#: benchmark model's sizes, its 11 built-ins), run here by today's harness and network; the budgets are
#: `STANDARD_REGIMES` (and the small-pool ones for uci-mfeat), unchanged since 1.0.0.
GRID_1_0_0 = Suite(
    name="standard",
    version="1.0.0-grid",
    regimes=STANDARD_REGIMES,
    seeds=tuple(range(10)),
    datasets=tuple(
        f"{name}@1.0.0"
        for name in ("balanced", "difficulty-gap", "missing-mcar", "missing-mnar", "redundant", "synergy", "unique", "uci-mfeat", "uci-mfeat-gap")
    ),
    model=ModelConfig(hidden_sizes=(32,), embed_dim=16),
)
STRATEGIES_1_0_0 = (
    "random", "entropy", "margin", "least-confidence", "coreset", "badge", "bald",
    "modality-disagreement", "weakest-modality-uncertainty", "bmmal", "co-testing",
)  # fmt: skip
#: What the issue quotes for 1.0.0 on this suite: 22 min 44 s for 2,970 cells, 2 cores.
WALL_1_0_0, CELLS_1_0_0 = 22 * 60 + 44, 2970

_T = TypeVar("_T")

BREAKDOWN_HEADERS = ("kind", "regime", "groups", "trainings", "s/group", "train s/round", "eval s/round", "query s/round", "train/eval/query %")


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children (the pool's workers are
    reaped when `run_suite` closes its pool, so their time is counted)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(fn: Callable[[], _T]) -> tuple[_T, float, float]:
    """``fn()``, its wall seconds and the CPU seconds it used (`cpu_seconds`: count a pool's workers by
    closing the pool inside ``fn``)."""
    cpu, start = cpu_seconds(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start, cpu_seconds() - cpu


def timed_run(suite: str, jobs: int, **kwargs) -> tuple[RunReport, float, float]:
    """Run in a fresh results folder; return the report, its wall time and the CPU seconds it used."""
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as out:
        report, wall, cpu = measured(lambda: run_suite(suite, out=out, jobs=jobs, progress=False, **kwargs))
        results = report.results()
    report.loaded = results  # type: ignore[attr-defined]
    return report, wall, cpu


def grid_today(seed: int, jobs: int) -> tuple[int, float, float]:
    """Today's harness on seed ``seed`` of `GRID_1_0_0`: (cells written, wall s, CPU s); prints where
    the time went."""
    with tempfile.TemporaryDirectory(prefix="bench-grid-") as out:

        def run() -> RunReport:
            with make_executor(jobs, None) as executor:  # started and closed inside the timing, as in the baseline
                protocols, strategies = GRID_1_0_0.protocols(), resolve_strategies(STRATEGIES_1_0_0)
                return run_protocols(protocols, strategies, prepare_out_dir(out), seeds=[seed], executor=executor, progress=False)

        report, wall, cpu = measured(run)
    if not report.ok:
        raise SystemExit(f"today's harness failed cells: {report.failures}")
    print(tabulate(breakdown(report), headers=BREAKDOWN_HEADERS, floatfmt=".2f"))
    return len(report.written), wall, cpu


def grid_baseline(checkout: str, seed: int, jobs: int) -> tuple[int, float, float]:
    """The code in ``checkout`` (1.0.0) on seed ``seed`` of its own standard suite, in a child process."""
    with tempfile.TemporaryDirectory(prefix="bench-grid-base-") as out:
        env = {**os.environ, "PYTHONPATH": os.path.abspath(checkout)}
        command = [sys.executable, "-m", "mmal_bench", "run", "--suite", "standard", "--seeds", str(seed)]
        command += ["--jobs", str(jobs), "--out", out, "--quiet", "--no-leaderboard"]
        _, wall, cpu = measured(lambda: subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=checkout))
        cells = len(list(Path(out).rglob("seed-*.json")))
    return cells, wall, cpu


def compare_grid(seeds: list[int], baseline: str | None, jobs: int) -> None:
    """Print today's harness against 1.0.0 (``baseline`` checkout, else the issue's figure) on the
    1.0.0 grid, interleaved seed by seed, extrapolated to its 10 seeds."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for seed in seeds:
        runs = [("1.0.0 code", lambda s=seed: grid_baseline(baseline, s, jobs))] if baseline else []
        runs.append(("today", lambda s=seed: grid_today(s, jobs)))
        for label, run in runs:
            cells, wall, cpu = run()
            print(f"seed {seed}, {label}: {cells} cells, wall {wall:.1f} s, CPU {cpu:.0f} s", flush=True)
            for i, v in enumerate((cells, wall, cpu)):
                totals[label][i] += v
    scale = len(GRID_1_0_0.seeds) / len(seeds)
    rows = [("1.0.0 code, as quoted in issue 13", CELLS_1_0_0, "", "", f"{WALL_1_0_0 / CELLS_1_0_0:.3f}", f"{WALL_1_0_0 / 60:.1f}", "")]
    for label, (cells, wall, cpu) in totals.items():
        rows.append((f"{label}, seeds {seeds}", int(cells), f"{wall:.1f}", f"{cpu:.0f}", f"{wall / cells:.3f}", f"{wall * scale / 60:.1f}", f"{cpu * scale / jobs / 60:.1f}"))
    print(f"\njobs={jobs}, cores={os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.1f}")
    print(tabulate(rows, headers=("the 1.0.0 standard grid", "cells", "wall s", "CPU s", "wall s/cell", "10 seeds: wall min", "10 seeds: CPU min / jobs")))
    if baseline:
        (_, old, _), (_, new, _) = totals["1.0.0 code"], totals["today"]
        print(f"today's wall time per cell is {old / new:.2f}x better than the 1.0.0 code's on the same cells")


def compare_model_3(datasets: list[str], seed: int, jobs: int) -> None:
    """2.0.0's cells with `BENCHMARK_MODEL` against the same cells with `BENCHMARK_MODEL_3`, interleaved
    dataset by dataset (see the module docstring)."""
    models = {"2.0.0 model": BENCHMARK_MODEL, "3.0.0 model": BENCHMARK_MODEL_3}
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    reports: dict[str, list[RunReport]] = defaultdict(list)
    for dataset in datasets:
        for label, model in models.items():
            protocols = [dataclasses.replace(p, model=model) for p in STANDARD.protocols(datasets=[dataset])]
            with tempfile.TemporaryDirectory(prefix="bench-model-3-") as out:

                def run(protocols=protocols, out=out) -> RunReport:
                    with make_executor(jobs, None) as executor:
                        return run_protocols(protocols, resolve_strategies(None), prepare_out_dir(out), seeds=[seed], executor=executor, progress=False)

                report, wall, cpu = measured(run)
            if not report.ok:
                raise SystemExit(f"{label} failed cells: {report.failures}")
            print(f"{dataset}, {label}: {len(report.written)} cells, wall {wall:.1f} s, CPU {cpu:.0f} s, load {os.getloadavg()[0]:.1f}", flush=True)
            for i, v in enumerate((len(report.written), wall, cpu)):
                totals[label][i] += v
            reports[label].append(report)
    rows = []
    for label, (cells, wall, cpu) in totals.items():
        rows.append((label, int(cells), f"{wall:.1f}", f"{cpu:.0f}", f"{wall / cells:.3f}", f"{cpu / cells:.3f}"))
    (_, old_wall, old_cpu), (_, new_wall, new_cpu) = totals["2.0.0 model"], totals["3.0.0 model"]
    print(f"\nstandard 2.0.0 cells of {datasets}, seed {seed}, all built-in strategies; jobs={jobs}, cores={os.cpu_count()}, load at the end: {os.getloadavg()[0]:.1f}")
    print(tabulate(rows, headers=("model", "cells", "wall s", "CPU s", "wall s/cell", "CPU s/cell")))
    print(f"3.0.0 model per cell: {old_wall / new_wall:.2f}x less wall time, {old_cpu / new_cpu:.2f}x less CPU time than 2.0.0's")
    for label, runs in reports.items():
        merged = SimpleNamespace(timings=[t for r in runs for t in r.timings])
        print(f"\n{label}: per-round seconds (mean over rounds of every group)")
        print(tabulate(breakdown(merged), headers=BREAKDOWN_HEADERS, floatfmt=".2f"))  # type: ignore[arg-type]
    try:
        suite_3 = get_suite("standard@3.0.0")
    except Exception:  # noqa: BLE001 - the 3.0.0 suite is registered by another change (issue 22)
        print("\n(standard@3.0.0 is not registered in this tree: no whole-suite estimate)")
        return
    n_cells = sum(len(suite_3.seeds) for _ in suite_3.protocols()) * len(resolve_strategies(None))
    idle = new_cpu / totals["3.0.0 model"][0] * n_cells / jobs
    print(f"\nstandard@3.0.0: {n_cells} cells; at this run's 3.0.0 CPU s/cell over {jobs} cores: {idle / 60:.1f} min (goal: 20 min on 2 cores)")


def breakdown(report: RunReport) -> list[tuple]:
    """Per (suite kind, regime): groups, trainings, and mean seconds per round of train/eval/query."""
    rows: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for task, timings in report.timings:
        kind = get_entry(task.protocol.dataset, task.protocol.dataset_version).kind
        row = rows[(kind, task.protocol.regime.name)]
        row["groups"].append(1)
        row["trainings"].append(sum(timings.members))
        row["train"].extend(timings.train)
        row["eval"].extend(timings.evaluate)
        row["query"].extend(timings.query)
        row["group_s"].append(sum(timings.train) + sum(timings.evaluate) + sum(timings.query))
    out = []
    for (kind, regime), r in sorted(rows.items()):
        total = sum(r["train"]) + sum(r["eval"]) + sum(r["query"])
        out.append(
            (
                kind,
                regime,
                len(r["groups"]),
                int(sum(r["trainings"])),
                np.mean(r["group_s"]),
                np.mean(r["train"]),
                np.mean(r["eval"]),
                np.mean(r["query"]),
                f"{100 * sum(r['train']) / total:.0f}/{100 * sum(r['eval']) / total:.0f}/{100 * sum(r['query']) / total:.0f}",
            )
        )
    return out


def strategy_query_seconds(report: RunReport) -> list[tuple]:
    per: dict[str, list[float]] = defaultdict(list)
    for result in report.loaded:  # type: ignore[attr-defined]
        per[result.provenance.strategy].extend(r.query_seconds for r in result.rounds if r.query_seconds is not None)
    return sorted(((name, len(v), float(np.mean(v)), float(np.max(v))) for name, v in per.items()), key=lambda r: -r[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--standard-seeds", type=int, default=1, help=f"seeds of the standard suite to run (of {len(STANDARD.seeds)})")
    parser.add_argument("--skip-quick", action="store_true")
    parser.add_argument("--skip-standard", action="store_true")
    parser.add_argument("--grid-1.0.0", dest="grid", type=int, nargs="+", metavar="SEED", help="compare on these seeds of the 1.0.0 grid, then stop")
    parser.add_argument("--baseline", metavar="CHECKOUT", help="a checkout of the 1.0.0 release to run the same cells with (--grid-1.0.0)")
    parser.add_argument("--model-3", nargs="+", metavar="DATASET", help="compare 2.0.0's and 3.0.0's model on these datasets' 2.0.0 cells, then stop")
    parser.add_argument("--seed", type=int, default=0, help="the seed of --model-3's cells")
    args = parser.parse_args()
    if args.model_3:
        compare_model_3(args.model_3, args.seed, args.jobs)
        return
    if args.grid:
        compare_grid(args.grid, args.baseline, args.jobs)
        return

    summary, details = [], []
    if not args.skip_quick:
        report, wall, cpu = timed_run("quick", args.jobs)
        summary.append(("quick (all)", len(report.written), len(report.timings), f"{wall:.1f}", f"{cpu:.0f}", f"{wall:.1f}", f"{cpu / args.jobs:.1f}"))
        details.append(("quick", report))
    if not args.skip_standard:
        k = args.standard_seeds
        seeds = list(STANDARD.seeds[:k])
        scale = len(STANDARD.seeds) / k
        for label, kinds in (("synthetic", ("synthetic",)), ("real", ("real",))):
            datasets = [name for name, version in STANDARD.dataset_refs() if get_entry(name, version).kind in kinds]
            if not datasets:
                continue
            report, wall, cpu = timed_run("standard", args.jobs, datasets=datasets, seeds=seeds)
            summary.append(
                (
                    f"standard, {label}: {len(datasets)} datasets x 3 regimes x seeds {seeds} (x{scale:g} for the full suite)",
                    len(report.written),
                    len(report.timings),
                    f"{wall:.1f}",
                    f"{cpu:.0f}",
                    f"{wall * scale:.0f} ({wall * scale / 60:.1f} min)",
                    f"{cpu * scale / args.jobs:.0f} ({cpu * scale / args.jobs / 60:.1f} min)",
                )
            )
            details.append((f"standard/{label}", report))

    print(f"jobs={args.jobs}, cores={os.cpu_count()}, load average before end: {os.getloadavg()[0]:.1f}\n")
    print(tabulate(summary, headers=("run (what was measured)", "cells", "groups", "wall s", "CPU s", "full run: wall s", "full run: CPU s / jobs")))
    print("(CPU s / jobs = the wall time on an otherwise idle machine with perfect spreading over the jobs)")
    for name, report in details:
        print(f"\n{name}: per-round seconds (mean over rounds of every group; one batched training per round)")
        print(
            tabulate(
                breakdown(report),
                headers=BREAKDOWN_HEADERS,
                floatfmt=".2f",
            )
        )
        print(f"\n{name}: query seconds per strategy and round")
        print(tabulate(strategy_query_seconds(report), headers=("strategy", "queries", "mean s", "max s"), floatfmt=".3f"))


if __name__ == "__main__":
    main()
