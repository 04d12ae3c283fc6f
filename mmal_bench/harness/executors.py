"""Where groups of cells run: in this process, in a local process pool, or on a Dask cluster.

Every executor runs the same top-level task function on the same picklable task with one torch thread
per worker, so the results are identical whichever one is used; only wall time differs.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from mmal_bench.errors import ConfigError, ExecutorError, MMALBenchError
from mmal_bench.harness.outdir import pid_alive

T = TypeVar("T")
R = TypeVar("R")

#: Environment every worker starts with: one BLAS/OpenMP thread (parallelism is across groups).
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
#: How often a task is re-run after the worker running it died (Dask's ``allowed-failures`` is 3 too).
ALLOWED_WORKER_DEATHS = 3
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux ``PR_SET_PDEATHSIG``).

    Without it, killing the main process alone orphans the pool workers, which then block forever.
    Elsewhere this is a no-op (the pool's own shutdown still stops workers on a normal exit).
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _init_worker(parent_pid: int) -> None:
    # torch is pinned to one thread by the task itself (`runner.execute_group`); importing it here
    # would make every (re)started worker pay for it before it is known to be needed.
    die_with_parent(parent_pid)
    _ignore_ctrl_c()
    os.environ.update(WORKER_ENV)


def _ignore_ctrl_c() -> None:
    # Ctrl-C reaches the terminal's whole process group: the main process decides what stops (it
    # kills the workers at once), so a worker neither dies mid-pickle nor prints a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def dask_setup(worker: object) -> None:  # noqa: ARG001 - the signature Dask calls
    """Dask's preload hook, run in the main thread of a local cluster's worker processes as they start
    (`DaskExecutor`): they ignore Ctrl-C, as the pool's workers do, and SIGTERM.

    systemd and SLURM send SIGTERM to every process of a job: a worker that died of it first would be
    restarted by its nanny while the main process stops, and the cancelled restart logs tracebacks.
    The main process kills the workers itself (`DaskExecutor.terminate`); Dask's memory monitor
    follows an ignored SIGTERM with SIGKILL, and a worker exits as soon as its parent is gone.
    """
    _ignore_ctrl_c()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


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
        """Release workers once their tasks are done (idempotent)."""

    def terminate(self) -> None:
        """Stop workers now, dropping the tasks they run (Ctrl-C, SIGTERM, an error); idempotent."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Leaving on an exception (an interruption above all) must not wait for tasks nobody will read.
        if exc_type is None:
            self.close()
        else:
            self.terminate()

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
                    initializer=_init_worker,
                    initargs=(os.getpid(),),
                )
        return self._pool

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """As `Executor.imap_unordered`; a task whose worker died is re-run on a fresh pool.

        A dead worker breaks the whole `ProcessPoolExecutor`, so every task still in it is re-run; a
        task in flight at `ALLOWED_WORKER_DEATHS` + 1 deaths raises one `ExecutorError` (results
        already yielded are kept).
        """
        deaths: dict[int, int] = {}
        todo = list(enumerate(tasks))
        while todo:
            pool = self._ensure_pool()
            with _patched_env(WORKER_ENV):
                pending: dict[Future[R], int] = {pool.submit(fn, task): i for i, task in todo}
            by_index = dict(todo)
            todo = []
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = pending.pop(future)
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            todo.append((index, by_index[index]))
                            continue
                        yield result
            finally:
                for future in pending:
                    future.cancel()
            if todo:
                self._discard_broken_pool()
                for index, _ in todo:
                    deaths[index] = deaths.get(index, 0) + 1
                worst = max(deaths[i] for i, _ in todo)
                if worst > ALLOWED_WORKER_DEATHS:
                    raise ExecutorError(
                        f"a worker process died {worst} times while running the same group of cells (killed by the "
                        "system, e.g. out of memory?); finished cells are saved: run the same command again, with fewer --jobs"
                    )

    def _discard_broken_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def terminate(self) -> None:
        """Kill the workers (their groups in flight are lost; finished ones are already written)."""
        if self._pool is None:
            return
        # ProcessPoolExecutor has no public kill; shutdown(wait=True) would wait for every running group
        processes = list(getattr(self._pool, "_processes", {}).values())
        for process in processes:
            process.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=1)
        self._pool = None

    def describe(self) -> str:
        return f"local process pool ({self.jobs} jobs)"


class DaskExecutor(Executor):
    """A `dask.distributed` cluster: ``address`` of a running scheduler, or ``"local"`` for a
    `LocalCluster` of ``jobs`` single-threaded worker processes started here."""

    def __init__(self, address: str, jobs: int = 1, processes: bool = True) -> None:
        try:
            import dask
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask[distributed] is a dependency
            raise ConfigError("--scheduler needs dask.distributed; pip install 'dask[distributed]'") from None
        if address != "local" and not _SCHEDULER_ADDRESS.match(address):
            raise ConfigError(
                f"--scheduler {address!r} is not a Dask scheduler address; pass tcp://HOST:PORT (or HOST:PORT), or 'local'"
            )
        self.address = address
        self._cluster = None
        self._scratch: str | None = None
        try:
            if address == "local":
                self.jobs = max(1, jobs)
                # Workers spill to a scratch folder of this run (named by its pid) instead of the shared
                # dask-scratch-space: removed on close, and by the next run if this one was killed.
                remove_stale_scratch()
                self._scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
                with dask.config.set({"temporary-directory": self._scratch}):  # the scheduler's scratch too
                    self._cluster = LocalCluster(
                        n_workers=self.jobs,
                        threads_per_worker=1,
                        processes=processes,
                        dashboard_address=None,
                        env=WORKER_ENV,
                        silence_logs=40,
                        local_directory=self._scratch,
                        preload=[__name__],  # each worker runs `dask_setup` as it starts
                    )
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout="10s")
                self.jobs = max(1, sum(self._client.nthreads().values()))
        except (OSError, TimeoutError, ValueError) as exc:
            self.close()
            raise ConfigError(f"cannot connect to Dask scheduler {address!r} ({exc}); check --scheduler") from None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        from dask.distributed import as_completed

        futures = [self._client.submit(fn, task, pure=False) for task in tasks]
        if not futures:
            return
        try:
            for future, result in as_completed(futures, with_results=True):
                if future.status != "finished" or isinstance(result, BaseException):
                    # Once the scheduler is gone, Dask yields the futures as cancelled, with a
                    # FutureCancelledError in place of the result (1.0.0 unpacked it: TypeError).
                    raise ExecutorError(
                        f"the Dask scheduler {self.address} stopped answering (task {future.status}: "
                        f"{type(result).__name__}); finished cells are saved: restart the scheduler and run "
                        "the same command again to resume"
                    )
                yield result
        except MMALBenchError:
            raise  # a task's own one-line error (e.g. a corrupted dataset file), re-raised by Dask
        except Exception as exc:
            # The cluster, not a cell, failed: Dask surfaces a lost scheduler as CommClosedError,
            # CancelledError, TimeoutError or even TypeError, depending on when it went away.
            if self._cluster_alive():
                raise
            raise ExecutorError(
                f"the Dask scheduler {self.address} stopped answering ({type(exc).__name__}); finished cells are "
                "saved: restart the scheduler and run the same command again to resume"
            ) from None
        finally:
            for future in futures:
                future.cancel()

    def _cluster_alive(self) -> bool:
        client = getattr(self, "_client", None)
        if client is None or client.status != "running":
            return False
        try:
            client.nthreads()  # a round trip to the scheduler: fails when it is gone
        except Exception:  # noqa: BLE001 - any failure here means the scheduler cannot be reached
            return False
        return True

    def close(self) -> None:
        """Close the client and a local cluster (a remote cluster's workers drop this client's futures)
        and remove the local cluster's scratch folder."""
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        if getattr(self, "_scratch", None):
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def terminate(self) -> None:
        """Kill a local cluster's worker processes, then close (their groups in flight are lost;
        finished ones are already written).

        Closing alone asks each busy worker to stop and gives it 4 s (Dask's nanny: 0.8 x 5 s) before
        killing it: a Ctrl-C took 4-5 s to exit. A remote cluster's workers are not ours to kill:
        closing the client drops this run's futures there.
        """
        from distributed import Nanny

        # The teardown of killed workers is expected: this process's own distributed loggers (the
        # cluster's silence_logs covers its workers, not the client) would print it as INFO/WARNING lines.
        logging.getLogger("distributed").setLevel(logging.ERROR)
        for nanny in list(getattr(self._cluster, "workers", {}).values()):
            if not isinstance(nanny, Nanny):  # a worker thread (``processes=False``): nothing to kill
                continue
            nanny.close_gracefully(reason="mmal-bench-terminate")  # or it restarts the worker killed next
            pid = nanny.pid  # None once the process is gone
            if pid:
                with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
                    os.kill(pid, signal.SIGKILL)
        self.close()

    def describe(self) -> str:
        return f"Dask {'LocalCluster' if self.address == 'local' else self.address} ({self.jobs} workers)"


#: Prefix of a local Dask cluster's scratch folder in the temp folder (followed by the run's pid).
SCRATCH_PREFIX = "mmal-bench-dask-"


def remove_stale_scratch() -> list[Path]:
    """Delete the scratch folders of local Dask clusters whose run is gone (killed); return them."""
    stale = []
    for folder in sorted(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*")):
        pid = folder.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not (pid.isdigit() and pid_alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            stale.append(folder)
    return stale


#: ``tcp://host:8786``, ``tls://…``, ``host:8786``: what `dask.distributed.Client` accepts as an address.
_SCHEDULER_ADDRESS = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?[\w.\-\[\]:]+:\d+$|^(?:tcp|tls|inproc|ucx|ws|wss)://\S+$")


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
