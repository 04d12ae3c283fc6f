"""Where groups of cells run: in this process, in a local process pool, or on a Dask cluster.

Every executor runs the same top-level task function on the same picklable task with one torch thread
per worker, so the results are identical whichever one is used; only wall time differs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

from mmal_bench.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

#: Environment every worker starts with: one BLAS/OpenMP thread (parallelism is across groups).
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def limit_threads() -> None:
    """Pin this process to one torch intra-op thread (called at the start of every worker task)."""
    for key, value in WORKER_ENV.items():
        os.environ.setdefault(key, value)
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


class Executor(ABC):
    """Runs ``fn`` over tasks, yielding results as they complete (in any order)."""

    jobs: int = 1

    @abstractmethod
    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as soon as it is done; the first exception is re-raised
        (pending tasks are cancelled)."""

    def close(self) -> None:
        """Release workers (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return type(self).__name__


class InlineExecutor(Executor):
    """Runs tasks one after another in this process (``--jobs 1``; tests; debugging)."""

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def describe(self) -> str:
        return "in-process (1 job)"


class LocalPoolExecutor(Executor):
    """A local pool of ``jobs`` worker processes started with ``spawn`` (no inherited torch state)."""

    def __init__(self, jobs: int, start_method: str = "spawn") -> None:
        if jobs < 1:
            raise ConfigError(f"--jobs must be at least 1, got {jobs}")
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None
        self._start_method = start_method

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Workers inherit the environment at spawn time: one BLAS thread before torch is imported.
            with _patched_env(WORKER_ENV):
                self._pool = ProcessPoolExecutor(
                    max_workers=self.jobs,
                    mp_context=multiprocessing.get_context(self._start_method),
                    initializer=limit_threads,
                )
        return self._pool

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        pool = self._ensure_pool()
        with _patched_env(WORKER_ENV):
            pending: set[Future[R]] = {pool.submit(fn, task) for task in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def describe(self) -> str:
        return f"local process pool ({self.jobs} jobs)"


class DaskExecutor(Executor):
    """A `dask.distributed` cluster: ``address`` of a running scheduler, or ``"local"`` for a
    `LocalCluster` of ``jobs`` single-threaded worker processes started here."""

    def __init__(self, address: str, jobs: int = 1, processes: bool = True) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask[distributed] is a dependency
            raise ConfigError("--scheduler needs dask.distributed; pip install 'dask[distributed]'") from None
        self.address = address
        self._cluster = None
        try:
            if address == "local":
                self.jobs = max(1, jobs)
                self._cluster = LocalCluster(
                    n_workers=self.jobs,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                    env=WORKER_ENV,
                    silence_logs=40,
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout="10s")
                self.jobs = max(1, sum(self._client.nthreads().values()))
        except OSError as exc:
            self.close()
            raise ConfigError(f"cannot connect to Dask scheduler {address!r} ({exc}); check --scheduler") from None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        from dask.distributed import as_completed

        futures = [self._client.submit(fn, task, pure=False) for task in tasks]
        if not futures:
            return
        try:
            for _, result in as_completed(futures, with_results=True):
                yield result
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def describe(self) -> str:
        return f"Dask {'LocalCluster' if self.address == 'local' else self.address} ({self.jobs} workers)"


def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for ``--jobs`` / ``--scheduler``: Dask if a scheduler is given, else a local pool
    of ``jobs`` processes (default: all cores), or in-process for one job."""
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    n = jobs or os.cpu_count() or 1
    if scheduler:
        return DaskExecutor(scheduler, n)
    if n == 1:
        return InlineExecutor()
    return LocalPoolExecutor(n)


@contextlib.contextmanager
def _patched_env(values: dict[str, str]) -> Iterator[None]:
    old: dict[str, Any] = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
