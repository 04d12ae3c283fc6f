"""``mmal-bench reproduce``: recompute published cells and say whether every number is identical.

Thin layer over `mmal_bench.harness.reproduce.reproduce`; exit 0 when every recomputed cell matches its
file, 1 when one differs (each named with its first differing field), 2 for a usage error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mmal_bench.cli.arguments import add_seeds_argument, parse_seeds

#: How many differing cells are printed one by one (the count is always printed).
SHOWN = 20


def register(subparsers) -> None:
    """Add the ``reproduce`` sub-command (imports nothing heavy: ``--help`` must start fast)."""
    p = subparsers.add_parser(
        "reproduce",
        help="recompute published cells (e.g. leaderboard/results/2.0.0) and check every number is identical",
        description="Recompute the built-in strategies' cells of a results folder with this code and compare them "
        "with the files, timings aside. Hidden-instance (official) cells need the maintainers' --key or the "
        "seeds a later release revealed (--revealed). A full suite takes as long as its run; select a slice.",
    )
    p.add_argument("results", type=Path, metavar="DIR", help="results folder, e.g. leaderboard/results/2.0.0")
    p.add_argument("--suite", default="standard", help="suite of the results (default standard)")
    p.add_argument("--strategies", nargs="+", metavar="NAME", help="built-in strategies to recompute (default: all published)")
    p.add_argument("--datasets", nargs="+", metavar="NAME[@VERSION]", help="datasets to recompute (default: all published)")
    p.add_argument("--regimes", nargs="+", metavar="NAME", help="budget regimes to recompute (default: all published)")
    add_seeds_argument(p, "seeds to recompute, e.g. 7 or 0-4 (default: all published)")
    p.add_argument("--key", type=Path, metavar="FILE", help="maintainers' private key: rebuilds the hidden instances")
    p.add_argument("--revealed", type=Path, metavar="FILE", help="the JSON `mmal-bench keys reveal` printed: rebuilds the hidden instances")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_reproduce)


def cmd_reproduce(args: argparse.Namespace) -> int:
    from mmal_bench.harness.reproduce import reproduce

    report = reproduce(
        args.results,
        args.suite,
        strategies=args.strategies,
        datasets=args.datasets,
        regimes=args.regimes,
        seeds=parse_seeds(args.seeds),
        key=args.key,
        revealed=args.revealed,
        jobs=args.jobs,
        progress=not args.quiet,
    )
    for m in report.mismatches[:SHOWN]:
        print(f"differs: {m.path}: {m.detail}")
    if len(report.mismatches) > SHOWN:
        print(f"... and {len(report.mismatches) - SHOWN} more")
    for name, count in sorted(report.skipped.items()):
        print(f"skipped {count} cells of {name!r}: not a built-in strategy (a submission re-runs through `mmal-bench submit`)")
    if report.package_notes:
        print("note: the published cells were computed with " + "; ".join(report.package_notes))
    n = len(report.compared)
    if report.identical:
        print(f"{n} cells recomputed: every number identical to the published files (timings aside)")
        return 0
    print(f"{len(report.mismatches)} of {n} recomputed cells differ from the published files")
    return 1
