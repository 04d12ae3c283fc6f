"""``mmal-bench cite [STRATEGY ...]``: BibTeX for the benchmark, the Mind the Gap paper and each strategy."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
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


def citation_catalog(names: Sequence[str], root: Path) -> dict:
    """Catalog entries enough to cite ``names``.

    Submissions are read from their YAML alone (fast); the full catalog, which hashes every built-in
    strategy's source and so imports torch, is loaded only when a name is not a submission.
    """
    from mmal_bench.errors import SubmissionError
    from mmal_bench.submissions.catalog import full_catalog, submission_folders, submission_info
    from mmal_bench.submissions.metadata import load_metadata

    catalog = {}
    for folder in submission_folders(root):
        if folder.name in names:
            try:
                meta = load_metadata(folder)
            except SubmissionError:
                continue  # the full catalog below reports it as unknown, listing the valid names
            catalog[meta.slug] = submission_info(folder, meta)
    if any(name not in catalog for name in names):
        return full_catalog(root)
    return catalog


def run(args: argparse.Namespace) -> int:
    from mmal_bench.leaderboard.citation import citation_text

    catalog = None
    if args.strategies:
        from mmal_bench.submissions.catalog import DEFAULT_SUBMISSIONS

        catalog = citation_catalog(args.strategies, args.submissions or DEFAULT_SUBMISSIONS)
    print(citation_text(args.strategies, catalog), end="")
    return 0
