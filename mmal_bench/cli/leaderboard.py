"""``mmal-bench leaderboard``: verify and score the result files, write LEADERBOARD.md / CSV / HTML, print the table."""

from __future__ import annotations

import argparse
from pathlib import Path


def default_results_dir() -> Path:
    """Where `mmal-bench run` writes by default (``results/<benchmark version>``)."""
    from mmal_bench.version import BENCHMARK_VERSION

    return Path("results") / BENCHMARK_VERSION


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "leaderboard",
        help="score result files and write the leaderboard (Markdown, CSV, HTML)",
        description="Verify every result file (content, strategy source and dataset hashes), score it and "
        "write LEADERBOARD.md, leaderboard.csv and index.html (+ plots/) to --out.",
    )
    p.add_argument("--results", type=Path, default=None, help="results root (default: results/<benchmark version>)")
    p.add_argument("--suite", default=None, help="suite to show when the results root holds several (e.g. standard)")
    p.add_argument("--out", type=Path, default=Path("leaderboard"), help="output folder (default: ./leaderboard)")
    p.add_argument("--submissions", type=Path, default=None, help="submissions folder (default: the repository's submissions/)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots (faster)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmal_bench.leaderboard.render import MARKDOWN_NAME, build_leaderboard, render_overview
    from mmal_bench.submissions.catalog import DEFAULT_SUBMISSIONS, full_catalog

    results = args.results or default_results_dir()
    board = build_leaderboard(
        results, args.out, suite=args.suite, catalog=full_catalog(args.submissions or DEFAULT_SUBMISSIONS), plots=not args.no_plots
    )
    print(render_overview(board))
    print(f"\nwrote {args.out / MARKDOWN_NAME}, leaderboard.csv and index.html to {args.out}")
    return 0
