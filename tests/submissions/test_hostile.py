"""Hostile submissions against the jail: each attack ends rejected (one-line `StrategyError`) or harmless,
and a snapshot of the results, leaderboard and staging tree, the package and site-packages proves nothing
outside the jail changed.

Most attacks live in one `Hostile` strategy that picks its attack by ``batch_size`` and reports what it
could reach by raising (the worker survives an exception), so one jail start serves many probes.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np
import pytest
from submission_factory import HEADER, child_pids, make_submission, snapshot

import mmal_bench
from mmal_bench.errors import StrategyError
from mmal_bench.strategies.check import tiny_problem
from mmal_bench.submissions.jail import jail_missing
from mmal_bench.submissions.sandbox import SandboxedStrategy, SandboxLimits

pytestmark = pytest.mark.skipif(jail_missing() is not None, reason=f"the submission jail cannot run here: {jail_missing()}")

PACKAGE = Path(mmal_bench.__file__).resolve().parent
SITE = Path(sysconfig.get_paths()["purelib"])
SECRET = "MMAL_TEST_SECRET_TOKEN"

HOSTILE = HEADER + """\
import glob
import os
import socket
import threading
import time

from mmal_bench.data.hub import load_benchmark  # imported at start-up: the import alone can outlast a query

TARGETS = {targets!r}
COUNTER = [0]


def _spin():
    while True:
        COUNTER[0] += 1


def _try(action):
    try:
        return "ALLOWED " + repr(action())[:80]
    except BaseException as exc:  # noqa: BLE001
        return "denied " + type(exc).__name__


class Hostile(Strategy):
    name = "hostile"

    def select(self, view, model, batch_size, rng):
        ids = rng.choice(view.unlabeled_ids, size=batch_size, replace=False)
        if batch_size == 1:  # every file path an attacker knows: results, staging, cache, repository, home
            raise RuntimeError("|".join(_try(lambda p=p: open(p).read(10)) for p in TARGETS["read"]))
        if batch_size == 2:  # tamper: results, staging, harness source, a .pth in site-packages
            raise RuntimeError("|".join(_try(lambda p=p: open(p, 'a').write('x')) for p in TARGETS["write"]))
        if batch_size == 3:  # the harness's own loaders and cached datasets
            raise RuntimeError("loader=" + _try(lambda: load_benchmark(TARGETS["dataset"], TARGETS["version"])))
        if batch_size == 4:  # the parent's memory and every other process (no /proc at all in the jail)
            pids = _try(lambda: sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
            raise RuntimeError(f"pids={{pids}} ppid={{os.getppid()}} ppid_mem=" + _try(lambda: open(f"/proc/{{os.getppid()}}/mem", "rb").read(1)))
        if batch_size == 5:  # processes: fork, a double-forked setsid daemon, a subprocess
            import subprocess
            raise RuntimeError("fork=" + _try(os.fork) + " spawn=" + _try(lambda: subprocess.Popen(["/bin/sleep", "600"])))
        if batch_size == 6:  # network and environment
            net = _try(lambda: socket.create_connection(("1.1.1.1", 53), timeout=2))
            secret = any("SECRET" in k or "hunter2" in v for k, v in os.environ.items())
            raise RuntimeError(f"net={{net}} uid={{os.getuid()}} secret={{secret}} env={{sorted(os.environ)}}")
        if batch_size == 7:  # start a thread that computes forever, measure its rate during this query
            threading.Thread(target=_spin, daemon=True).start()
            start = COUNTER[0]
            time.sleep(0.3)
            raise RuntimeError(f"rate={{(COUNTER[0] - start) / 0.3}} at={{COUNTER[0]}}")
        if batch_size == 8:  # how far did it count while the harness was not asking?
            raise RuntimeError(f"at={{COUNTER[0]}}")
        if batch_size == 9:  # flood the captured output
            chunk = "x" * (1 << 20)
            for _ in range(64):
                os.write(2, chunk.encode())
        if batch_size == 11:  # an oversized reply: 10 million ids
            return np.arange(10_000_000)
        if batch_size == 12:  # a forged frame of 2**40 bytes on the reply channel
            import struct
            for fd in range(3, 64):
                try:
                    os.write(fd, struct.pack(">Q", 1 << 40))
                except OSError:
                    pass
            time.sleep(5)
        if batch_size == 13:  # stop reading requests: the next one must not block the parent
            import sys
            sys.modules["__main__"].read_frame = lambda stream: time.sleep(10**6)  # the worker runs as __main__
        return ids
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A results root, leaderboard, staging folder and cache that the attacks aim at."""
    base = tmp_path_factory.mktemp("world")
    for rel in ("results/quick/ds@1.0.0/low/random/seed-0.json", "leaderboard/LEADERBOARD.md", "results/.staging-hostile-x/keep", "home/cache/data.parquet"):
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text("original")
    return base


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, world):
    targets = {
        "read": [str(world / "results/quick/ds@1.0.0/low/random/seed-0.json"), str(world / "home/cache/data.parquet"), str(PACKAGE.parent / "pyproject.toml"), os.path.expanduser("~/.bashrc")],
        "write": [
            str(world / "results/quick/ds@1.0.0/low/random/seed-0.json"),
            str(world / "results/.staging-hostile-x/ghost.json"),
            str(PACKAGE / "harness/loop.py"),
            "/opt/mmal-bench/mmal_bench/harness/loop.py",
            str(SITE / "zz_hostile.pth"),
        ],
        "dataset": "synthetic-redundant",
        "version": "1.0.0",
    }
    folder = make_submission(tmp_path_factory.mktemp("subs"), "hostile", source=HOSTILE.format(targets=targets))
    os.environ[SECRET] = "hunter2"
    proxy = SandboxedStrategy(folder / "strategy.py", name="hostile", source_hash="sha256:x", limits=SandboxLimits(query_seconds=3.0, recheck_share=0.0, isolate_cells=False))
    before = snapshot(world, PACKAGE) | {"site": sorted(os.listdir(SITE))}
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.close()
        del os.environ[SECRET]
    assert snapshot(world, PACKAGE) | {"site": sorted(os.listdir(SITE))} == before


@pytest.fixture(scope="module")
def problem():
    return tiny_problem()


def probe(proxy: SandboxedStrategy, problem, batch_size: int) -> str:
    view, model = problem
    with pytest.raises(StrategyError, match="select\\(\\) raised RuntimeError") as info:
        proxy.select(view, model, batch_size, np.random.default_rng(0))
    assert "\n" not in str(info.value)
    return str(info.value)


def test_no_file_outside_the_jail_is_readable(hostile, problem) -> None:
    message = probe(hostile, problem, 1)
    assert "ALLOWED" not in message and message.count("denied FileNotFoundError") == 4


def test_results_staging_harness_and_site_packages_cannot_be_written(hostile, problem) -> None:
    message = probe(hostile, problem, 2)
    assert "ALLOWED" not in message and message.count("denied") == 5  # the fixture's snapshot proves it too


def test_loaders_find_no_data(hostile, problem) -> None:
    assert "loader=denied" in probe(hostile, problem, 3)


def test_parent_and_other_processes_are_invisible(hostile, problem) -> None:
    message = probe(hostile, problem, 4)
    assert "pids=denied FileNotFoundError" in message and "ppid=0" in message and "ppid_mem=denied" in message


def test_no_process_can_be_started_or_detached(hostile, problem) -> None:
    kids = child_pids()
    message = probe(hostile, problem, 5)
    assert "fork=denied PermissionError" in message and "spawn=denied PermissionError" in message
    assert child_pids() == kids


def test_no_network_no_secrets_unprivileged(hostile, problem) -> None:
    message = probe(hostile, problem, 6)
    assert "net=denied" in message and "secret=False" in message and SECRET not in message and "uid=65534" in message


def test_threads_do_not_compute_between_queries(hostile, problem) -> None:
    rate_msg = probe(hostile, problem, 7)
    rate = float(rate_msg.split("rate=")[1].split()[0])
    at = int(rate_msg.split("at=")[1].split()[0].rstrip(")"))
    time.sleep(1.0)  # the worker is stopped: a running thread would count ~rate more here
    later = int(probe(hostile, problem, 8).split("at=")[1].split()[0].rstrip(")"))
    assert rate > 0 and later - at < 0.2 * rate


def test_output_flood_is_capped_and_rejected(hostile, problem) -> None:
    view, model = problem
    with pytest.raises(StrategyError, match=r"select\(\) raised OSError: \[Errno 27\] File too large"):
        hostile.select(view, model, 9, np.random.default_rng(0))
    hostile._worker.stderr.seek(0, os.SEEK_END)
    assert hostile._worker.stderr.tell() <= 16 * 2**20  # the capture file is capped too


def test_oversized_reply_is_refused_unread(hostile, problem) -> None:
    view, model = problem
    with pytest.raises(StrategyError, match=r"returned 80000128 bytes of ids while answering select\(\) \(at most 1112"):
        hostile.select(view, model, 11, np.random.default_rng(0))
    with pytest.raises(StrategyError, match=r"sent a 1099511627776-byte reply header"):
        hostile.select(view, model, 12, np.random.default_rng(0))


def test_a_worker_that_stops_reading_cannot_block_the_parent(hostile, problem) -> None:
    view, model = tiny_problem(n_pool=4000)
    assert sum(x.nbytes for x in view.unlabeled.features.values()) > 1 << 16  # a request larger than a pipe buffer
    hostile.select(view, model, 13, np.random.default_rng(0))
    started = time.monotonic()
    with pytest.raises(StrategyError, match=r"stopped reading its input for 3 s"):
        hostile.select(view, model, 10, np.random.default_rng(0))
    assert time.monotonic() - started < 10


def test_memory_grabbed_at_import_counts(tmp_path) -> None:
    source = HEADER + "HOG = np.ones(2**30)  # 8 GiB at import\n\nclass Hog(Strategy):\n    name = 'hog'\n\n    def select(self, view, model, batch_size, rng):\n        return view.unlabeled_ids[:batch_size]\n"
    proxy = SandboxedStrategy(make_submission(tmp_path, "hog", source=source) / "strategy.py", name="hog", limits=SandboxLimits(memory_mb=512))
    with pytest.raises(StrategyError, match=r"exceeded the memory limit of 512 MiB while importing strategy.py"):
        proxy.start()
    proxy.close()


def test_hidden_nondeterminism_is_caught_by_a_fresh_worker(tmp_path, problem) -> None:
    source = HEADER + (
        "MEMO = {}\n\nclass Sneaky(Strategy):\n    name = 'sneaky'\n\n"
        "    def select(self, view, model, batch_size, rng):\n"
        "        key = (len(view.unlabeled_ids), batch_size)\n"
        "        if key not in MEMO:  # unseeded randomness, hidden from a same-process repeat by memoisation\n"
        "            MEMO[key] = np.random.default_rng().choice(view.unlabeled_ids, size=batch_size, replace=False)\n"
        "        return MEMO[key]\n"
    )
    proxy = SandboxedStrategy(make_submission(tmp_path, "sneaky", source=source) / "strategy.py", name="sneaky")
    view, model = problem
    try:
        with pytest.raises(StrategyError, match=r"select\(\) is not deterministic: a fresh process"):
            proxy.select(view, model, 5, np.random.default_rng(0))
    finally:
        proxy.close()


def test_unjailed_mode_must_be_asked_for(monkeypatch, tmp_path) -> None:
    from mmal_bench.errors import SubmissionError
    from mmal_bench.submissions import sandbox

    monkeypatch.setattr(sandbox, "jail_missing", lambda: "`bwrap` is not installed; install the `bubblewrap` package")
    proxy = SandboxedStrategy(make_submission(tmp_path, "good") / "strategy.py", name="good")
    with pytest.raises(SubmissionError, match=r"^cannot score a submission here: `bwrap` is not installed; .*--unjailed"):
        proxy.start()
    assert proxy._worker is None
    assert sys.platform == "linux"


def test_unjailed_development_mode_runs_only_when_asked(tmp_path, problem) -> None:
    proxy = SandboxedStrategy(make_submission(tmp_path, "dev") / "strategy.py", name="dev", limits=SandboxLimits(jail=False, recheck_share=0.0))
    view, model = problem
    try:
        assert len(proxy.select(view, model, 5, np.random.default_rng(0))) == 5
    finally:
        proxy.close()
