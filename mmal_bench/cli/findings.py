"""``mmal-bench findings``: write FINDINGS.md (the results section of a benchmark paper) from a suite's
result files, or with ``--check`` fail when the file differs from what the results give."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmal_bench.cli.leaderboard import add_grid_argument, expected_grid


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "findings",
        help="write FINDINGS.md from the result files (every number and verdict computed)",
        description="Verify and score the result files of one suite as the leaderboard does and write FINDINGS.md: "
        "the headline, which strategy for which pitfall and budget, real vs synthetic data, the three claims of Mind the Gap re-examined, the previous release beside this one, noisy data, missing "
        "modalities, cost and threats to validity. --check compares instead of writing.",
    )
    p.add_argument("--results", type=Path, default=None, help="results root (default: results/<benchmark version>)")
    p.add_argument("--suite", default="standard", help="suite to report on (default: standard)")
    p.add_argument("--out", type=Path, default=Path("FINDINGS.md"), help="file to write (default: FINDINGS.md)")
    p.add_argument("--archive", type=Path, default=None, help="folder with the archived previous release's results and tables (default: the repository's leaderboard/results)")
    add_grid_argument(p)
    p.add_argument("--submissions", type=Path, default=None, help="submissions folder (default: the repository's submissions/)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if --out differs from what the results give")
    p.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """The command that regenerates the file, as the file's header quotes it (paths as the user gave them)."""
    parts = ["mmal-bench findings", f"--results {args.results}", f"--suite {args.suite}", f"--out {args.out}"]
    if args.grid != "suite":
        parts.append(f"--grid {args.grid}")
    if args.archive is not None:
        parts.append(f"--archive {args.archive}")
    return " ".join(parts)


def findings_text(args: argparse.Namespace) -> str:
    """Load, verify and score ``args.results`` and render FINDINGS.md (one-line errors for bad input)."""
    from mmal_bench.leaderboard.findings_report import compute_findings, render_findings
    from mmal_bench.leaderboard.loading import load_results
    from mmal_bench.paths import REPO_ROOT
    from mmal_bench.submissions.catalog import DEFAULT_SUBMISSIONS, full_catalog

    expected = expected_grid(args.grid, args.suite)
    catalog = full_catalog(args.submissions or DEFAULT_SUBMISSIONS)
    loaded = load_results(args.results, suite=args.suite, catalog=catalog)
    archive = args.archive if args.archive is not None else REPO_ROOT / "leaderboard" / "results"
    data = compute_findings(loaded, catalog, expected=expected, archive=archive if archive.is_dir() else None)
    return render_findings(data, command_line(args))


def run(args: argparse.Namespace) -> int:
    from mmal_bench.errors import ConfigError
    from mmal_bench.harness.runner import default_out_dir

    args.results = args.results or default_out_dir()
    if args.archive is not None and not args.archive.is_dir():
        raise ConfigError(f"archive folder {args.archive} does not exist; pass the folder holding <previous release>-<suite>-aubc.csv")
    text = findings_text(args)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else None
        if current != text:
            why = "does not exist" if current is None else "differs from what the results give"
            print(f"{args.out} {why}; regenerate it with `{command_line(args)}`", file=sys.stderr)
            return 1
        print(f"{args.out} matches the results")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0
