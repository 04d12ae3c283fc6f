"""Executors survive dying workers: a pool worker that dies is retried (bounded, as Dask does), and
workers die with their parent instead of blocking forever as orphans. A stopped run (Ctrl-C, SIGTERM)
kills its workers at once, keeps its finished cells and says so in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from mmal_bench.errors import ExecutorError
from mmal_bench.harness.executors import ALLOWED_WORKER_DEATHS, DaskExecutor, LocalPoolExecutor


def die_once(marker: str) -> int:
    """Kill the worker the first time (as the OOM killer would), succeed when retried."""
    if not os.path.exists(marker):
        Path(marker).write_text("died")
        os._exit(9)
    return 42


def always_die(_: object) -> int:
    os._exit(9)


def test_a_task_whose_worker_died_is_retried_on_a_fresh_pool(tmp_path: Path) -> None:
    with LocalPoolExecutor(2) as pool:
        got = sorted(pool.imap_unordered(die_once, [str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "a")]))
    assert got == [42, 42, 42]


def test_a_worker_that_keeps_dying_is_one_error_not_a_traceback() -> None:
    with LocalPoolExecutor(1) as pool, pytest.raises(ExecutorError, match=f"died {ALLOWED_WORKER_DEATHS + 1} times"):
        list(pool.imap_unordered(always_die, [0]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_workers_die_with_their_parent() -> None:
    script = (
        "import os, signal, time\n"
        "from mmal_bench.harness.executors import LocalPoolExecutor\n"
        "pool = LocalPoolExecutor(2)\n"
        "list(pool.imap_unordered(time.sleep, [0.0, 0.0]))\n"
        "workers = [p.pid for p in pool._pool._processes.values()]\n"
        "print(' '.join(map(str, workers)), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert done.returncode == -signal.SIGKILL, done.stderr[-500:]
    workers = [int(p) for p in done.stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_a_dask_scheduler_that_died_is_one_error(monkeypatch) -> None:
    """What the client raises once the scheduler is gone (1.0.0 showed a `TypeError` traceback)
    becomes one `ExecutorError`; a task's own exception is still re-raised unchanged."""
    import dask.distributed

    from mmal_bench.harness.executors import DaskExecutor

    class GoneClient:
        status = "closed"

        def submit(self, fn, task, pure):  # noqa: ARG002 - the Client.submit signature
            return types.SimpleNamespace(cancel=lambda: None)

        def close(self) -> None:
            pass

    def lost_scheduler(futures, with_results):  # noqa: ARG001
        raise TypeError("'NoneType' object is not subscriptable")
        yield

    class CancelledFuture:
        status = "cancelled"

        def cancel(self) -> None:
            pass

    def cancelled_by_lost_scheduler(futures, with_results):  # noqa: ARG001
        # What dask.distributed does when the scheduler process is killed mid-run (observed with a
        # real `dask scheduler` + `dask worker`): the futures come back cancelled, the error as result.
        from distributed.client import FutureCancelledError

        yield CancelledFuture(), FutureCancelledError("lost", "scheduler-connection-lost")

    executor = object.__new__(DaskExecutor)
    executor.address, executor._client, executor._cluster = "tcp://10.0.0.1:8786", GoneClient(), None
    monkeypatch.setattr(dask.distributed, "as_completed", lost_scheduler)
    with pytest.raises(ExecutorError, match=r"the Dask scheduler tcp://10.0.0.1:8786 stopped answering \(TypeError\)"):
        list(executor.imap_unordered(abs, [1]))
    monkeypatch.setattr(dask.distributed, "as_completed", cancelled_by_lost_scheduler)
    with pytest.raises(ExecutorError, match=r"stopped answering \(task cancelled: FutureCancelledError\)"):
        list(executor.imap_unordered(abs, [1]))
    monkeypatch.setattr(dask.distributed, "as_completed", lost_scheduler)
    GoneClient.status = "running"
    GoneClient.nthreads = lambda self: {"w": 1}
    with pytest.raises(TypeError):  # the scheduler answers: the error is the task's own
        list(executor.imap_unordered(abs, [1]))


def test_an_interrupted_pool_stops_at_once_without_waiting_for_its_tasks() -> None:
    """Ctrl-C in the main process: leaving the executor kills the workers instead of waiting for the
    tasks in flight (1.0.0-2.0.0 waited for them: 9-17 s)."""
    pool = LocalPoolExecutor(2)
    started, sent = _ctrl_c_once()
    with pytest.raises(KeyboardInterrupt):
        with pool:
            pool._ensure_pool()
            started.set()
            for _ in pool.imap_unordered(time.sleep, [60, 60, 60]):
                pass
    elapsed = time.perf_counter() - sent[0]
    assert pool._pool is None and elapsed < 2, elapsed


def test_an_interrupted_local_dask_cluster_stops_at_once_without_waiting_for_its_tasks() -> None:
    """As the pool: Ctrl-C kills a local cluster's workers (closing it gave each busy worker 4 s)."""
    started, sent = _ctrl_c_once()
    with pytest.raises(KeyboardInterrupt):
        with DaskExecutor("local", jobs=2) as dask:
            started.set()
            for _ in dask.imap_unordered(time.sleep, [60, 60, 60]):
                pass
    elapsed = time.perf_counter() - sent[0]
    assert dask._cluster is None and elapsed < 2, elapsed


def _ctrl_c_once() -> tuple[threading.Event, list[float]]:
    """Ctrl-C to this process 1 s after the returned event is set (once its workers sleep in their
    tasks); the list gets the time it was sent."""
    started, sent = threading.Event(), []

    def interrupt() -> None:
        started.wait(60)
        time.sleep(1.0)
        sent.append(time.perf_counter())
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # where the terminal sends it

    threading.Thread(target=interrupt, daemon=True).start()
    return started, sent


def test_a_local_dask_cluster_keeps_its_scratch_in_its_own_folder_and_a_killed_runs_is_removed(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    from mmal_bench.harness import executors

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = tmp_path / f"{executors.SCRATCH_PREFIX}{dead.pid}-x1"  # a run killed with -9 left it
    (killed / "dask-scratch-space" / "worker-1").mkdir(parents=True)
    with DaskExecutor("local", jobs=1) as dask:
        assert not killed.exists()
        scratch = [p.name for p in tmp_path.iterdir()]
        assert len(scratch) == 1 and scratch[0].startswith(f"{executors.SCRATCH_PREFIX}{os.getpid()}-")
        assert list(dask.imap_unordered(abs, [-3])) == [3]
    assert list(tmp_path.iterdir()) == []  # nothing under dask-scratch-space, nothing of ours


#: A `mmal-bench run` of the tiny ``clitest`` suite with all 20 seeds of its dataset, as a script:
#: Dask's spawned workers import the main script, so they see the suite it registers.
TINY_RUN_SCRIPT = """
import sys

sys.path.insert(0, {tests!r})
from suite_factory import register_tiny_suite

register_tiny_suite(seeds=tuple(range(20)))

if __name__ == "__main__":
    from mmal_bench.cli import main

    main()
"""


@pytest.mark.parametrize(("stop", "says"), [("SIGINT", "interrupted: "), ("SIGTERM", "terminated (SIGTERM): ")])
def test_a_stopped_local_dask_run_exits_at_once_keeping_its_cells_and_saying_so(tmp_path: Path, stop: str, says: str) -> None:
    """The signal to the whole process group mid-run, as a terminal's Ctrl-C (or systemd's and SLURM's
    SIGTERM) sends it: the run exits at once (up to 3.0.0: 4-5 s, Dask's nanny gave each busy worker 4 s),
    prints the pool executor's one line, keeps every finished cell intact, and leaves no traceback
    (the workers' KeyboardInterrupt) and no scratch folder."""
    from mmal_bench.harness.results import iter_result_files, read_result

    script, out, temp = tmp_path / "run_tiny.py", tmp_path / "out", tmp_path / "tmp"
    script.write_text(TINY_RUN_SCRIPT.format(tests=str(Path(__file__).resolve().parents[1])))
    temp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "TMPDIR": str(temp), "MMAL_BENCH_HOME": str(tmp_path / "home")}
    argv = ["run", "--suite", "clitest", "--strategies", "random", "entropy", "margin", "--scheduler", "local", "--jobs", "2", "--out", str(out), "--quiet", "--no-leaderboard"]
    run = subprocess.Popen([sys.executable, str(script), *argv], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(iter_result_files(out)) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(run.pid, getattr(signal, stop))
        sent = time.monotonic()
        _, err = run.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    kept = list(iter_result_files(out))
    assert run.returncode == 128 + getattr(signal, stop), err[-2000:]
    assert elapsed < 10, elapsed  # 0.2 s measured on 2 busy cores; the bound only guards against a hang
    assert err == f"{says}{len(kept)} of the 60 cells are kept in {out} ({len(kept)} written by this run); {60 - len(kept)} are not done yet: run the same command again to resume\n"
    assert 0 < len(kept) < 60 and all(read_result(path) for path in kept)
    assert list(temp.iterdir()) == [] and not list(tmp_path.rglob("dask-scratch-space"))
