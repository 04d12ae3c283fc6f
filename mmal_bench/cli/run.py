"""``mmal-bench run``: run (or resume) a suite of active-learning cells and print a summary table.

Thin layer over `mmal_bench.harness.runner.run_suite`; every user error is a one-line `MMALBenchError`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmal_bench.cli.arguments import add_seeds_argument, parse_seeds
from mmal_bench.errors import ConfigError


def register(subparsers) -> None:
    """Add the ``run`` sub-command (imports nothing heavy: ``--help`` must start fast)."""
    parser = subparsers.add_parser(
        "run",
        help="run or resume a suite (strategies x datasets x regimes x seeds)",
        description="Run every cell (strategy x dataset x regime x seed) of a suite that has no valid result "
        "file yet, one JSON file per cell. Re-running the same command resumes; finished cells are skipped.",
    )
    parser.add_argument("--suite", default="quick", help="which suite: quick (default) or standard")
    parser.add_argument("--strategies", nargs="+", metavar="NAME", help="built-in strategies to run (default: all)")
    parser.add_argument("--datasets", nargs="+", metavar="NAME[@VERSION]", help="datasets of the suite to run (default: all)")
    parser.add_argument("--regimes", nargs="+", metavar="NAME", help="budget regimes to run (default: all of the suite)")
    add_seeds_argument(parser, "seeds to run, e.g. 0 1 or 0-4 (default: all of the suite)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", metavar="ADDR", help="run on a Dask cluster at ADDR (tcp://host:8786), or 'local' for a LocalCluster of --jobs workers")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="results directory (default: ./results/<benchmark version>)")
    parser.add_argument(
        "--official",
        action="store_true",
        help="maintainers: score on the hidden instances of the synthetic datasets and sign every cell as it is written (needs --key; resumable)",
    )
    parser.add_argument("--key", type=Path, metavar="FILE", help="maintainers' private key (from `mmal-bench keys generate`)")
    parser.add_argument("--instance", type=int, default=1, metavar="K", help="which hidden instance an official run scores on (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-leaderboard",
        action="store_true",
        help="do not score the suite's results and write its leaderboard (<out>-<suite>-leaderboard beside --out) at the end",
    )
    parser.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from mmal_bench.harness.outdir import prepare_out_dir
    from mmal_bench.harness.report import summary_table
    from mmal_bench.harness.runner import default_out_dir, run_suite
    from mmal_bench.harness.suites import get_suite

    seeds = parse_seeds(args.seeds, get_suite(args.suite).seeds)
    official = None
    if args.official or args.key is not None:
        if not (args.official and args.key is not None):
            raise ConfigError("--official and --key go together: an official run signs with the maintainers' key")
        if args.instance < 1:
            raise ConfigError(f"--instance {args.instance}: hidden instances are numbered from 1 (instance 0 is the public dataset)")
        from mmal_bench.harness.official import OfficialScoring

        official = OfficialScoring.from_key_file(args.key, args.instance)
    out = prepare_out_dir(args.out or default_out_dir())  # before any dataset is built or cell computed
    report = run_suite(
        args.suite,
        strategies=args.strategies,
        datasets=args.datasets,
        regimes=args.regimes,
        seeds=seeds,
        out=out,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=not args.quiet,
        official=official,
        notify=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(summary_table(report.results()))
    replaced = f" ({len(report.replaced)} of them replaced a damaged or outdated file, named above)" if report.replaced else ""
    print(
        f"\n{len(report.written)} cells run{replaced}, {len(report.skipped)} already done, {len(report.failures)} failed "
        f"({report.executor}); results in {out}"
    )
    for reason in report.failures.values():
        print(f"failed: {reason}", file=sys.stderr)
    if report.failures:
        return 1
    if not args.no_leaderboard:
        from mmal_bench.cli.leaderboard import render_leaderboard

        print()
        render_leaderboard(out, args.suite, None, grid=_leaderboard_grid(args))
    return 0


def _leaderboard_grid(args: argparse.Namespace) -> str:
    """Rank against the whole suite only when the whole suite was asked for; else against what ran."""
    partial = any(getattr(args, name) is not None for name in ("strategies", "datasets", "regimes", "seeds"))
    return "observed" if partial else "suite"


__all__ = ["cmd_run", "parse_seeds", "register"]
