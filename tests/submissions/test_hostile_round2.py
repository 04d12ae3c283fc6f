"""The second red team's holes, each run as a real submission (``tests/submissions/hostile/<slug>``)
in the jail: forged replies and terminal escapes end as one printable line, ``/dev`` and ``/dev/shm``
are capped, ``execve`` is denied, no host path or key is visible, and no memory crosses cells."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from mmal_bench.errors import StrategyError
from mmal_bench.strategies.check import make_view, tiny_pool, tiny_problem
from mmal_bench.submissions.jail import JailLimits, jail_missing
from mmal_bench.submissions.sandbox import SandboxedStrategy, SandboxLimits

pytestmark = pytest.mark.skipif(jail_missing() is not None, reason=f"the submission jail cannot run here: {jail_missing()}")

HOSTILE = Path(__file__).parent / "hostile"


def proxy_of(slug: str, **limits) -> SandboxedStrategy:
    return SandboxedStrategy(HOSTILE / slug / "strategy.py", name=slug, source_hash="sha256:x", limits=SandboxLimits(**limits))


@pytest.fixture(scope="module")
def problem():
    return tiny_problem()


def report(proxy: SandboxedStrategy, problem, batch_size: int, match: str = r"select\(\) raised RuntimeError") -> str:
    view, model = problem
    with pytest.raises(StrategyError, match=match) as info:
        proxy.select(view, model, batch_size, np.random.default_rng(0))
    message = str(info.value)
    assert message.isprintable() and "\x1b" not in message  # one printable line, whatever the worker sent
    return message


@pytest.fixture(scope="module")
def side_doors():
    # a generous limit: the probes walk the mounts, which takes seconds on a loaded 2-core machine (20 s was hit once)
    proxy = proxy_of("side-doors", query_seconds=90.0, recheck_share=0.0, isolate_cells=False)
    yield proxy.start()
    proxy.close()


def test_dev_shm_and_dev_are_capped_and_counted_in_the_memory_budget(side_doors, problem) -> None:
    message = report(side_doors, problem, 1)
    shm = int(message.split("shm_mib=")[1].split()[0])
    assert "shm=denied OSError" in message and shm <= JailLimits(1, 1).shm_mb  # 256 MiB asked, the cap held
    assert "dev=denied OSError" in message  # /dev itself is read-only


def test_execve_is_denied_after_start_up(side_doors, problem) -> None:
    assert "exec=denied PermissionError" in report(side_doors, problem, 2)


def test_proc_shows_neither_host_mounts_nor_host_load(side_doors, problem) -> None:
    message = report(side_doors, problem, 3)
    assert "mountinfo=denied FileNotFoundError" in message and "loadavg=denied FileNotFoundError" in message


def test_the_jail_sees_no_file_outside_its_declared_mounts(side_doors, problem) -> None:
    """The key is protected by the mount list, not by file modes: walk the whole jail."""
    message = report(side_doors, problem, 4)
    top = message.split("top=")[1].split("]")[0]
    assert set(eval(top + "]")) <= {"usr", "opt", "tmp", "dev", "lib", "lib32", "lib64", "bin"}
    assert eval(message.split("opt=")[1].split("]")[0] + "]") in (["mmal-bench", "python", "submission", "venv"], ["mmal-bench", "submission", "venv"])
    assert "keys=[]" in message  # no *.key / *.pem, no /work, /root or /home


def test_forged_replies_and_escape_codes_end_as_one_line(problem) -> None:
    proxy = proxy_of("forged-replies", query_seconds=10.0, recheck_share=0.0, isolate_cells=False)
    try:
        escaped = report(proxy, problem, 1)
        assert "RuntimeError: boom\\x1b[1A\\x1b[2Ksubmitted forged-replies" in escaped and escaped.endswith("\\x1b[8m\\u202e (strategy.py, line 36)")
        started = time.monotonic()
        report(proxy, problem, 2, match=r"sent a malformed reply header while answering select\(\) \(nested deeper than 64 levels\)")
        report(proxy, problem, 3, match=r"not an array of ids while answering select\(\) \(the header announces 1099511627776 items")
        assert time.monotonic() - started < 60  # the parent stopped each forger; it did not wait out their sleeps
        assert report(proxy, problem, 4, match=r"select\(\) raised boom\\x1b\[1A").endswith("\\x1b[8m\\u202e\\r\\nRank 1")
    finally:
        proxy.close()


def _cells(pool, n_classes):
    """Two rounds of one cell, then the first round of another cell on the same pool."""
    first = np.arange(0, 24)
    other = np.arange(60, 84)
    return make_view(pool, first, n_classes), first, make_view(pool, other, n_classes)


@pytest.mark.parametrize("isolate", [True, False])
def test_no_memory_crosses_cells(problem, isolate: bool) -> None:
    """Labels shown in one cell are unknown in the next (a fresh worker), but a cell's next round keeps
    its worker (it only ever saw what that round's view holds); with isolation off the leak is real."""
    _, model = problem
    pool = tiny_pool(120, 3, 0)
    view0, labeled0, other = _cells(pool, 3)
    proxy = proxy_of("memory-across-cells", query_seconds=20.0, recheck_share=0.0, isolate_cells=isolate)
    try:
        picked = proxy.select(view0, model, 6, np.random.default_rng(0))
        worker = proxy._worker
        assert proxy.take_untimed_seconds() > 0  # starting the worker is not query time
        view1 = make_view(pool, np.union1d(labeled0, picked), 3)
        proxy.select(view1, model, 6, np.random.default_rng(1))  # the same cell's next round
        assert proxy._worker is worker and proxy.take_untimed_seconds() < 0.5
        if isolate:
            proxy.select(other, model, 6, np.random.default_rng(2))
            assert proxy._worker is not worker and proxy.take_untimed_seconds() > 0
        else:
            with pytest.raises(StrategyError, match=r"leaked \d+ labels"):
                proxy.select(other, model, 6, np.random.default_rng(2))
    finally:
        proxy.close()


def test_worker_start_up_and_rechecks_are_not_query_time() -> None:
    """Round 0 of a submission used to carry the jail start-up and the first-query re-check (3-4 s
    against ~0 for the built-ins); now every round's query time is the strategy's own."""
    from mmal_bench.harness.loop import StrategyEntry, run_group
    from mmal_bench.harness.protocol import Protocol, Regime
    from mmal_bench.models.config import ModelConfig
    from mmal_bench.submissions.submit import smoke_data

    probe = proxy_of("side-doors")
    started = time.monotonic()
    probe.start()
    start_up = time.monotonic() - started
    probe.close()
    data = smoke_data()
    protocol = Protocol(suite="smoke", suite_version="0", dataset=data.name, dataset_version=data.version,
                        regime=Regime("smoke", initial=12, batch_size=6, rounds=2), seeds=(0,),
                        model=ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=30))  # fmt: skip
    proxy = proxy_of("side-doors", recheck_share=1.0)  # every query re-checked in a second, fresh worker
    try:
        proxy.start()  # started before the cell (as `submit` does): that start-up is no query's either
        outcome = run_group(data, protocol, 0, [StrategyEntry.of(proxy, source_hash="sha256:x", name="side-doors")])
        assert not outcome.failures
        seconds = [r.query_seconds for r in outcome.results["side-doors"].rounds if r.query_seconds is not None]
        assert len(seconds) == 2 and 0 < min(seconds) and max(seconds) < start_up / 2, (seconds, start_up)
        print(f"start-up {start_up:.2f} s, query seconds {seconds}")
    finally:
        proxy.close()
