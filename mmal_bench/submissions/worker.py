"""The sandbox worker: a separate Python process that imports a submitted ``strategy.py`` and answers queries.

Run as ``python -m mmal_bench.submissions.worker`` inside the jail (`mmal_bench.submissions.jail`) by
`SandboxedStrategy`. It talks over its stdin/stdout with length-prefixed frames: requests are pickles from
the (trusted) harness; replies are a JSON header plus an optional ``.npy`` frame, so the parent never
unpickles anything the untrusted code produced, and checks every frame's size before reading it. Its
memory and CPU limits were set before the interpreter started; in the jail it denies itself ``execve``
(`jail.deny_exec`) before it imports ``strategy.py``.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import pickle
import struct
import sys
import traceback
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

HEADER = struct.Struct(">Q")


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    stream.write(HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def read_frame(stream: BinaryIO) -> bytes | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    return stream.read(size)


def reply(stream: BinaryIO, header: dict[str, Any], array: np.ndarray | None = None) -> None:
    header = {**header, "has_array": array is not None}
    write_frame(stream, json.dumps(header).encode())
    if array is not None:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        write_frame(stream, buffer.getvalue())


def _describe(exc: BaseException) -> str:
    """``Type: message (strategy.py, line N)``: the innermost frame inside the submission."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith("strategy.py"):
            where = f" (strategy.py, line {frame.lineno})"
            break
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


def load_strategy(path: Path):
    """Import ``path`` and instantiate the one `Strategy` subclass it defines."""
    from mmal_bench.strategies.base import Strategy

    spec = importlib.util.spec_from_file_location("submitted_strategy", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["submitted_strategy"] = module  # so that its classes pickle by reference if ever needed
    spec.loader.exec_module(module)
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Strategy) and obj.__module__ == module.__name__ and not getattr(obj, "__abstractmethods__", None)
    ]
    if len(classes) != 1:
        found = ", ".join(sorted(c.__name__ for c in classes)) or "none"
        raise LookupError(f"strategy.py must define exactly one concrete subclass of mmal_bench.strategies.Strategy (found: {found})")
    cls = classes[0]
    return cls()


def _view(payload: dict[str, Any]):
    from mmal_bench.data.schema import ModalBatch
    from mmal_bench.strategies.base import PoolView

    def batch(part: dict[str, Any]) -> ModalBatch:
        return ModalBatch(part["features"], part["present"]).read_only()

    def frozen(a: np.ndarray) -> np.ndarray:
        a = np.asarray(a)
        a.flags.writeable = False
        return a

    return PoolView(
        unlabeled_ids=frozen(payload["unlabeled_ids"]),
        unlabeled=batch(payload["unlabeled"]),
        labeled_ids=frozen(payload["labeled_ids"]),
        labeled=batch(payload["labeled"]),
        labeled_labels=frozen(payload["labeled_labels"]),
        n_classes=int(payload["n_classes"]),
    )


def _rng(state: dict[str, Any]) -> np.random.Generator:
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """Answer requests until stdin closes: ``load`` once, then any number of ``select``."""
    strategy = None
    while True:
        frame = read_frame(requests)
        if frame is None:
            return
        request = pickle.loads(frame)
        op = request["op"]
        if op == "load":
            try:
                import torch  # noqa: F401  (models unpickle into torch tensors; import before the memory cap)

                import mmal_bench.models.fitted  # noqa: F401
            except ImportError:
                pass
            if request.get("deny_exec"):
                from mmal_bench.submissions.jail import deny_exec

                try:
                    deny_exec()
                except OSError as exc:
                    reply(replies, {"ok": False, "kind": "jail", "error": f"the worker could not deny itself execve: {exc}"})
                    continue
            try:
                strategy = load_strategy(Path(request["path"]))
            except SyntaxError as exc:
                reply(replies, {"ok": False, "kind": "load", "error": f"SyntaxError: {exc.msg} (strategy.py, line {exc.lineno})"})
                continue
            except BaseException as exc:  # noqa: BLE001 - anything the module does at import is the submitter's bug
                kind = "memory" if isinstance(exc, MemoryError) else "load"
                reply(replies, {"ok": False, "kind": kind, "error": _describe(exc)})
                continue
            reply(
                replies,
                {
                    "ok": True,
                    "name": str(getattr(strategy, "name", "")),
                    "modality": str(getattr(strategy, "modality", "")),
                    "stateful": bool(getattr(strategy, "stateful", False)),
                },
            )
        elif op == "select":
            try:
                view = _view(request["view"])
                model = pickle.loads(request["model"])
                rng = _rng(request["rng_state"])
                extra: dict[str, Any] = {}
                if "state" in request:
                    out, new_state = strategy.select(view, model, int(request["batch_size"]), rng, state=request["state"])
                    extra["new_state"] = new_state
                else:
                    out = strategy.select(view, model, int(request["batch_size"]), rng)
                ids = np.asarray(out)
                if ids.dtype.kind not in "iufb":
                    raise TypeError(f"select() returned {type(out).__name__} of dtype {ids.dtype}, not an array of integer ids")
                state = rng.bit_generator.state
            except MemoryError:
                out = ids = None
                reply(replies, {"ok": False, "kind": "memory", "error": "MemoryError"})
                continue
            except BaseException as exc:  # noqa: BLE001
                reply(replies, {"ok": False, "kind": "exception", "error": _describe(exc)})
                continue
            try:
                reply(replies, {"ok": True, "rng_state": state, **extra}, ids)
            except (TypeError, ValueError) as exc:  # a new_state that is not JSON
                reply(replies, {"ok": False, "kind": "state", "error": f"the returned state is not JSON-serialisable: {exc}"})
        else:
            reply(replies, {"ok": False, "kind": "protocol", "error": f"unknown request {op!r}"})


def main() -> None:
    # The protocol owns the real stdout; anything the strategy prints goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
