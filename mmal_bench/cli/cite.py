"""``mmal-bench cite [STRATEGY ...]``: BibTeX for the benchmark, the Mind the Gap paper and each strategy."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "cite",
        help="print BibTeX for the benchmark (and strategies)",
        description="Print BibTeX entries: the benchmark (with its version and dataset versions), the Mind the Gap "
        "paper, and the paper of each named strategy (built-in or submission).",
    )
    p.add_argument("strategies", nargs="*", metavar="STRATEGY", help="strategy names (built-in or submission slug)")
    p.add_argument("--submissions", type=Path, default=None, help="submissions folder (default: the repository's submissions/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmal_bench.leaderboard.citation import citation_text

    catalog = None
    if args.strategies:
        from mmal_bench.submissions.catalog import DEFAULT_SUBMISSIONS, full_catalog

        catalog = full_catalog(args.submissions or DEFAULT_SUBMISSIONS)
    print(citation_text(args.strategies, catalog), end="")
    return 0
