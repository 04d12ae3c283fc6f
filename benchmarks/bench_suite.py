"""Wall time of the `quick` suite and of the full `standard` suite (measured on a subset of seeds and
extrapolated), with the per-round breakdown into training, evaluation and querying.

Usage: python benchmarks/bench_suite.py [--jobs 2] [--standard-seeds 1] [--skip-quick] [--skip-standard]

The standard suite's groups (dataset, regime, seed) cost the same for every seed, so running
``--standard-seeds k`` of its seeds (20 in 2.0.0) for every dataset and regime and multiplying the
wall time by 20/k estimates the full suite; the script prints exactly what it ran. Timings on a shared machine are
noisy (other processes compete for the cores), so besides wall time the script reports the CPU
seconds the run used (this process and its workers); CPU s / jobs estimates the wall time on an idle
machine, since a suite has many more groups than jobs.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections import defaultdict

import numpy as np
from tabulate import tabulate

from mmal_bench.data.registry import get_entry
from mmal_bench.harness.runner import RunReport, run_suite
from mmal_bench.harness.suites import STANDARD


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children (the pool's workers are
    reaped when `run_suite` closes its pool, so their time is counted)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_run(suite: str, jobs: int, **kwargs) -> tuple[RunReport, float, float]:
    """Run in a fresh results folder; return the report, its wall time and the CPU seconds it used."""
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as out:
        cpu, start = cpu_seconds(), time.perf_counter()
        report = run_suite(suite, out=out, jobs=jobs, progress=False, **kwargs)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        results = report.results()
    report.loaded = results  # type: ignore[attr-defined]
    return report, wall, cpu


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
    args = parser.parse_args()

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
                headers=("kind", "regime", "groups", "trainings", "s/group", "train s/round", "eval s/round", "query s/round", "train/eval/query %"),
                floatfmt=".2f",
            )
        )
        print(f"\n{name}: query seconds per strategy and round")
        print(tabulate(strategy_query_seconds(report), headers=("strategy", "queries", "mean s", "max s"), floatfmt=".3f"))


if __name__ == "__main__":
    main()
