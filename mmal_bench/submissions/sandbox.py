"""Run a submitted strategy in the jail, with a parent that never trusts it.

`SandboxedStrategy` is a `Strategy` proxy: its `select` sends only what the view holds (never unbought
labels), the fitted model, the batch size, the RNG state (and the run state of a stateful strategy) to
a jailed worker (`mmal_bench.submissions.worker` inside `mmal_bench.submissions.jail`), and
turns crashes, hangs, floods and malformed output into one-line `StrategyError`s. The parent bounds
every frame it reads, puts a deadline on every read and write, stops the worker (SIGSTOP) between
queries so nothing computes off the clock, and counts the worker's CPU time per query and in total.
Everything the worker says is data, never text: strings are reduced to one printable line
(`one_line`) before they reach a message, the JSON header is parsed with bounded depth and the
``.npy`` header is checked against its frame before anything is allocated. Each cell gets a fresh
worker (`SandboxLimits.isolate_cells`), so nothing bought in one cell is remembered in the next.
A sample of queries is re-run in a second, fresh worker to catch hidden nondeterminism.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import io
import json
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mmal_bench.errors import StrategyError, SubmissionError
from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.submissions.jail import SUBMISSION_MOUNT, JailLimits, jail_command, jail_missing, seccomp_filter
from mmal_bench.submissions.worker import HEADER

# One BLAS/OpenMP thread and few malloc arenas: predictable memory under RLIMIT_AS, fair timings.
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
}
#: Address space the interpreter needs for numpy + torch + the model classes before the strategy
#: allocates anything (VmPeak measured 1.9 GB with torch 2.13 CPU; rounded up).
IMPORT_FOOTPRINT_MB = 2560
#: Largest reply header the parent reads (a stateful strategy's state is capped at 64 KiB).
MAX_HEADER_BYTES = 256 * 1024
#: Deepest nesting of a reply header (the run state included) the parent accepts: a 256 KiB header
#: can nest 100,000 levels, which would overflow the JSON parser's recursion.
MAX_HEADER_DEPTH = 64
#: Longest piece of worker-originated text quoted in a message (after escaping).
MAX_QUOTED_CHARS = 300
#: Largest run state a stateful strategy may return (canonical JSON), as the harness enforces.
MAX_STATE_BYTES = 64 * 1024
#: How often the parent looks at the worker's CPU time while it waits.
POLL_SECONDS = 0.2
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one sandboxed strategy.

    ``query_seconds``: wall *and* CPU seconds allowed for one `select`; ``memory_mb``: how much memory
    the strategy may allocate beyond the interpreter's import footprint (one address-space limit for
    the jail, which holds a single process); ``startup_seconds``: time to start the jail and import
    ``strategy.py``; ``total_seconds``: query time budget of the whole submission in this process
    (``None``: unlimited); ``recheck_share``: share of queries re-run in a fresh worker to check
    determinism (the first query always is); ``jail``: run inside the jail (``False`` is a development
    mode whose results are unofficial); ``isolate_cells``: a fresh worker for every cell, so module
    globals, ``/tmp`` files or threads cannot carry labels bought in one cell (seed) into another on the
    same pool (`_Session.follows` tells a cell's next round from anything else).
    """

    query_seconds: float = 120.0
    memory_mb: int = 4096
    startup_seconds: float = 120.0
    total_seconds: float | None = None
    recheck_share: float = 0.05
    jail: bool = True
    isolate_cells: bool = True


def require_jail(limits: SandboxLimits) -> None:
    """Refuse (one line) to run a submission unjailed unless the development mode was asked for."""
    if limits.jail:
        missing = jail_missing()
        if missing is not None:
            raise SubmissionError(
                f"cannot score a submission here: {missing}; submitted code only runs jailed "
                "(for local development only: --unjailed, whose results are marked unofficial)"
            )


def one_line(text: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """Worker-originated ``text`` made safe to quote in a message: one line of printable characters.

    Control characters (newlines, ``\\r``, ``ESC`` of terminal escape codes), format characters
    (bidirectional overrides) and separators other than the space are written as Python escapes
    (``\\x1b``), and the result is cut to ``limit`` characters (ending in ``…``). A strategy can then
    neither start a fake line on the maintainer's terminal nor redraw what is already there.
    """
    raw = str(text)[: 4 * limit]
    out = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in raw)
    return out if len(out) <= limit and len(raw) == len(str(text)) else out[: limit - 1] + "…"


def _json_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (iterative: a deep value cannot overflow this check)."""
    depth, level = 0, [value]
    while level:
        depth += 1
        level = [v for x in level if isinstance(x, (dict, list)) for v in (x.values() if isinstance(x, dict) else x)]
        level = [x for x in level if isinstance(x, (dict, list))]
    return depth


def parse_header(raw: bytes) -> dict[str, Any]:
    """The reply header: a JSON object nested at most `MAX_HEADER_DEPTH` deep, without ``NaN`` or
    ``Infinity`` (``ValueError`` otherwise, a ``RecursionError`` of the parser included)."""

    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        header = json.loads(raw, parse_constant=no_constants)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_HEADER_DEPTH} levels") from None
    if not isinstance(header, dict):
        raise ValueError("not a JSON object")
    if _json_depth(header) > MAX_HEADER_DEPTH:
        raise ValueError(f"nested deeper than {MAX_HEADER_DEPTH} levels")
    return header


def parse_npy(frame: bytes) -> np.ndarray:
    """The array in an ``.npy`` frame, read only after its header is checked against the frame's length.

    ``np.load`` on a byte stream allocates the array the header announces *before* reading it, so a
    20-byte frame announcing shape ``(2**40,)`` asks for 8 TiB; here the header's shape and dtype must
    account for exactly the bytes present, object dtypes are refused, and the array is a view of them.
    Raises ``ValueError`` for anything else.
    """
    from numpy.lib import format as npy

    stream = io.BytesIO(frame)
    version = npy.read_magic(stream)
    read_header = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}.get(version)
    if read_header is None:
        raise ValueError(f".npy version {version} is not accepted")
    shape, fortran, dtype = read_header(stream)
    if dtype.hasobject:
        raise ValueError("object arrays are not accepted")
    count = 1
    for n in shape:
        count *= int(n)  # Python ints: a huge shape cannot overflow into a small product
    if count * dtype.itemsize != len(frame) - stream.tell():
        raise ValueError(f"the header announces {count} items of {dtype.itemsize} bytes but the frame holds {len(frame) - stream.tell()}")
    array = np.frombuffer(frame, dtype=dtype, count=count, offset=stream.tell())
    return array.reshape(shape, order="F" if fortran else "C")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class _Worker:
    """One live jailed worker and its pipes (never pickled: it lives in the process that started it)."""

    def __init__(self, path: Path, limits: SandboxLimits, label: str) -> None:
        self.label = label
        self.limits = limits
        self.stderr = tempfile.TemporaryFile()
        self.cpu_used = 0.0
        cpu_total = int(limits.total_seconds if limits.total_seconds is not None else 24 * 3600) + int(limits.startup_seconds) + 1
        argv = [sys.executable, "-m", "mmal_bench.submissions.worker"]
        if limits.jail:
            filt_r, filt_w = os.pipe()
            os.write(filt_w, seccomp_filter())
            os.close(filt_w)
            jail = _jail_limits(limits, cpu_total)
            try:
                self.proc = subprocess.Popen(
                    jail_command(path.parent, jail, filt_r, argv, WORKER_ENV),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=self.stderr,
                    pass_fds=(filt_r,),
                    start_new_session=True,
                )
            finally:
                os.close(filt_r)
            inner_path = f"{SUBMISSION_MOUNT}/{path.name}"
        else:
            env = {**WORKER_ENV, "PYTHONPATH": os.pathsep.join(sys.path)}
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=env,
                start_new_session=True,
                preexec_fn=_unjailed_limits(IMPORT_FOOTPRINT_MB + limits.memory_mb, cpu_total),
            )
            inner_path = str(path)
        # With --as-pid-1 the jailed interpreter is bwrap's only child; found once, stopped and timed by pid.
        self.pid = self.proc.pid if not limits.jail else None
        self._finalizer = weakref.finalize(self, _kill, self.proc, self.stderr)
        fcntl.fcntl(self.proc.stdin.fileno(), fcntl.F_SETFL, os.O_NONBLOCK)
        self.send({"op": "load", "path": inner_path, "deny_exec": limits.jail}, limits.startup_seconds, "starting the worker")
        header, _ = self.receive(limits.startup_seconds, "starting the worker and importing strategy.py", array_bytes=0)
        if not header.get("ok"):
            self.close()
            if header.get("kind") == "memory":
                raise StrategyError(f"{label}: exceeded the memory limit of {limits.memory_mb} MiB while importing strategy.py")
            raise StrategyError(f"{label}: strategy.py failed to load: {one_line(header.get('error'))}")
        self.name = one_line(header.get("name", ""), 80)
        self.modality = one_line(header.get("modality", ""), 80)
        self.stateful = bool(header.get("stateful", False))

    def _jailed_pid(self) -> int | None:
        if self.pid is None:
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        stat = Path(f"/proc/{entry}/stat").read_text()
                    except OSError:
                        continue
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        self.pid = int(entry)
                        break
        return self.pid

    def pause(self) -> None:
        """Stop every thread of the worker until the next request (nothing computes between queries)."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        pid = self._jailed_pid()
        if pid is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def cpu(self) -> float:
        pid = self._jailed_pid()
        return _cpu_seconds(pid) if pid is not None else 0.0

    def send(self, request: dict[str, Any], timeout: float, what: str) -> None:
        """Write one request frame, never blocking past ``timeout`` (a worker that stops reading is stopped)."""
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        data = memoryview(HEADER.pack(len(payload)) + payload)
        fd = self.proc.stdin.fileno()
        deadline = time.monotonic() + timeout
        while data:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                self.close()
                raise StrategyError(f"{self.label}: stopped reading its input for {timeout:g} s while {what}; the strategy process was stopped")
            try:
                data = data[os.write(fd, data[: 1 << 20]) :]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise StrategyError(f"{self.label}: the strategy process died while {what} ({self._death()})") from None

    def receive(self, timeout: float, what: str, array_bytes: int, cpu_limit: float | None = None) -> tuple[dict[str, Any], np.ndarray | None]:
        """Read one reply: a JSON header of at most `MAX_HEADER_BYTES` and an ``.npy`` of at most ``array_bytes``."""
        deadline = time.monotonic() + timeout
        cpu_start = self.cpu() if cpu_limit is not None else 0.0
        args = (deadline, timeout, what, cpu_start, cpu_limit)
        size = HEADER.unpack(self._read(HEADER.size, *args))[0]
        if size > MAX_HEADER_BYTES:
            self.close()
            raise StrategyError(f"{self.label}: sent a {size}-byte reply header while {what} (limit {MAX_HEADER_BYTES}); the strategy process was stopped")
        try:
            header = parse_header(self._read(size, *args))
        except ValueError as exc:
            self.close()
            raise StrategyError(f"{self.label}: sent a malformed reply header while {what} ({exc}); the strategy process was stopped") from None
        array = None
        if header.get("has_array"):
            size = HEADER.unpack(self._read(HEADER.size, *args))[0]
            if size > array_bytes:
                self.close()
                raise StrategyError(
                    f"{self.label}: returned {size} bytes of ids while {what} (at most {array_bytes} for this batch); the strategy process was stopped"
                )
            try:
                array = parse_npy(self._read(size, *args))
            except ValueError as exc:
                self.close()
                raise StrategyError(f"{self.label}: returned something that is not an array of ids while {what} ({one_line(exc)})") from None
        if cpu_limit is not None:
            self.cpu_used += self.cpu() - cpu_start
        return header, array

    def _read(self, n: int, deadline: float, timeout: float, what: str, cpu_start: float, cpu_limit: float | None) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, have = [], 0
        while have < n:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], min(left, POLL_SECONDS))[0] if left > 0 else []
            if not ready:
                if left <= 0:
                    self.close()
                    raise StrategyError(f"{self.label}: exceeded the {timeout:g} s time limit while {what}; the strategy process was stopped")
                if cpu_limit is not None and self.cpu() - cpu_start > cpu_limit:
                    self.close()
                    raise StrategyError(f"{self.label}: exceeded the {cpu_limit:g} s CPU-time limit while {what}; the strategy process was stopped")
                continue
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
        tail = [line for line in self.stderr.read(1 << 20).decode(errors="replace").splitlines() if line.strip()]
        if code is not None and code < 0:
            reason = f"killed by signal {-code}" + (" — likely out of memory" if -code == 9 else "")
        elif code is not None and code > 128:  # bwrap reports the jailed process's signal as 128 + N
            names = {signal.SIGKILL: " — likely out of memory", signal.SIGXCPU: " — CPU-time limit", signal.SIGXFSZ: " — output size limit"}
            reason = f"killed by signal {code - 128}" + names.get(code - 128, "")
        else:
            reason = f"exit code {code}"
        self.close()
        return reason + (f"; last output: {one_line(tail[-1])}" if tail else "")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        self._finalizer()


def _jail_limits(limits: SandboxLimits, cpu_seconds: int) -> JailLimits:
    """The kernel limits of a jailed worker: its writable tmpfs (``/tmp``, ``/dev/shm``, ``/dev``) hold
    RAM that no address-space limit sees, so their sizes come out of ``limits.memory_mb``."""
    tmpfs = JailLimits(address_space_mb=0, cpu_seconds=0).tmpfs_mb
    if limits.memory_mb <= 2 * tmpfs:
        raise SubmissionError(f"a memory limit of {limits.memory_mb} MiB leaves nothing beside the jail's {tmpfs} MiB of /tmp and /dev/shm; allow at least {2 * tmpfs + 1} MiB")
    return JailLimits(address_space_mb=IMPORT_FOOTPRINT_MB + limits.memory_mb - tmpfs, cpu_seconds=cpu_seconds)


def _unjailed_limits(address_space_mb: int, cpu_seconds: int):
    """preexec function of the development mode: the same rlimits, set before the interpreter starts."""

    def apply() -> None:
        import resource

        limit = address_space_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    return apply


def _kill(proc: subprocess.Popen, stderr) -> None:
    if proc.poll() is None:
        proc.kill()  # bwrap dies; --die-with-parent and the PID namespace take everything inside with it
    proc.wait()
    for stream in (proc.stdin, proc.stdout, stderr):
        try:
            stream.close()
        except OSError:
            pass


def _view_payload(view: PoolView) -> dict[str, Any]:
    """Exactly the arrays of the view (plain copies); nothing else of the harness goes to the worker."""

    def batch(b) -> dict[str, Any]:
        rows = b.take(slice(None))  # read from the pool here, not kept in the view
        return {"features": {m: np.asarray(x) for m, x in rows.features.items()}, "present": {m: np.asarray(p) for m, p in rows.present.items()}}

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
    if array.dtype.kind not in "iuf":
        raise StrategyError(f"{label}: select() returned an array of dtype {array.dtype}; return int64 ids")
    if array.dtype.kind == "f":
        if np.isnan(array).any():
            raise StrategyError(f"{label}: select() returned NaN ids; return int64 ids from view.unlabeled_ids")
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise StrategyError(f"{label}: select() returned non-integer ids; return int64 ids from view.unlabeled_ids")
    return array.astype(np.int64)


def _checked_state(value: Any, label: str) -> dict[str, Any]:
    """The returned run state as the harness accepts it: a JSON object of at most `MAX_STATE_BYTES`."""
    if not isinstance(value, dict):
        raise StrategyError(f"{label}: a stateful select() must return (ids, new_state) with new_state a dict, got {type(value).__name__}")
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    if len(text.encode()) > MAX_STATE_BYTES:
        raise StrategyError(f"{label}: the returned state is {len(text.encode())} bytes of JSON; at most {MAX_STATE_BYTES} are allowed")
    return json.loads(text)


@dataclass
class _Session:
    """The live workers of one submission in this process, shared by every copy of its proxy.

    The harness unpickles a fresh proxy for every group of cells it sends to a pool process; sharing
    the session keeps one live jailed worker per process (a fresh one per cell, `follows`), one
    total query-time budget, and one determinism re-check schedule.
    """

    worker: _Worker | None = None
    checker: _Worker | None = None
    queries: int = 0
    seconds_used: float = 0.0
    recheck_key: bytes = b""  # which queries are re-checked: unpredictable to the strategy
    #: What the live worker has seen: the ids it may know labels of (the last view's labeled ids and
    #: its answer) and a digest of those rows' features; ``None`` before its first query.
    chain: tuple[np.ndarray, bytes] | None = None
    #: Seconds spent inside `select` on the harness's own work (worker start-up, re-checks) since the
    #: harness last asked (`SandboxedStrategy.take_untimed_seconds`): not the strategy's query time.
    untimed_seconds: float = 0.0

    def follows(self, view: PoolView) -> bool:
        """Whether ``view`` is the next round of the cell the live worker serves: its labeled rows are
        exactly the rows the worker saw labeled or picked, with the same features. Then every label
        the worker can remember is in ``view`` already; anything else (another seed, regime, dataset
        or instance) gets a fresh worker."""
        if self.chain is None:
            return True  # a fresh worker has seen nothing
        ids, digest = self.chain
        labeled = np.sort(np.asarray(view.labeled_ids, dtype=np.int64))
        return np.array_equal(labeled, ids) and _rows_digest(view, labeled) == digest

    def remember(self, view: PoolView, picked: np.ndarray) -> None:
        ids = np.union1d(np.asarray(view.labeled_ids, dtype=np.int64), np.asarray(picked, dtype=np.int64))
        self.chain = (ids, _rows_digest(view, ids))


def _rows_digest(view: PoolView, ids: np.ndarray) -> bytes:
    """sha256 of the features and presence masks of the rows ``ids`` (sorted; labeled or not) of ``view``,
    in id order, so the same rows give the same digest whichever side of the view they are on."""
    digest = hashlib.sha256()
    sides = []
    for side_ids, part in ((view.labeled_ids, view.labeled), (view.unlabeled_ids, view.unlabeled)):
        side_ids = np.asarray(side_ids, dtype=np.int64)
        order = np.argsort(side_ids, kind="stable")
        found = np.searchsorted(side_ids[order], ids).clip(max=max(len(side_ids) - 1, 0))
        here = (side_ids[order][found] == ids) if len(side_ids) else np.zeros(len(ids), dtype=bool)
        sides.append((here, part.take(np.asarray(order[found[here]], dtype=np.int64))))
    if not np.all(sides[0][0] | sides[1][0]):
        return b""  # an id of neither side: nothing can match it
    (in_labeled, labeled), (_, unlabeled) = sides
    for m in sorted(view.labeled.features):
        for kind in ("features", "present"):
            a, b = np.asarray(getattr(labeled, kind)[m]), np.asarray(getattr(unlabeled, kind)[m])
            rows = np.empty((len(ids), *a.shape[1:]), dtype=a.dtype)
            rows[in_labeled], rows[~in_labeled] = a, b
            digest.update(rows.tobytes())
    return digest.digest()


#: Sessions of this process by (strategy path, limits).
_SESSIONS: dict[tuple[str, SandboxLimits], _Session] = {}


class SandboxedStrategy(Strategy):
    """A submitted strategy running in the jail; use it wherever a `Strategy` is expected.

    The worker starts on the first `select` (or `start`) in whichever process the proxy lives, and is
    shared by every copy of the proxy in that process: pickling the proxy (to send it to a harness
    worker) carries only the path and limits. After a crash or a timeout the next `select` starts a
    fresh worker; `close` stops them.
    """

    name = "sandboxed"

    def __init__(self, path: Path, name: str, modality: str = "unimodal", source_hash: str = "", limits: SandboxLimits | None = None) -> None:
        self.path = Path(path).resolve()
        self.name = name  # instance attribute: the submission's slug
        self.modality = modality
        self.source_hash = source_hash
        self.limits = limits or SandboxLimits()
        self.declared_stateful: bool | None = None
        self._session: _Session | None = None

    @property
    def label(self) -> str:
        return f"strategy {self.name!r}"

    @property
    def stateful(self) -> bool:  # type: ignore[override]  # known only once the submitted class is loaded
        if self.declared_stateful is None:
            self.start()
        return bool(self.declared_stateful)

    @property
    def session(self) -> _Session:
        if self._session is None:
            self._session = _SESSIONS.setdefault((str(self.path), self.limits), _Session(recheck_key=os.urandom(16)))
        return self._session

    @property
    def _worker(self) -> _Worker | None:
        return self.session.worker

    @property
    def query_seconds_used(self) -> float:
        """Query seconds this submission used in this process (what the total budget counts)."""
        return self.session.seconds_used

    def start(self) -> SandboxedStrategy:
        """Start the worker now (imports ``strategy.py``): load errors surface here, one line each.
        The time it takes is the harness's, not the strategy's (`take_untimed_seconds`)."""
        session = self.session
        if session.worker is None or not session.worker.alive():
            require_jail(self.limits)
            started = time.monotonic()
            session.worker, session.chain = _Worker(self.path, self.limits, self.label), None
            session.worker.pause()
            session.untimed_seconds += time.monotonic() - started
        self.declared_stateful = session.worker.stateful
        return self

    @property
    def declared_name(self) -> str:
        """The ``name`` class attribute of the submitted class."""
        return self.start()._worker.name

    def take_untimed_seconds(self) -> float:
        """Seconds the last `select` calls spent on the harness's own work (starting a fresh worker,
        re-checking determinism), reset to zero: the harness subtracts them from the query time."""
        seconds, self.session.untimed_seconds = self.session.untimed_seconds, 0.0
        return seconds

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator, state: dict | None = None):
        session = self.session
        if self.limits.isolate_cells and session.worker is not None and not session.follows(view):
            started = time.monotonic()
            session.worker.close()  # a new cell: nothing the old worker remembers may reach it
            session.worker, session.chain = None, None
            session.untimed_seconds += time.monotonic() - started
        worker = self.start()._worker
        request = {
            "op": "select",
            "view": _view_payload(view),
            "model": pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
            "batch_size": int(batch_size),
            "rng_state": rng.bit_generator.state,
        }
        if self.declared_stateful:
            request["state"] = {} if state is None else state
        header, ids = self._ask(worker, request, int(batch_size), timed=True)
        session.remember(view, ids)
        if self._should_recheck(request):
            started = time.monotonic()
            self._recheck(request, header, ids, int(batch_size))
            session.untimed_seconds += time.monotonic() - started
        try:
            rng.bit_generator.state = header["rng_state"]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise StrategyError(f"{self.label}: the strategy process returned a malformed RNG state") from None
        if self.declared_stateful:
            return ids, _checked_state(header.get("new_state"), self.label)
        return ids

    def _ask(self, worker: _Worker, request: dict[str, Any], batch_size: int, timed: bool) -> tuple[dict[str, Any], np.ndarray]:
        """One query to ``worker`` under the per-query limits (and the total budget when ``timed``)."""
        limit = self.limits.query_seconds
        if timed and self.limits.total_seconds is not None:
            left = self.limits.total_seconds - self.session.seconds_used
            if left <= 0:
                self.close()
                raise StrategyError(f"{self.label}: used up the total query-time budget of {self.limits.total_seconds:g} s")
            limit = min(limit, left)
        started = time.monotonic()
        try:
            worker.resume()
            worker.send(request, limit, "receiving a query")
            header, array = worker.receive(limit, "answering select()", array_bytes=8 * batch_size + 1024, cpu_limit=self.limits.query_seconds)
            worker.pause()
        except StrategyError as exc:
            self.close()
            if timed and self.limits.total_seconds is not None and "time limit" in str(exc) and limit < self.limits.query_seconds:
                raise StrategyError(f"{self.label}: used up the total query-time budget of {self.limits.total_seconds:g} s") from None
            raise
        finally:
            if timed:
                self.session.seconds_used += time.monotonic() - started
        if not header.get("ok"):
            error = one_line(header.get("error", "unknown error"))
            if header.get("kind") == "memory" or "can't allocate memory" in error or "Unable to allocate" in error:
                self.close()
                raise StrategyError(f"{self.label}: exceeded the memory limit of {self.limits.memory_mb} MiB in select()")
            raise StrategyError(f"{self.label}: select() raised {error}")
        if array is None:
            raise StrategyError(f"{self.label}: select() returned no ids")
        return header, ids_from_output(array, self.label)

    def _should_recheck(self, request: dict[str, Any]) -> bool:
        self.session.queries += 1
        if self.session.queries == 1:
            return True
        digest = hmac.new(self.session.recheck_key, json.dumps(request["rng_state"], sort_keys=True).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") < self.limits.recheck_share * 2**32

    def _recheck(self, request: dict[str, Any], header: dict[str, Any], ids: np.ndarray, batch_size: int) -> None:
        """Re-run ``request`` in a second worker that never saw it; the answer must be identical."""
        session = self.session
        if session.checker is None or not session.checker.alive():
            session.checker = _Worker(self.path, self.limits, self.label)
            session.checker.pause()
        again, again_ids = self._ask(session.checker, request, batch_size, timed=False)
        same = np.array_equal(ids, again_ids) and again.get("rng_state") == header.get("rng_state") and again.get("new_state") == header.get("new_state")
        if not same:
            self.close()
            raise StrategyError(
                f"{self.label}: select() is not deterministic: a fresh process given the same view, model, batch size and RNG "
                "state returned different ids; draw randomness only from `rng` and keep no memory outside `state`"
            )

    def close(self) -> None:
        """Stop the workers of this submission in this process (idempotent); budget and schedule restart."""
        session = _SESSIONS.pop((str(self.path), self.limits), None)
        for s in (session, self._session):
            if s is not None:
                for worker in (s.worker, s.checker):
                    if worker is not None:
                        worker.close()
                s.worker = s.checker = None
                s.chain = None
        self._session = None

    def __enter__(self) -> SandboxedStrategy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_session"] = None  # the workers live in the process that started them
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
