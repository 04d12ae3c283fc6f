"""The sandbox proxy: same ids and RNG stream as in-process, only view arrays cross, limits enforced.

One submission whose behaviour depends on ``batch_size`` keeps the number of worker starts (≈2 s
each: torch import) small.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from submission_factory import HEADER, child_pids, make_submission

from mmal_bench.errors import StrategyError
from mmal_bench.strategies.check import tiny_problem
from mmal_bench.submissions.sandbox import MAX_QUOTED_CHARS, SandboxedStrategy, SandboxLimits, _view_payload, ids_from_output, one_line, parse_header, parse_npy

SOURCE = HEADER + """\
import os
import time


class Moody(Strategy):
    name = "moody"

    def select(self, view, model, batch_size, rng):
        if batch_size == 1:
            os._exit(3)
        if batch_size == 2:
            time.sleep(60)
        if batch_size == 4:
            print("chatter " * 1000)
        return rng.choice(view.unlabeled_ids, size=batch_size, replace=False)
"""


@pytest.fixture(scope="module")
def problem():
    return tiny_problem()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    folder = make_submission(tmp_path_factory.mktemp("sbx"), "moody", source=SOURCE)
    proxy = SandboxedStrategy(folder / "strategy.py", name="moody", source_hash="sha256:x", limits=SandboxLimits(query_seconds=1.0, isolate_cells=False))
    yield proxy
    proxy.close()


def test_matches_in_process_selection_and_rng_stream(proxy, problem) -> None:
    view, model = problem
    rng = np.random.default_rng(7)
    ids = proxy.select(view, model, 5, rng)
    ref = np.random.default_rng(7)
    assert np.array_equal(ids, ref.choice(view.unlabeled_ids, size=5, replace=False))
    assert rng.random() == ref.random()  # the parent's generator advanced exactly as in-process
    assert ids.dtype == np.int64 and proxy.declared_name == "moody"


def test_prints_do_not_break_the_protocol(proxy, problem) -> None:
    view, model = problem
    assert len(proxy.select(view, model, 4, np.random.default_rng(0))) == 4


def test_pickles_without_its_process(proxy) -> None:
    proxy.start()
    clone = pickle.loads(pickle.dumps(proxy))
    assert clone.__dict__["_session"] is None and clone.name == "moody" and clone.limits == proxy.limits
    assert proxy._worker is not None and clone._worker is proxy._worker  # copies in one process share one worker


def test_hang_is_killed_then_crash_reported_then_restart(proxy, problem) -> None:
    view, model = problem
    proxy.start()
    mine = {w.proc.pid for w in (proxy.session.worker, proxy.session.checker) if w is not None}
    with pytest.raises(StrategyError, match=r"strategy 'moody': exceeded the 1 s time limit while answering select\(\); the strategy process was stopped"):
        proxy.select(view, model, 2, np.random.default_rng(0))
    assert mine and not mine & set(child_pids())  # the worker (and its re-check twin) killed and reaped
    with pytest.raises(StrategyError, match=r"strategy 'moody': the strategy process died while answering select\(\) \(exit code 3"):
        proxy.select(view, model, 1, np.random.default_rng(0))  # a fresh worker, which then exits
    assert len(proxy.select(view, model, 3, np.random.default_rng(0))) == 3  # and another fresh one


def test_only_view_arrays_cross_the_process_boundary(problem) -> None:
    view, _ = problem
    payload = _view_payload(view)
    assert set(payload) == {"unlabeled_ids", "unlabeled", "labeled_ids", "labeled", "labeled_labels", "n_classes"}
    assert len(payload["labeled_labels"]) == len(view.labeled_ids)  # labels of bought rows only


def test_output_that_is_not_ids() -> None:
    with pytest.raises(StrategyError, match="returned NaN ids"):
        ids_from_output(np.array([1.0, np.nan]), "s")
    with pytest.raises(StrategyError, match="non-integer ids"):
        ids_from_output(np.array([1.5, 2.0]), "s")
    with pytest.raises(StrategyError, match="boolean mask"):
        ids_from_output(np.array([True, False]), "s")
    with pytest.raises(StrategyError, match=r"shape \(2, 2\)"):
        ids_from_output(np.zeros((2, 2), dtype=np.int64), "s")
    assert ids_from_output(np.array([3.0, 4.0]), "s").tolist() == [3, 4]


def test_worker_text_becomes_one_printable_line() -> None:
    fake = "boom\n\r\x1b[1A\x1b[2Ksubmitted x: Rank 1 (official, signed)\x1b[8m\u202e\x00"
    line = one_line(fake)
    assert line.isprintable() and "\x1b" not in line and "\n" not in line
    assert line.startswith("boom\\n\\r\\x1b[1A\\x1b[2Ksubmitted") and line.endswith("\\x1b[8m\\u202e\\x00")
    long = one_line("\x1b" * 10_000)
    assert len(long) == MAX_QUOTED_CHARS and long.endswith("…")
    assert one_line("plain text") == "plain text"


def test_reply_headers_are_parsed_with_bounded_depth() -> None:
    assert parse_header(b'{"ok": true, "new_state": {"a": [1, [2]]}}')["ok"] is True
    for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100 + b"1" + b"}" * 100, b"[1]", b'{"x": NaN}', b'{"x": ' + b"9" * 5000 + b"}"):
        with pytest.raises(ValueError, match="nested deeper than 64 levels|not a JSON object|NaN is not JSON|integer string conversion"):
            parse_header(raw)


def test_npy_headers_are_checked_against_the_frame_before_any_allocation() -> None:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.arange(5, dtype=np.int64))
    frame = buffer.getvalue()
    assert parse_npy(frame).tolist() == [0, 1, 2, 3, 4]
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<i8", "fortran_order": False, "shape": (2**40,)})
    huge = header.getvalue() + bytes(16)  # 8 TiB announced, 16 bytes sent
    for bad, why in ((huge, "announces 1099511627776 items"), (frame[:-8], "announces 5 items of 8 bytes but the frame holds 32"), (b"junk", "magic")):
        with pytest.raises(ValueError, match=why):
            parse_npy(bad)
    buffer = io.BytesIO()
    np.save(buffer, np.array([None], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="object arrays"):
        parse_npy(buffer.getvalue())
