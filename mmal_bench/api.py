"""The Python API: evaluate a strategy object through the benchmark's harness and score the results,
without writing a submission folder. Sits on top of the harness and the leaderboard, like the CLI.

    >>> results = mmal_bench.evaluate(MyStrategy, suite="quick", seeds=[0])   # doctest: +SKIP
    >>> mmal_bench.leaderboard(results)                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mmal_bench.errors import ConfigError, StrategyError

if TYPE_CHECKING:
    import pandas as pd

    from mmal_bench.strategies.base import Strategy

#: Columns of `evaluate`'s DataFrame, one row per cell.
RESULT_COLUMNS = (
    "strategy",
    "dataset",
    "dataset_version",
    "regime",
    "seed",
    "aubc",
    "final_accuracy",
    "mean_imbalance",
    "mean_utilization_gap",
    "rounds",
    "final_labels",
    "query_seconds",
    "path",
)


def evaluate(
    strategy: Strategy | type[Strategy],
    suite: str = "quick",
    datasets: Sequence[str] | None = None,
    regimes: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    out: str | Path | None = None,
    *,
    baselines: Sequence[str] = ("random",),
    jobs: int | None = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Run ``strategy`` on (a slice of) a suite through the same harness as ``mmal-bench run``.

    Parameters
    ----------
    strategy:
        A `mmal_bench.Strategy` instance, or a subclass (instantiated with no arguments). Its
        ``name`` files its results; it must not be the name of a built-in strategy.
    suite:
        ``"quick"`` (default) or ``"standard"``.
    datasets, regimes, seeds:
        Restrict the suite (``None``: all of it), as ``--datasets`` / ``--regimes`` / ``--seeds``.
    out:
        Results folder (default ``./results/<benchmark version>``, as the CLI). Finished cells there
        are reused, so calling again resumes.
    baselines:
        Built-in strategies run on the same cells, so the results can be ranked (default ``random``,
        the reference of every ΔAUBC); ``()`` runs ``strategy`` alone.
    jobs:
        Worker processes (default 1: in this process; ``None``: all cores).
    progress:
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per cell (`RESULT_COLUMNS`: strategy, dataset, regime, seed, aubc, final_accuracy, ...).
        ``frame.attrs`` holds ``results_dir`` and ``catalog`` for `leaderboard`.

    Raises
    ------
    StrategyError
        When a cell of ``strategy`` failed (the message names the cell and the broken rule).
    """
    from mmal_bench.harness.loop import StrategyEntry
    from mmal_bench.harness.runner import default_out_dir, run_suite
    from mmal_bench.leaderboard.catalog import StrategyInfo
    from mmal_bench.strategies.base import Strategy

    instance = strategy() if isinstance(strategy, type) and issubclass(strategy, Strategy) else strategy
    entry = StrategyEntry.of(instance)  # a one-line ConfigError for a non-Strategy or a nameless one
    out_dir = Path(out) if out is not None else default_out_dir()
    report = run_suite(
        suite,
        strategies=list(baselines),
        datasets=datasets,
        regimes=regimes,
        seeds=seeds,
        out=out_dir,
        jobs=jobs,
        extra_strategies=[entry],
        progress=progress,
    )
    if report.failures:
        key, reason = next(iter(report.failures.items()))
        raise StrategyError(f"{len(report.failures)} cell(s) failed; first: {key.dataset} {key.regime} seed {key.seed} {key.strategy}: {reason}")
    frame = results_frame(report.paths)
    modality = getattr(instance, "modality", "unimodal")
    frame.attrs["results_dir"] = str(out_dir)
    frame.attrs["suite"] = suite
    frame.attrs["catalog"] = {
        entry.name: StrategyInfo(name=entry.name, modality=modality if modality in ("unimodal", "multimodal") else "unimodal", source_hash=entry.source_hash)
    }
    return frame


def results_frame(paths: Sequence[Path]) -> pd.DataFrame:
    """One row per result file (`RESULT_COLUMNS`), each file verified by `read_result`."""
    import pandas as pd

    from mmal_bench.harness.results import read_result

    rows = []
    for path in paths:
        result = read_result(path)
        p, s = result.provenance, result.summary
        query = [r.query_seconds for r in result.rounds if r.query_seconds is not None]
        rows.append(
            (p.strategy, p.dataset, p.dataset_version, p.regime, p.seed, s.aubc, s.final_accuracy, s.mean_imbalance,
             s.mean_utilization_gap, len(result.rounds), result.rounds[-1].n_labeled, sum(query), str(path))
        )
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return frame.sort_values(["dataset", "regime", "strategy", "seed"], kind="stable").reset_index(drop=True)


def leaderboard(
    results: pd.DataFrame | str | Path,
    *,
    suite: str | None = None,
    strategies: Sequence[Strategy] = (),
    out: str | Path | None = None,
) -> pd.DataFrame:
    """Score results as the leaderboard does and return its overall table.

    Parameters
    ----------
    results:
        What `evaluate` returned, or a results folder (as ``mmal-bench leaderboard --results``).
    suite:
        Which suite of the folder (needed only when it holds several).
    strategies:
        Strategy instances whose results are in a folder but which are neither built-ins nor
        submissions (their source hash is checked against the results).
    out:
        Also write LEADERBOARD.md, leaderboard.csv, index.html and plots there.

    Returns
    -------
    pandas.DataFrame
        The overall ranking (one row per strategy that has every cell the results cover);
        ``frame.attrs["scoreboard"]`` is the full `Scoreboard` (per-group tables, win matrix).
    """
    import pandas as pd

    from mmal_bench.harness.loop import StrategyEntry
    from mmal_bench.leaderboard import build_leaderboard, load_results, score
    from mmal_bench.leaderboard.catalog import StrategyInfo
    from mmal_bench.submissions.catalog import full_catalog

    catalog = full_catalog()
    if isinstance(results, pd.DataFrame):
        if "results_dir" not in results.attrs:
            raise ConfigError("leaderboard() takes what mmal_bench.evaluate returned, or a results folder")
        catalog.update(results.attrs.get("catalog", {}))
        suite = suite or results.attrs.get("suite")
        root = Path(results.attrs["results_dir"])
    else:
        root = Path(results)
    for strategy in strategies:
        entry = StrategyEntry.of(strategy)
        catalog[entry.name] = StrategyInfo(name=entry.name, modality=getattr(strategy, "modality", "unimodal"), source_hash=entry.source_hash)
    if out is not None:
        board = build_leaderboard(root, Path(out), suite=suite, catalog=catalog, plots=True)
    else:
        board = score(load_results(root, suite=suite, catalog=catalog), catalog)
    overall = board.overall.copy()
    overall.attrs["scoreboard"] = board
    return overall
