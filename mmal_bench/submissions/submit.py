"""``submit``: validate a submission folder, check and smoke-run its strategy in the jail, score it on
a suite beside the built-ins, publish the results and rebuild the leaderboard.

Results are written to a staging folder (which the jail cannot reach) and moved into the results root
only when every cell succeeded, so a broken submission leaves no partial results and an untouched
leaderboard. Scoring stops at the first (dataset, regime) with a failing cell.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mmal_bench.data.schema import BenchmarkData, Split, all_subsets, subset_key
from mmal_bench.errors import MMALBenchError, StrategyError, SubmissionError
from mmal_bench.harness.executors import make_executor
from mmal_bench.harness.loop import StrategyEntry, builtin_entry, run_group
from mmal_bench.harness.protocol import Protocol, Regime
from mmal_bench.harness.results import CellResult, harness_hash, iter_result_files, read_result, scored_as, tree_hash, with_provenance, write_result
from mmal_bench.harness.runner import run_protocols
from mmal_bench.harness.suites import get_suite
from mmal_bench.leaderboard.render import build_leaderboard
from mmal_bench.leaderboard.scoring import Scoreboard
from mmal_bench.models.config import ModelConfig
from mmal_bench.paths import MANIFEST, REPO_ROOT, committed_dataset_dir
from mmal_bench.strategies import BUILTIN_STRATEGIES, check_strategy
from mmal_bench.strategies.check import tiny_pool
from mmal_bench.submissions.catalog import full_catalog, source_hash
from mmal_bench.submissions.metadata import STRATEGY_FILE, SubmissionMetadata, load_metadata
from mmal_bench.submissions.sandbox import SandboxedStrategy, SandboxLimits, require_jail
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

if TYPE_CHECKING:
    from mmal_bench.harness.official import OfficialScoring

#: Total query-time budget of a submission: this many times the slowest built-in's on the same cells,
#: and at least `BUDGET_FLOOR_SECONDS` per cell (timings of committed results come from other machines).
BUDGET_FACTOR = 20.0
BUDGET_FLOOR_SECONDS = 60.0
#: Committed results the built-in baselines are reused from (``<version>/<suite>/...``).
COMMITTED_RESULTS = REPO_ROOT / "leaderboard" / "results"
#: What a public-instance score is: the generator and seed of instance 0 ship with the package, so a
#: strategy can rebuild its labels inside the jail; reviewers rely on official scoring only.
PUBLIC_NOTE = "public instance — not evidence; official scoring runs on the hidden instance"


@dataclass
class SubmitReport:
    """What `submit` did: the published result files and the rebuilt leaderboard (if any)."""

    metadata: SubmissionMetadata
    source_hash: str
    results: list[Path] = field(default_factory=list)
    board: Scoreboard | None = None
    steps: list[str] = field(default_factory=list)


def open_submission(folder: Path, limits: SandboxLimits | None = None) -> tuple[SubmissionMetadata, SandboxedStrategy]:
    """Validate ``folder``'s metadata and start its strategy in the sandbox (load errors: one line).

    The proxy returned serves `check_strategy` and the smoke run on tiny public data only, so it keeps
    one worker across their calls (``isolate_cells`` off: nothing there is worth remembering)."""
    folder = Path(folder)
    limits = dataclasses.replace(limits or SandboxLimits(), isolate_cells=False)
    require_jail(limits)
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
    baselines: Sequence[str] | None = None,
    reuse: Sequence[Path] = (),
    signing_key: Path | None = None,
    instance: int = 1,
    progress: bool = True,
    echo: Callable[[str], None] = lambda line: None,
) -> SubmitReport:
    """Validate, check, smoke-run and score the submission in ``folder`` beside the built-ins; publish.

    Steps: metadata → `check_strategy` in the jail → smoke run on a tiny dataset → the built-in
    ``baselines`` (default: every built-in) on the same cells, reused when ``results_root``, one of the
    ``reuse`` results folders (e.g. what ``mmal-bench run`` just wrote) or the committed results hold
    them scored the same way (`reusable`), else computed → the ``suite`` (optionally restricted to
    ``datasets``/``regimes``/``seeds``) one (dataset, regime) at a time, stopping at the first failing
    cell, under a total query-time budget derived from the baselines → provenance stamped (harness
    and folder hashes, jailed, instance 0) and, with ``signing_key``, signed → everything moved under
    ``results_root`` → the leaderboard rebuilt in ``leaderboard_dir`` (skipped when ``None``). Any
    failure raises one `SubmissionError` line and changes nothing.

    Official scoring (``signing_key`` given): every synthetic dataset is replaced by its hidden
    ``instance`` (derived from the key; see `mmal_bench.data.instances`), the built-ins are scored on
    the same instances (never reused from public results), and every result is signed.
    """
    folder = Path(folder)
    results_root = Path(results_root)
    limits = limits or SandboxLimits()
    protocols = get_suite(suite).protocols(datasets, regimes)
    official: OfficialScoring | None = None
    data: dict[str, BenchmarkData] = {}
    if signing_key is not None:
        from mmal_bench.harness.official import OfficialScoring

        if not limits.jail:
            raise SubmissionError("official (signed) scoring runs jailed only; drop --unjailed")
        official = OfficialScoring.from_key_file(signing_key, instance)
        if not official.pinned:
            echo(f"note: key {official.signer} is not this release's pinned maintainers' key; its results render UNOFFICIAL")
        data = official.datasets(protocols)
    else:
        echo(f"note: {PUBLIC_NOTE}")
    instances = {ref: instance for ref in data}
    meta, proxy = open_submission(folder, limits)
    report = SubmitReport(metadata=meta, source_hash=proxy.source_hash)
    staging: Path | None = None
    scored = proxy
    try:
        echo(f"[1/5] {meta.slug}: metadata valid, strategy.py loaded in the {'jail' if limits.jail else 'UNJAILED development mode'}")
        try:
            check_strategy(proxy, verbose=False)  # step 2's line below says it
        except StrategyError as exc:
            raise SubmissionError(f"check_strategy failed: {exc}") from None
        echo(f"[2/5] {meta.slug}: check_strategy passed")
        smoke_run(StrategyEntry.of(proxy, source_hash=proxy.source_hash, name=meta.slug))
        echo(f"[3/5] {meta.slug}: smoke run passed")
        proxy.close()
        # Staging lives in a private temp dir beside the results (same filesystem, atomic renames); the
        # jail mounts neither.
        results_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{meta.slug}-", dir=results_root))
        os.chmod(staging, 0o700)
        names = list(baselines) if baselines is not None else sorted(BUILTIN_STRATEGIES)
        with make_executor(jobs) as executor:
            same_scoring = functools.partial(scored_as, instances=instances, signer=official.signer if official else None)
            sources = [results_root, *(Path(r) for r in reuse)]
            baseline, reused = _baselines(protocols, names, seeds, sources, staging, executor, progress, data, same_scoring)
            budget = max(BUDGET_FACTOR * baseline, BUDGET_FLOOR_SECONDS * _n_cells(protocols, seeds))
            echo(f"[4/5] {meta.slug}: built-ins {', '.join(names)} ready ({reused} cells reused, not recomputed); query-time budget {budget:.0f} s")
            scored = SandboxedStrategy(proxy.path, name=meta.slug, modality=meta.modality, source_hash=proxy.source_hash, limits=dataclasses.replace(limits, total_seconds=budget))
            scored.declared_stateful = proxy.declared_stateful
            entry = StrategyEntry.of(scored, source_hash=proxy.source_hash, name=meta.slug)
            for i, protocol in enumerate(protocols, 1):
                label = f"{meta.slug} {i}/{len(protocols)} {protocol.dataset_ref} {protocol.regime.name}"
                run = run_protocols([protocol], [entry], staging, seeds=seeds, executor=executor, data=data, progress=progress, label=label)
                if run.failures:
                    _, reason = min(run.failures.items(), key=lambda kv: kv[0].relative_path())
                    raise SubmissionError(f"scoring failed on {protocol.dataset_ref} regime {protocol.regime.name} (stopped there): {reason}")
        used = _stamp(staging / suite, meta.slug, instances, official, jailed=limits.jail, submission_hash=tree_hash(folder))
        if official is not None:
            for name in names:  # the baselines on the hidden instances are official results too
                _stamp(staging / suite, name, instances, official)
        if used > budget:
            raise SubmissionError(f"the strategy used {used:.0f} s of query time, over its budget of {budget:.0f} s ({BUDGET_FACTOR:g}x the slowest built-in)")
        report.results = _publish(staging, results_root, suite, meta.slug)
    except KeyboardInterrupt as exc:
        # The run's own message would point at the staging folder, which goes next: say what is true.
        raise SubmitInterrupted(
            f"nothing of {meta.slug} was published (a submit writes its results only once every cell has succeeded; "
            f"what it computed is discarded); run the same command again to score it"
        ) from exc
    finally:
        proxy.close()
        scored.close()  # the in-process copies; pool workers' copies end with their processes
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    echo(f"[5/5] {meta.slug}: {len(report.results)} result files written under {results_root / suite}" + ("" if official else f" ({PUBLIC_NOTE})"))
    if leaderboard_dir is not None:
        report.board = build_leaderboard(results_root, leaderboard_dir, suite=suite, catalog=full_catalog(folder.resolve().parent))
        echo(f"leaderboard rebuilt in {leaderboard_dir}")
    return report


class SubmitInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a submit: nothing is published, and the message says so."""


def _n_cells(protocols: Sequence[Protocol], seeds: Sequence[int] | None) -> int:
    return sum(len(seeds if seeds is not None else p.seeds) for p in protocols)


def _baselines(protocols, names, seeds, sources: Sequence[Path], staging: Path, executor, progress: bool, data, same_scoring) -> tuple[float, int]:
    """Put the built-ins' results of the cells into ``staging`` (unless ``sources[0]``, the results
    root, has them): copied from another of ``sources`` or the committed results when one holds a
    `reusable` result, else computed on ``data``. Only results scored the same way are reused
    (``same_scoring``: public ones for a public run; for an official one, those signed by the same key
    on the same hidden instance, e.g. by ``run --official``). Returns the slowest built-in's total
    query time over the cells (the budget's yardstick) and how many cells were reused."""
    committed = COMMITTED_RESULTS / BENCHMARK_VERSION
    results_root = sources[0]
    harness = harness_hash()
    entries = [builtin_entry(n) for n in names]
    slowest: dict[str, float] = {n: 0.0 for n in names}
    missing = []
    reused = 0
    for protocol in protocols:
        fingerprint = _fingerprint(protocol.dataset_ref, data)
        for seed in seeds if seeds is not None else protocol.seeds:
            for entry in entries:
                rel = Path(protocol.suite) / protocol.dataset_ref / protocol.regime.name / entry.name / f"seed-{seed}.json"
                found, result = None, None
                for root in (*sources, committed):
                    result = reusable(root / rel, protocol, entry.source_hash, fingerprint, None if root == committed else harness)
                    if result is not None and same_scoring(result):
                        found = root / rel
                        break
                if found is None:
                    missing.append((protocol, seed, entry))
                    continue
                reused += 1
                if found != results_root / rel:  # reused from elsewhere: publish a copy
                    (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(found, staging / rel)
                slowest[entry.name] += sum(r.query_seconds or 0.0 for r in result.rounds)
    todo_protocols = list(dict.fromkeys(p for p, _, _ in missing))
    for i, protocol in enumerate(todo_protocols, 1):
        todo = sorted({seed for p, seed, _ in missing if p == protocol})
        todo_entries = list(dict.fromkeys(e for p, _, e in missing if p == protocol))
        label = f"built-ins {i}/{len(todo_protocols)} {protocol.dataset_ref} {protocol.regime.name}"
        run = run_protocols([protocol], todo_entries, staging, seeds=todo, executor=executor, data=data, progress=progress, label=label)
        if run.failures:
            raise SubmissionError(f"built-in baseline failed on {protocol.dataset_ref}: {next(iter(run.failures.values()))}")
        for path in run.written:
            result = read_result(path)
            slowest[result.provenance.strategy] += sum(r.query_seconds or 0.0 for r in result.rounds)
    return max(slowest.values(), default=0.0), reused


def _fingerprint(ref: str, data: dict[str, BenchmarkData]) -> str | None:
    """The fingerprint a cell of ``ref`` must record to be reused: the in-memory dataset's (a hidden
    instance, a test's data), else the committed manifest's; ``None`` when neither knows one."""
    if ref in data:
        return data[ref].fingerprint
    name, version = ref.split("@")
    manifest = committed_dataset_dir(name, version) / MANIFEST
    return json.loads(manifest.read_text(encoding="utf-8"))["fingerprint"] if manifest.is_file() else None


def reusable(path: Path, protocol: Protocol, source: str, fingerprint: str | None, harness: str | None) -> CellResult | None:
    """The result at ``path`` if a built-in cell scored now would be the same cell, else ``None``.

    Same cell means: a valid file, made by this protocol (benchmark version, suite, budgets, seeds and
    model are in its hash) and this strategy source, on a dataset with this ``fingerprint``, by this
    package version and (when the file records one) this ``harness`` hash. ``harness=None`` is for the
    committed release's files: they are the release's own numbers, checked by ``mmal-bench reproduce``
    rather than by the code hashes.
    """
    if not path.is_file():
        return None
    try:
        result = read_result(path)
    except MMALBenchError:
        return None
    prov = result.provenance
    if prov.protocol_hash != protocol.protocol_hash or prov.strategy_source_hash != source:
        return None
    if fingerprint is not None and prov.dataset_fingerprint != fingerprint:
        return None
    if harness is not None and (prov.package_version != PACKAGE_VERSION or prov.harness_hash not in (None, harness)):
        return None
    return result


def _stamp(
    root: Path, slug: str, instances: dict[str, int], official: OfficialScoring | None, jailed: bool | None = None, submission_hash: str | None = None
) -> float:
    """Add the complete provenance to the staged results of ``slug`` (`results.with_provenance`; signed
    by ``official``'s key when given); return the query seconds they used in total. ``instances`` maps
    dataset refs scored on a hidden instance to its number (others: the public instance 0)."""
    stamp = official.finalize if official is not None else functools.partial(with_provenance, harness=harness_hash())
    used = 0.0
    for path in sorted(root.glob(f"*/*/{slug}/seed-*.json")):
        result = read_result(path)
        used += sum(r.query_seconds or 0.0 for r in result.rounds)
        write_result(root.parent, stamp(result, instances, jailed=jailed, submission_hash=submission_hash))
    return used


def _publish(staging: Path, results_root: Path, suite: str, slug: str) -> list[Path]:
    """Move the staged results (the submission's, and built-ins' that were missing) into place, one
    (dataset, regime, strategy) folder at a time.

    Each staged ``<dataset>/<regime>/<slug>/`` folder is renamed into place (atomic per folder);
    older results of the same slug (made by other code) are removed first, since they no longer
    match the source and would be refused by the leaderboard.
    """
    staged = sorted(iter_result_files(staging / suite))
    for path in staged:
        read_result(path)  # re-verify before publishing: what lands in the results root is valid
    for old in sorted((results_root / suite).glob(f"*/*/{slug}")):
        shutil.rmtree(old)
    published = []
    for src in staged:
        dst = results_root / src.relative_to(staging)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)
        if src.parent.name == slug:
            published.append(dst)
    return published
