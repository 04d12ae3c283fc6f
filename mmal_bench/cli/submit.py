"""``mmal-bench submit submissions/<slug>``: validate, sandbox-check, smoke-run and score a strategy, then
publish its results and rebuild the leaderboard."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "submit",
        help="score your own strategy (see submissions/README.md)",
        description="Validate submission.yaml, run check_strategy and a smoke run in a sandboxed process, score the "
        "strategy on a suite, then write its results and rebuild the leaderboard. Nothing is written unless "
        "every step and every cell succeeds.",
    )
    p.add_argument("folder", type=Path, help="the submission folder (submissions/<slug>)")
    p.add_argument("--suite", default="quick", help="suite to score on: quick (default) or standard")
    p.add_argument("--out", type=Path, default=None, help="results root (default: results/<benchmark version>)")
    p.add_argument(
        "--leaderboard",
        type=Path,
        default=None,
        help="leaderboard folder to rebuild (default: <out>/../<suite>-leaderboard; the committed one is ./leaderboard)",
    )
    p.add_argument("--no-leaderboard", action="store_true", help="only write results")
    p.add_argument("--datasets", nargs="+", default=None, help="restrict to these datasets")
    p.add_argument("--regimes", nargs="+", default=None, help="restrict to these regimes")
    p.add_argument("--seeds", nargs="+", type=int, default=None, help="restrict to these seeds")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--time-limit", type=float, default=120.0, help="seconds allowed per query (default 120)")
    p.add_argument("--memory-limit", type=int, default=4096, help="MiB the strategy may allocate (default 4096)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmal_bench.cli.leaderboard import default_leaderboard_dir
    from mmal_bench.harness.runner import default_out_dir
    from mmal_bench.leaderboard.render import render_overview
    from mmal_bench.submissions.sandbox import SandboxLimits
    from mmal_bench.submissions.submit import submit

    results_root = args.out or default_out_dir()
    report = submit(
        args.folder,
        suite=args.suite,
        results_root=results_root,
        leaderboard_dir=None if args.no_leaderboard else args.leaderboard or default_leaderboard_dir(results_root, args.suite),
        limits=SandboxLimits(query_seconds=args.time_limit, memory_mb=args.memory_limit),
        jobs=args.jobs,
        datasets=args.datasets,
        regimes=args.regimes,
        seeds=args.seeds,
        progress=not args.quiet,
        echo=(lambda line: None) if args.quiet else print,
    )
    print(f"submitted {report.metadata.slug} ({report.source_hash[:19]}…): {len(report.results)} result files")
    if report.board is not None:
        print(render_overview(report.board))
    return 0
