"""Side doors out of the jail: /dev/shm and /dev as unmetered RAM, execve, /proc, files outside the mounts.

Each query answers by raising a one-line report (``batch_size`` picks the probe), so the test can read it.
"""

import os

import numpy as np

from mmal_bench.strategies.base import Strategy


def _try(action):
    try:
        return "ALLOWED " + repr(action())[:40]
    except BaseException as exc:  # noqa: BLE001
        return "denied " + type(exc).__name__


def _fill(path, mib):
    with open(path, "wb") as handle:
        for _ in range(mib):
            handle.write(b"x" * (1 << 20))
    return os.path.getsize(path) >> 20


def _walk(top):
    """Every path under ``top`` (directories and files), not following links."""
    seen = []
    for root, dirs, files in os.walk(top):
        seen += [os.path.join(root, n) for n in dirs + files]
    return seen


class SideDoors(Strategy):
    name = "side-doors"
    modality = "unimodal"

    def select(self, view, model, batch_size, rng):
        if batch_size == 1:  # RAM outside the address-space limit
            shm = _try(lambda: _fill("/dev/shm/fill", 256))
            dev = _try(lambda: _fill("/dev/fill", 1))
            size = sum(os.path.getsize(os.path.join("/dev/shm", n)) for n in os.listdir("/dev/shm")) >> 20
            raise RuntimeError(f"shm={shm} shm_mib={size} dev={dev}")
        if batch_size == 2:  # replace the worker with another program
            raise RuntimeError("exec=" + _try(lambda: os.execv("/bin/sh", ["sh", "-c", "exit 0"])))
        if batch_size == 3:  # host paths and host load through /proc
            raise RuntimeError("mountinfo=" + _try(lambda: open("/proc/self/mountinfo").read(1)) + " loadavg=" + _try(lambda: open("/proc/loadavg").read()))
        if batch_size == 4:  # everything visible outside the interpreter's read-only trees
            top = sorted(os.listdir("/"))
            opt = sorted(os.listdir("/opt"))
            found = [p for p in _walk("/") if not p.startswith(("/usr/", "/opt/python/", "/opt/venv/", "/opt/mmal-bench/"))]
            keys = [p for p in found if p.endswith((".key", ".pem"))] + [p for p in ("/work/shared/keys", "/root", "/home", "/work") if os.path.exists(p)]
            raise RuntimeError(f"top={top} opt={opt} keys={keys} n={len(found)}")
        return rng.choice(view.unlabeled_ids, size=batch_size, replace=False)
