"""Run a submitted strategy in a separate process with a per-query time limit and a memory limit.

`SandboxedStrategy` is a `Strategy` proxy: its `select` sends only what the view holds (never unbought
labels), the fitted model, the batch size and the RNG state to a persistent worker process
(`mmal_bench.submissions.worker`), and turns crashes, hangs and malformed output into `StrategyError`.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import select
import subprocess
import sys
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mmal_bench.errors import StrategyError
from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.submissions.worker import HEADER

# One BLAS/OpenMP thread and few malloc arenas: predictable memory under RLIMIT_AS, fair timings.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed strategy.

    ``query_seconds``: wall time allowed for one `select` (the worker is killed when it is exceeded);
    ``memory_mb``: how much memory the strategy may allocate beyond the worker's own footprint
    (``RLIMIT_AS``); ``startup_seconds``: time to start the worker and import ``strategy.py``.
    """

    query_seconds: float = 120.0
    memory_mb: int = 4096
    startup_seconds: float = 120.0


class _Worker:
    """One live worker process and its pipes (never pickled: it lives in the process that started it)."""

    def __init__(self, path: Path, limits: SandboxLimits, label: str) -> None:
        self.label = label
        self.stderr = tempfile.TemporaryFile()
        env = {**os.environ, **WORKER_ENV}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mmal_bench.submissions.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            close_fds=True,
        )
        self._finalizer = weakref.finalize(self, _kill, self.proc)
        self.send({"op": "load", "path": str(path), "memory_limit_mb": limits.memory_mb})
        header, _ = self.receive(limits.startup_seconds, what="starting the worker and importing strategy.py")
        if not header.get("ok"):
            self.close()
            raise StrategyError(f"{label}: strategy.py failed to load: {header.get('error')}")
        self.name = header.get("name", "")
        self.modality = header.get("modality", "")

    def send(self, request: dict[str, Any]) -> None:
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(HEADER.pack(len(payload)) + payload)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise StrategyError(f"{self.label}: the strategy process died ({self._death()})") from None

    def receive(self, timeout: float, what: str) -> tuple[dict[str, Any], np.ndarray | None]:
        deadline = time.monotonic() + timeout
        head = self._read(HEADER.size, deadline, timeout, what)
        header = json.loads(self._read(HEADER.unpack(head)[0], deadline, timeout, what))
        array = None
        if header.get("has_array"):
            size = HEADER.unpack(self._read(HEADER.size, deadline, timeout, what))[0]
            array = np.load(io.BytesIO(self._read(size, deadline, timeout, what)), allow_pickle=False)
        return header, array

    def _read(self, n: int, deadline: float, timeout: float, what: str) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, have = [], 0
        while have < n:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(left, 0.0))[0] if left > 0 else []
            if not ready:
                self.close()
                raise StrategyError(f"{self.label}: exceeded the {timeout:g} s time limit while {what}; the strategy process was stopped")
            chunk = os.read(fd, min(n - have, 1 << 20))
            if not chunk:
                raise StrategyError(f"{self.label}: the strategy process died while {what} ({self._death()})")
            chunks.append(chunk)
            have += len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.close()
            code = self.proc.returncode
        self.stderr.seek(0)
        tail = [line for line in self.stderr.read().decode(errors="replace").splitlines() if line.strip()]
        if code is not None and code < 0:
            reason = f"killed by signal {-code}" + (" — likely out of memory" if -code == 9 else "")
        else:
            reason = f"exit code {code}"
        return reason + (f"; last output: {tail[-1][:200]}" if tail else "")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        self._finalizer()
        self.stderr.close()


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass


def _view_payload(view: PoolView) -> dict[str, Any]:
    """Exactly the arrays of the view (plain copies); nothing else of the harness goes to the worker."""

    def batch(b) -> dict[str, Any]:
        return {"features": {m: np.array(x) for m, x in b.features.items()}, "present": {m: np.array(p) for m, p in b.present.items()}}

    return {
        "unlabeled_ids": np.array(view.unlabeled_ids),
        "unlabeled": batch(view.unlabeled),
        "labeled_ids": np.array(view.labeled_ids),
        "labeled": batch(view.labeled),
        "labeled_labels": np.array(view.labeled_labels),
        "n_classes": int(view.n_classes),
    }


def ids_from_output(array: np.ndarray, label: str) -> np.ndarray:
    """Check what the worker returned is a 1-d array of finite whole numbers; return it as int64.

    Count, duplicates and membership are the harness's `validate_selection`; this catches what cannot
    even be read as ids (NaN, fractions, booleans, matrices).
    """
    if array.ndim != 1:
        raise StrategyError(f"{label}: select() returned an array of shape {array.shape}; return a 1-d array of ids")
    if array.dtype.kind == "b":
        raise StrategyError(f"{label}: select() returned a boolean mask; return the selected ids (int64)")
    if array.dtype.kind == "f":
        if np.isnan(array).any():
            raise StrategyError(f"{label}: select() returned NaN ids; return int64 ids from view.unlabeled_ids")
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise StrategyError(f"{label}: select() returned non-integer ids; return int64 ids from view.unlabeled_ids")
    return array.astype(np.int64)


class SandboxedStrategy(Strategy):
    """A submitted strategy running in its own process; use it wherever a `Strategy` is expected.

    The worker starts on the first `select` (or `start`) in whichever process the proxy lives: pickling
    the proxy (to send it to a harness worker) carries only the path and limits. After a crash or a
    timeout the next `select` starts a fresh worker.
    """

    name = "sandboxed"

    def __init__(self, path: Path, name: str, modality: str = "unimodal", source_hash: str = "", limits: SandboxLimits | None = None) -> None:
        self.path = Path(path).resolve()
        self.name = name  # instance attribute: the submission's slug
        self.modality = modality
        self.source_hash = source_hash
        self.limits = limits or SandboxLimits()
        self._worker: _Worker | None = None

    @property
    def label(self) -> str:
        return f"strategy {self.name!r}"

    def start(self) -> SandboxedStrategy:
        """Start the worker now (imports ``strategy.py``): load errors surface here, one line each."""
        if self._worker is None or not self._worker.alive():
            self._worker = _Worker(self.path, self.limits, self.label)
        return self

    @property
    def declared_name(self) -> str:
        """The ``name`` class attribute of the submitted class."""
        return self.start()._worker.name

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        worker = self.start()._worker
        request = {
            "op": "select",
            "view": _view_payload(view),
            "model": pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
            "batch_size": int(batch_size),
            "rng_state": rng.bit_generator.state,
        }
        try:
            worker.send(request)
            header, array = worker.receive(self.limits.query_seconds, what="answering select()")
        except StrategyError:
            self.close()
            raise
        if not header.get("ok"):
            error = str(header.get("error", "unknown error"))
            if header.get("kind") == "memory" or "can't allocate memory" in error or "Unable to allocate" in error:
                self.close()
                raise StrategyError(f"{self.label}: exceeded the memory limit of {self.limits.memory_mb} MiB in select()")
            raise StrategyError(f"{self.label}: select() raised {error}")
        ids = ids_from_output(array, self.label)
        try:
            rng.bit_generator.state = header["rng_state"]
        except (KeyError, TypeError, ValueError):
            raise StrategyError(f"{self.label}: the strategy process returned a malformed RNG state") from None
        return ids

    def close(self) -> None:
        """Stop the worker (idempotent)."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def __enter__(self) -> SandboxedStrategy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_worker"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
