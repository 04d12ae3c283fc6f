"""Plan and run a suite: expand it into cells, skip finished ones, run the rest group by group on an
executor, and write every cell atomically the moment its group returns.

Killing a run at any moment loses no written cell and leaves no partial file (`results.write_result`
renames a fsynced temp file); re-running the same command resumes with exactly the missing cells.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmal_bench.data.hub import load_benchmark
from mmal_bench.data.schema import BenchmarkData
from mmal_bench.errors import ConfigError, ResultIntegrityError
from mmal_bench.harness.executors import Executor, InlineExecutor, limit_threads, make_executor
from mmal_bench.harness.outdir import clean_stale_temp_files, locked_out_dir, prepare_out_dir
from mmal_bench.harness.loop import GroupOutcome, GroupTimings, StrategyEntry, builtin_entry, run_group
from mmal_bench.harness.protocol import Protocol
from mmal_bench.harness.results import DELETE_AND_RERUN, ArchivedResultError, CellKey, CellResult, read_result, result_path, scored_as, write_result
from mmal_bench.harness.suites import get_suite
from mmal_bench.harness.verify import DatasetTruth, content_difference, manifest_truth
from mmal_bench.strategies import BUILTIN_STRATEGIES, Strategy
from mmal_bench.version import BENCHMARK_VERSION

if TYPE_CHECKING:
    from mmal_bench.harness.official import OfficialScoring


def default_out_dir() -> Path:
    """``./results/<benchmark_version>`` (relative to the working directory)."""
    return Path("results") / BENCHMARK_VERSION


@dataclass(frozen=True)
class PlannedCell:
    """One cell of a plan: where its result lives and whether a valid one is already there."""

    key: CellKey
    path: Path
    protocol: Protocol
    strategy: StrategyEntry
    #: ``"done"`` (valid, same protocol and strategy source: skipped), ``"missing"``, ``"invalid"``
    #: (unreadable, tampered or not what the harness writes: re-run and replaced) or ``"stale"`` (the
    #: strategy's source changed).
    status: str
    #: Why an existing file is replaced (``"invalid"`` / ``"stale"``); empty otherwise.
    reason: str = ""


@dataclass(frozen=True)
class GroupTask:
    """The unit of execution: every pending strategy of one (dataset, regime, seed), picklable.

    ``data`` carries an in-memory dataset (tests, ad-hoc data); ``None`` loads ``protocol.dataset_ref``
    from the registry in the worker (cached per worker process).
    """

    protocol: Protocol
    seed: int
    strategies: tuple[StrategyEntry, ...]
    data: BenchmarkData | None = None


@dataclass
class RunReport:
    """What a run did. ``paths`` lists every planned cell's result file that exists at the end."""

    out: Path
    cells: list[PlannedCell]
    paths: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    #: Existing files the run recomputed and replaced, with the reason (`PlannedCell.reason`).
    replaced: dict[Path, str] = field(default_factory=dict)
    #: Failed cells and the one-line reason (a strategy broke the contract).
    failures: dict[CellKey, str] = field(default_factory=dict)
    timings: list[tuple[GroupTask, GroupTimings]] = field(default_factory=list)
    executor: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    def results(self) -> list[CellResult]:
        """The (validated) results of every present cell, in plan order."""
        return [read_result(p) for p in self.paths]


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a run: says what was kept (every written cell) and what to do.

    Raised from the `KeyboardInterrupt` (the CLI turns SIGTERM into one) once the workers are stopped;
    the cells of the groups in flight are dropped, finished ones are on disk.
    """

    def __init__(self, report: RunReport) -> None:
        self.report = report
        # counted on disk: the signal may land between a file's rename and its entry in the report
        kept = sum(c.path.exists() for c in report.cells if c.key not in report.failures)
        missing = len(report.cells) - kept - len(report.failures)
        super().__init__(
            f"{kept} of the {len(report.cells)} cells are kept in {report.out} ({kept - len(report.skipped)} written by this run); "
            f"{missing} are not done yet: run the same command again to resume"
        )


def resolve_strategies(names: Sequence[str] | None, extra: Sequence[StrategyEntry | Strategy] = ()) -> list[StrategyEntry]:
    """Built-in strategies ``names`` (``None``: all built-ins) followed by ``extra`` instances."""
    chosen = list(BUILTIN_STRATEGIES) if names is None else list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in BUILTIN_STRATEGIES]
    if unknown:
        raise ConfigError(f"unknown strategy {', '.join(map(repr, unknown))}; choose from: {', '.join(BUILTIN_STRATEGIES)}")
    entries = [builtin_entry(n) for n in chosen]
    entries += [e if isinstance(e, StrategyEntry) else StrategyEntry.of(e) for e in extra]
    names_seen = [e.name for e in entries]
    duplicated = sorted({n for n in names_seen if names_seen.count(n) > 1})
    if duplicated:
        raise ConfigError(f"strategy name(s) {', '.join(duplicated)} given twice; each strategy needs its own name")
    if not entries:
        raise ConfigError("no strategies to run; pass --strategies or an extra strategy")
    return entries


def cell_key(protocol: Protocol, seed: int, strategy: str) -> CellKey:
    return CellKey(
        suite=protocol.suite,
        dataset=protocol.dataset,
        dataset_version=protocol.dataset_version,
        regime=protocol.regime.name,
        seed=seed,
        strategy=strategy,
    )


def plan_cells(
    protocols: Sequence[Protocol],
    strategies: Sequence[StrategyEntry],
    out: Path,
    seeds: Sequence[int] | None = None,
    check: Callable[[CellResult, Path], None] | None = None,
    truths: Mapping[str, DatasetTruth] | None = None,
    keys: Mapping[str, Any] | None = None,
) -> list[PlannedCell]:
    """Every cell of ``protocols`` × ``seeds`` (default: each protocol's seeds) × ``strategies``, with
    the status of its result file under ``out``.

    An existing file counts as done only if it is what the harness writes for its cell: readable and
    sealed (`read_result`), its signature (if any) valid for ``keys`` (default: the keys in leaderboard/keys), and
    its content what its sources give (`verify.content_difference`: the summary recomputed from the
    rounds, the protocol's budgets, the dataset's fingerprint and ground truth from ``truths`` by
    ``name@version``, else the committed manifest). Any other file is ``"invalid"``, with the reason.

    A valid result written under a *different protocol* raises `ResultIntegrityError`: mixing it with
    new cells would silently compare numbers made under different rules; use another ``out``. ``check``
    sees every valid existing result and may refuse it the same way (an official run refuses public ones).
    """
    sources = _Sources(truths or {}, keys)
    cells = []
    for protocol in protocols:
        run_seeds = protocol.seeds if seeds is None else list(dict.fromkeys(int(s) for s in seeds))
        bad = [s for s in run_seeds if s not in protocol.seeds]
        if bad:
            shown = ", ".join(map(str, bad[:5])) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
            raise ConfigError(f"seed(s) {shown} are not in suite {protocol.suite!r}; its published seeds are {_span(protocol.seeds)}")
        for seed in run_seeds:
            for entry in strategies:
                key = cell_key(protocol, seed, entry.name)
                path = result_path(Path(out), key)
                cells.append(PlannedCell(key, path, protocol, entry, *_status(path, protocol, entry, sources, check)))
    return cells


def _span(seeds: Sequence[int]) -> str:
    """``0-9`` for a contiguous run of seeds, else the list."""
    ordered = sorted(seeds)
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{ordered[0]}-{ordered[-1]}"
    return ", ".join(map(str, ordered))


class _Sources:
    """What existing files are checked against, each looked up once: dataset truths and signing keys."""

    def __init__(self, truths: Mapping[str, DatasetTruth], keys: Mapping[str, Any] | None) -> None:
        self.truths = dict(truths)
        self._keys = keys

    def truth(self, protocol: Protocol) -> DatasetTruth:
        if protocol.dataset_ref not in self.truths:
            try:
                self.truths[protocol.dataset_ref] = manifest_truth(protocol.dataset, protocol.dataset_version)
            except LookupError as exc:
                raise ConfigError(f"cannot check the results of {protocol.dataset_ref}: {exc}") from None
        return self.truths[protocol.dataset_ref]

    def keys(self) -> Mapping[str, Any]:
        if self._keys is None:
            from mmal_bench.harness.signing import public_keys

            self._keys = public_keys()  # as the leaderboard verifies: a signature intact for a key in leaderboard/keys
        return self._keys


def _status(
    path: Path, protocol: Protocol, entry: StrategyEntry, sources: _Sources, check: Callable[[CellResult, Path], None] | None = None
) -> tuple[str, str]:
    """``(status, reason)`` of the cell's existing file (see `PlannedCell`)."""
    if not path.exists():
        return "missing", ""
    try:
        existing = read_result(path)
    except ArchivedResultError:
        raise  # another benchmark version's file: refuse, never overwrite it
    except ResultIntegrityError as exc:
        return "invalid", _reason(path, exc)
    if check is not None:
        check(existing, path)  # a result of another kind (public / hidden, another key): refuse the folder
    if existing.signature is not None or existing.provenance.signed_by is not None:
        from mmal_bench.harness.signing import verify_signature

        try:
            verify_signature(existing, dict(sources.keys()), path)
        except ResultIntegrityError as exc:
            return "invalid", _reason(path, exc)
    if existing.provenance.protocol_hash != protocol.protocol_hash:
        raise ResultIntegrityError(
            f"{path} was produced under another protocol ({existing.provenance.protocol_hash[:19]}…, now "
            f"{protocol.protocol_hash[:19]}…); write this run to another --out directory"
        )
    found = content_difference(existing, protocol, sources.truth(protocol))
    if found:
        return "invalid", found
    if existing.provenance.strategy_source_hash != entry.source_hash:
        return "stale", f"the source of strategy {entry.name!r} changed since it was written"
    return "done", ""


def _reason(path: Path, exc: ResultIntegrityError) -> str:
    """The reason of an integrity error without the path it starts with (the report names the file) and
    without the advice to delete it (the run is replacing it)."""
    text = str(exc).removesuffix(f"; {DELETE_AND_RERUN}")
    for prefix in (f"{path}: ", f"{path} "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def group_tasks(cells: Sequence[PlannedCell], data: Mapping[str, BenchmarkData] | None = None) -> list[GroupTask]:
    """The pending cells bundled into one task per (protocol, seed), in plan order."""
    groups: dict[tuple[str, int], list[PlannedCell]] = {}
    for cell in cells:
        if cell.status != "done":
            groups.setdefault((cell.protocol.protocol_hash, cell.key.seed), []).append(cell)
    data = data or {}
    return [
        GroupTask(
            protocol=members[0].protocol,
            seed=members[0].key.seed,
            strategies=tuple(c.strategy for c in members),
            data=data.get(members[0].protocol.dataset_ref),
        )
        for members in groups.values()
    ]


def execute_group(task: GroupTask) -> tuple[GroupTask, GroupOutcome]:
    """Run one group in a worker process (the function pool and Dask workers call; top-level so that
    it pickles). Pins the worker to one torch thread."""
    limit_threads()
    return _run_task(task)


def execute_group_inline(task: GroupTask) -> tuple[GroupTask, GroupOutcome]:
    """Run one group in the calling process with one torch thread, restoring the caller's setting."""
    from mmal_bench.models.trainer import torch_threads

    with torch_threads(1):
        return _run_task(task)


def _run_task(task: GroupTask) -> tuple[GroupTask, GroupOutcome]:
    data = task.data if task.data is not None else load_benchmark(task.protocol.dataset, task.protocol.dataset_version)
    return task, run_group(data, task.protocol, task.seed, task.strategies)


def run_protocols(
    protocols: Sequence[Protocol],
    strategies: Sequence[StrategyEntry],
    out: Path,
    *,
    seeds: Sequence[int] | None = None,
    executor: Executor | None = None,
    data: Mapping[str, BenchmarkData] | None = None,
    progress: bool = True,
    official: OfficialScoring | None = None,
    label: str = "mmal-bench run",
    notify: Callable[[str], None] = lambda line: None,
) -> RunReport:
    """Run every pending cell of ``protocols`` × seeds × ``strategies`` and write it under ``out``.

    Parameters
    ----------
    label:
        What the progress bar says it is doing (``submit`` runs several: each says which).
    data:
        In-memory datasets by ``name@version`` that override the registry (tests, ad-hoc data).
    official:
        Score on the hidden instances of the synthetic datasets and sign each cell as it is written
        (a re-run resumes; a folder with other results is refused, see `OfficialScoring`).
    notify:
        Called with one line per existing file the run replaces, naming it and why (before any work).
    executor:
        Where groups run (default: `make_executor()`, a local pool over all cores). Not closed here
        when given.

    Returns
    -------
    A `RunReport`; strategy failures are in ``report.failures`` (they never abort other cells).

    ``out`` is checked (a writable folder) before any work and locked for the whole run, so a second
    run on it fails at once with a `ConfigError`; temp files of interrupted writes are removed first.
    """
    out = prepare_out_dir(out)
    with locked_out_dir(out):
        clean_stale_temp_files(out)
        return _run_locked(
            protocols, strategies, out, seeds=seeds, executor=executor, data=data, progress=progress, official=official, label=label, notify=notify
        )


def _run_locked(
    protocols: Sequence[Protocol],
    strategies: Sequence[StrategyEntry],
    out: Path,
    *,
    seeds: Sequence[int] | None,
    executor: Executor | None,
    data: Mapping[str, BenchmarkData] | None,
    progress: bool,
    official: OfficialScoring | None = None,
    label: str = "mmal-bench run",
    notify: Callable[[str], None] = lambda line: None,
) -> RunReport:
    finalize: Callable[[CellResult], CellResult] = lambda result: result  # noqa: E731
    check: Callable[[CellResult, Path], None] = _refuse_hidden_instances
    instances: dict[str, int] = {}
    keys = None
    if official is not None:
        data = {**official.datasets(protocols), **(data or {})}
        instances = {ref: official.instance for ref in data}
        finalize = functools.partial(official.finalize, instances=instances)
        check = functools.partial(official.check_existing, instances=instances)
        keys = {official.signer: official.key.public_key()}
    truths = {ref: DatasetTruth.of(d, instances.get(ref, 0)) for ref, d in (data or {}).items()}
    cells = plan_cells(protocols, strategies, out, seeds, check, truths, keys)
    tasks = group_tasks(cells, data)
    report = RunReport(out=out, cells=cells)
    report.skipped = [c.path for c in cells if c.status == "done"]
    report.replaced = {c.path: c.reason for c in cells if c.status in ("invalid", "stale")}
    for path, reason in report.replaced.items():
        notify(f"replacing {path}: {reason}")
    # Build or verify every needed dataset once, here, before any worker starts: a missing cache is
    # built by one process (not raced by all workers) and a fingerprint mismatch fails the run early.
    for ref in dict.fromkeys(t.protocol.dataset_ref for t in tasks if t.data is None):
        load_benchmark(*ref.split("@"))
    pending = sum(len(t.strategies) for t in tasks)
    own_executor = executor is None
    executor = executor or make_executor()
    report.executor = executor.describe()
    from tqdm.auto import tqdm

    bar = tqdm(total=pending, unit="cell", desc=label, disable=not progress or pending == 0, dynamic_ncols=True)
    fn = execute_group_inline if isinstance(executor, InlineExecutor) else execute_group
    try:
        for task, outcome in executor.imap_unordered(fn, tasks):
            for name in sorted(outcome.results):
                report.written.append(write_result(out, finalize(outcome.results[name])))
            for name, reason in sorted(outcome.failures.items()):
                report.failures[cell_key(task.protocol, task.seed, name)] = reason
            report.timings.append((task, outcome.timings))
            bar.update(len(task.strategies))
    except BaseException as exc:
        bar.close()
        if own_executor:
            executor.terminate()  # never wait for groups whose results nobody will write
        if isinstance(exc, KeyboardInterrupt):
            raise RunInterrupted(report) from exc
        raise
    bar.close()
    if own_executor:
        executor.close()
    report.paths = [c.path for c in cells if c.path.exists() and c.key not in report.failures]
    return report


def _refuse_hidden_instances(result: CellResult, path: Path) -> None:
    """A public run never counts a hidden-instance (official) result as one of its own cells."""
    if not scored_as(result, {}):
        raise ResultIntegrityError(
            f"{path} is an official result on hidden instance {result.provenance.instance}; "
            "write this public run to its own --out directory"
        )


def run_suite(
    suite: str = "quick",
    *,
    strategies: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None,
    regimes: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    out: Path | str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    extra_strategies: Sequence[StrategyEntry | Strategy] = (),
    executor: Executor | None = None,
    data: Mapping[str, BenchmarkData] | None = None,
    progress: bool = True,
    official: OfficialScoring | None = None,
    notify: Callable[[str], None] = lambda line: None,
) -> RunReport:
    """Run (or resume) ``suite`` restricted to the given strategies, datasets, regimes and seeds.

    The Python entry point behind ``mmal-bench run``. ``strategies=None`` runs every built-in strategy;
    ``extra_strategies`` adds strategy instances (e.g. a submission) filed under their own names.
    Results go to ``out`` (default `default_out_dir`); ``jobs`` / ``scheduler`` choose the executor
    as on the command line (ignored when ``executor`` is given); ``official`` scores on hidden
    instances and signs (`run_protocols`); ``notify`` hears of every file replaced. Unknown names raise
    `ConfigError`.
    """
    chosen = get_suite(suite)
    entries = resolve_strategies(strategies, extra_strategies)
    protocols = chosen.protocols(datasets, regimes)
    if not protocols:
        raise ConfigError(f"suite {suite!r} has no (dataset, regime) left after the selection")
    out_dir = prepare_out_dir(out if out is not None else default_out_dir())
    if executor is not None:
        return run_protocols(
            protocols, entries, out_dir, seeds=seeds, executor=executor, data=data, progress=progress, official=official, notify=notify
        )
    with make_executor(jobs, scheduler) as own:
        return run_protocols(
            protocols, entries, out_dir, seeds=seeds, executor=own, data=data, progress=progress, official=official, notify=notify
        )


__all__ = [
    "GroupTask",
    "PlannedCell",
    "RunInterrupted",
    "RunReport",
    "default_out_dir",
    "execute_group",
    "group_tasks",
    "plan_cells",
    "resolve_strategies",
    "run_protocols",
    "run_suite",
]
