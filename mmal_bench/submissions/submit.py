"""``submit``: validate a submission folder, check and smoke-run its strategy in the sandbox, score it on
a suite, publish the results and rebuild the leaderboard.

Results are written to a staging folder and moved into the results root only when every cell
succeeded, so a broken submission leaves no partial results and an untouched leaderboard.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mmal_bench.data.schema import BenchmarkData, Split, all_subsets, subset_key
from mmal_bench.errors import StrategyError, SubmissionError
from mmal_bench.harness.loop import StrategyEntry, run_group
from mmal_bench.harness.protocol import Protocol, Regime
from mmal_bench.harness.results import iter_result_files, read_result
from mmal_bench.harness.runner import run_suite
from mmal_bench.leaderboard.render import build_leaderboard
from mmal_bench.leaderboard.scoring import Scoreboard
from mmal_bench.models.config import ModelConfig
from mmal_bench.strategies import BUILTIN_STRATEGIES, check_strategy
from mmal_bench.strategies.check import tiny_pool
from mmal_bench.submissions.catalog import full_catalog, source_hash
from mmal_bench.submissions.metadata import STRATEGY_FILE, SubmissionMetadata, load_metadata
from mmal_bench.submissions.sandbox import SandboxedStrategy, SandboxLimits


@dataclass
class SubmitReport:
    """What `submit` did: the published result files and the rebuilt leaderboard (if any)."""

    metadata: SubmissionMetadata
    source_hash: str
    results: list[Path] = field(default_factory=list)
    board: Scoreboard | None = None
    steps: list[str] = field(default_factory=list)


def open_submission(folder: Path, limits: SandboxLimits | None = None) -> tuple[SubmissionMetadata, SandboxedStrategy]:
    """Validate ``folder``'s metadata and start its strategy in the sandbox (load errors: one line)."""
    folder = Path(folder)
    meta = load_metadata(folder, reserved=set(BUILTIN_STRATEGIES))
    proxy = SandboxedStrategy(folder / STRATEGY_FILE, name=meta.slug, modality=meta.modality, source_hash=source_hash(folder), limits=limits)
    try:
        proxy.start()
        declared = proxy.declared_name
        if declared != meta.slug:
            raise SubmissionError(f"{folder / STRATEGY_FILE}: the strategy class has name = {declared!r}; set it to the slug {meta.slug!r}")
    except StrategyError as exc:
        proxy.close()
        raise SubmissionError(str(exc)) from None
    except BaseException:
        proxy.close()
        raise
    return meta, proxy


def smoke_data(seed: int = 0) -> BenchmarkData:
    """A tiny in-memory two-modality dataset (120-row pool, 60-row test) for the smoke run."""
    pool = tiny_pool(120, 3, seed)
    test_raw = tiny_pool(60, 3, seed + 100)
    test = Split(test_raw.features, test_raw.present, np.arange(60, dtype=np.int64), test_raw.labels)
    # Round robin over classes: every prefix of the order is class-balanced.
    within = np.empty(len(pool.labels), dtype=np.int64)
    for c in range(3):
        members = np.flatnonzero(pool.labels == c)
        within[members] = np.arange(len(members))
    order = np.lexsort((pool.labels, within)).astype(np.int64)
    modalities = pool.modalities
    truth = {subset_key(s, modalities): 0.6 + 0.1 * len(s) for s in all_subsets(modalities)}
    return BenchmarkData(
        name="smoke",
        version="0.0.0",
        fingerprint="sha256:smoke",
        modalities=modalities,
        class_names=("c0", "c1", "c2"),
        pool=pool,
        test=test,
        cold_start_order={seed: order},
        ground_truth=truth,
    )


def smoke_run(entry: StrategyEntry) -> None:
    """Run the full AL loop (train → evaluate → query → reveal) for 2 rounds on `smoke_data`."""
    data = smoke_data()
    protocol = Protocol(
        suite="smoke",
        suite_version="0",
        dataset=data.name,
        dataset_version=data.version,
        regime=Regime("smoke", initial=12, batch_size=6, rounds=2),
        seeds=(0,),
        model=ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=30),
    )
    outcome = run_group(data, protocol, 0, [entry])
    if outcome.failures:
        raise SubmissionError(f"smoke run failed: {next(iter(outcome.failures.values()))}")


def submit(
    folder: Path,
    *,
    suite: str = "quick",
    results_root: Path,
    leaderboard_dir: Path | None = None,
    limits: SandboxLimits | None = None,
    jobs: int | None = None,
    datasets: list[str] | None = None,
    regimes: list[str] | None = None,
    seeds: list[int] | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = lambda line: None,
) -> SubmitReport:
    """Validate, check, smoke-run and score the submission in ``folder``; publish its results.

    Steps: metadata → `check_strategy` in the sandbox → smoke run on a tiny dataset → the ``suite``
    (optionally restricted to ``datasets``/``regimes``/``seeds``) via `run_suite` into a staging
    folder → move the results under ``results_root`` → rebuild the leaderboard in ``leaderboard_dir``
    (skipped when ``None``). Any failure raises one `SubmissionError` line and changes nothing.
    """
    folder = Path(folder)
    results_root = Path(results_root)
    meta, proxy = open_submission(folder, limits)
    report = SubmitReport(metadata=meta, source_hash=proxy.source_hash)
    entry = StrategyEntry.of(proxy, source_hash=proxy.source_hash, name=meta.slug)
    staging: Path | None = None
    try:
        echo(f"[1/4] {meta.slug}: metadata valid, strategy.py loaded in the sandbox")
        try:
            check_strategy(proxy)
        except StrategyError as exc:
            raise SubmissionError(f"check_strategy failed: {exc}") from None
        echo(f"[2/4] {meta.slug}: check_strategy passed")
        smoke_run(entry)
        echo(f"[3/4] {meta.slug}: smoke run passed")
        results_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{meta.slug}-", dir=results_root))
        run = run_suite(
            suite,
            strategies=[],
            extra_strategies=[entry],
            datasets=datasets,
            regimes=regimes,
            seeds=seeds,
            out=staging,
            jobs=jobs,
            progress=progress,
        )
        if run.failures:
            _, reason = min(run.failures.items(), key=lambda kv: kv[0].relative_path())
            raise SubmissionError(f"scoring failed ({len(run.failures)} of {len(run.cells)} cells): {reason}")
        report.results = _publish(staging, results_root, suite, meta.slug)
    finally:
        proxy.close()  # the in-process copy; pool workers' copies end with their processes
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    echo(f"[4/4] {meta.slug}: {len(report.results)} result files written under {results_root / suite}")
    if leaderboard_dir is not None:
        report.board = build_leaderboard(results_root, leaderboard_dir, suite=suite, catalog=full_catalog(folder.resolve().parent))
        echo(f"leaderboard rebuilt in {leaderboard_dir}")
    return report


def _publish(staging: Path, results_root: Path, suite: str, slug: str) -> list[Path]:
    """Replace the submission's results of ``suite`` by the staged ones, one (dataset, regime) folder at a time.

    Each staged ``<dataset>/<regime>/<slug>/`` folder is renamed into place (atomic per folder);
    older results of the same slug (made by other code) are removed first, since they no longer
    match the source and would be refused by the leaderboard.
    """
    staged = sorted(iter_result_files(staging / suite))
    for path in staged:
        read_result(path)  # re-verify before publishing: what lands in the results root is valid
    folders = sorted({p.parent for p in staged})
    for old in sorted((results_root / suite).glob(f"*/*/{slug}")):
        shutil.rmtree(old)
    published = []
    for src in folders:
        dst = results_root / src.relative_to(staging)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        published += sorted(dst.glob("seed-*.json"))
    return published
