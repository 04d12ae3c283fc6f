"""``mmal-bench cite [STRATEGY ...] [--results DIR]``: BibTeX for the benchmark pinned to a result set (the
release's, or a results folder's), the Mind the Gap paper and each strategy's paper: the board's Cite block."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "cite",
        help="print BibTeX for the benchmark (and strategies)",
        description="Print BibTeX entries: the benchmark pinned to the result set your numbers come from (benchmark "
        "version, suite, dataset instance, signing key, sha256 of the result files; default: the current release), the "
        "Mind the Gap paper, and the paper of each named strategy (built-in or submission). The leaderboard's strategy "
        "pages show the same text.",
    )
    p.add_argument("strategies", nargs="*", metavar="STRATEGY", help="strategy names (built-in or submission slug)")
    p.add_argument("--submissions", type=Path, default=None, help="submissions folder (default: the repository's submissions/)")
    p.add_argument(
        "--results",
        type=Path,
        default=None,
        metavar="DIR",
        help="cite the numbers of this results folder (verified as the leaderboard does) instead of the release's",
    )
    p.add_argument("--suite", default="standard", help="suite of --results (default standard)")
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
    results = None
    if args.strategies:
        from mmal_bench.submissions.catalog import DEFAULT_SUBMISSIONS

        catalog = citation_catalog(args.strategies, args.submissions or DEFAULT_SUBMISSIONS)
    if args.results is not None:
        results = folder_result_set(args.results, args.suite, args.submissions)
    print(citation_text(args.strategies, catalog, results), end="")
    return 0


def folder_result_set(folder: Path, suite: str, submissions: Path | None):
    """The `ResultSet` of a results folder, read and verified as the leaderboard reads it (signatures,
    suite definition, strategy sources), so its hash is the one the folder's board shows."""
    from mmal_bench.errors import ConfigError
    from mmal_bench.harness.suites import get_suite
    from mmal_bench.leaderboard.citation import result_set
    from mmal_bench.leaderboard.loading import load_results
    from mmal_bench.submissions.catalog import DEFAULT_SUBMISSIONS, full_catalog

    if not folder.is_dir():
        raise ConfigError(f"--results {folder}: no such folder; pass the results folder your leaderboard was built from")
    get_suite(suite)  # an unknown suite is its own one-line error
    loaded = load_results(folder, suite=suite, catalog=full_catalog(submissions or DEFAULT_SUBMISSIONS))
    return result_set(loaded.results, loaded.suite, loaded.benchmark_version, loaded.signed)
