"""``mmal-bench leaderboard``: verify and score the result files, write LEADERBOARD.md / CSV / HTML, print the table."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "leaderboard",
        help="score result files and write the leaderboard (Markdown, CSV, HTML)",
        description="Verify every result file (content, strategy source and dataset hashes), score it and "
        "write LEADERBOARD.md, leaderboard.csv and index.html (+ strategies/ pages, plots/) to --out.",
    )
    p.add_argument("--results", type=Path, default=None, help="results root (default: results/<benchmark version>)")
    p.add_argument("--suite", default=None, help="suite to show when the results root holds several (e.g. standard)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: <results>-<suite>-leaderboard beside the results folder; the committed leaderboard is ./leaderboard)",
    )
    p.add_argument("--submissions", type=Path, default=None, help="submissions folder (default: the repository's submissions/)")
    add_grid_argument(p)
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots (faster)")
    p.add_argument(
        "--official",
        action="store_true",
        help="refuse results that are not all signed by the release's pinned maintainers' key on one hidden instance "
        "(without it such a board is written marked UNOFFICIAL / UNSIGNED)",
    )
    p.set_defaults(func=run)


def add_grid_argument(parser: argparse.ArgumentParser) -> None:
    """``--grid``, shared by the commands that score results (`leaderboard`, `findings`)."""
    parser.add_argument(
        "--grid",
        choices=("suite", "observed"),
        default="suite",
        help="cells a strategy needs to be ranked: every cell of the suite definition (default) or every cell "
        "any strategy in the results has (for partial runs, e.g. --seeds 0 1)",
    )


def expected_grid(grid: str, suite: str | None):
    """The cells ``--grid suite`` ranks against (``None``: every observed cell, or no suite to read)."""
    from mmal_bench.errors import ConfigError
    from mmal_bench.leaderboard.scoring import suite_grid

    if grid != "suite" or suite is None:
        return None
    try:
        return suite_grid(suite)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (for results of an unregistered suite, pass --grid observed)") from None


def default_leaderboard_dir(results: Path, suite: str) -> Path:
    """Where a leaderboard of local results goes unless ``--out`` says otherwise.

    Next to the results root and named after it (``results/2.0.0`` → ``results/2.0.0-quick-leaderboard``),
    so two results folders side by side never overwrite each other's board, and never the committed
    ``leaderboard/`` folder, so a local run cannot overwrite the published leaderboard by accident.
    """
    results = Path(results)
    if results.name in ("", ".", ".."):  # `--results .`: name the board after the folder itself
        results = results.resolve()
    return results.parent / f"{results.name}-{suite}-leaderboard"


def render_leaderboard(
    results: Path,
    suite: str | None,
    out: Path | None,
    *,
    grid: str = "suite",
    submissions: Path | None = None,
    plots: bool = True,
    official: bool = False,
) -> Path:
    """Score ``results`` (one suite), write the leaderboard, print its overall table; return the folder."""
    from mmal_bench.leaderboard.loading import suites_in
    from mmal_bench.leaderboard.render import MARKDOWN_NAME, build_leaderboard, render_overview
    from mmal_bench.submissions.catalog import DEFAULT_SUBMISSIONS, full_catalog

    from mmal_bench.errors import ConfigError

    if Path(results).exists() and not Path(results).is_dir():
        raise ConfigError(f"--results {results} is a file; pass the results folder a run wrote (e.g. results/2.0.0)")
    if out is not None and any(p.exists() and not p.is_dir() for p in (Path(out), *Path(out).parents)):
        raise ConfigError(f"--out {out}: it or a parent of it is a file; pass a folder for the leaderboard")
    present = suites_in(results)
    if suite is None and len(present) == 1:
        suite = present[0]
    expected = expected_grid(grid, suite)  # no suite: build_leaderboard explains (no results, or several suites)
    out = out or default_leaderboard_dir(results, suite or "results")
    board = build_leaderboard(
        results,
        out,
        suite=suite,
        catalog=full_catalog(submissions or DEFAULT_SUBMISSIONS),
        expected=expected,
        plots=plots,
        official=official,
    )
    print(render_overview(board))
    print(f"\nwrote {out / MARKDOWN_NAME}, leaderboard.csv, index.html and strategies/ to {out}")
    return out


def run(args: argparse.Namespace) -> int:
    from mmal_bench.harness.runner import default_out_dir

    render_leaderboard(
        args.results or default_out_dir(),
        args.suite,
        args.out,
        grid=args.grid,
        submissions=args.submissions,
        plots=not args.no_plots,
        official=args.official,
    )
    return 0
