"""The jail a submitted strategy runs in: bubblewrap (Linux namespaces) + a seccomp filter + rlimits.

`jail_command` builds the ``bwrap`` command line: empty network, PID, IPC and UTS namespaces; a
read-only filesystem that holds only the interpreter, its site-packages, the ``mmal_bench`` package
and the submission folder; a size-capped private ``/tmp``; an empty environment; uid/gid 65534; no
capabilities; killed with its parent. ``prlimit`` sets the address-space, CPU-time, file-size and
open-file limits *before* the interpreter starts, and a seccomp filter refuses ``fork``/``vfork`` and
every ``clone`` that does not create a thread: the jail is one process, so its rlimits bind the
whole tree and nothing can outlive or escape it.
"""

from __future__ import annotations

import os
import platform
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from mmal_bench.errors import SubmissionError

#: uid/gid the strategy runs as inside the jail (``nobody``).
JAIL_UID = 65534
#: Where the ``mmal_bench`` package is mounted inside the jail (read-only).
PACKAGE_MOUNT = "/opt/mmal-bench"
#: Where the submission folder is mounted inside the jail (read-only).
SUBMISSION_MOUNT = "/submission"

# Classic BPF / seccomp constants (linux/filter.h, linux/seccomp.h, linux/audit.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_CLONE_THREAD = 0x00010000
_X32_SYSCALL_BIT = 0x40000000


@dataclass(frozen=True)
class _Arch:
    audit: int
    clone: int
    clone3: int
    forks: tuple[int, ...]  # fork, vfork where the architecture has them


_ARCHES = {
    "x86_64": _Arch(audit=0xC000003E, clone=56, clone3=435, forks=(57, 58)),
    "aarch64": _Arch(audit=0xC00000B7, clone=220, clone3=435, forks=()),
}


def seccomp_filter(machine: str | None = None) -> bytes:
    """A seccomp BPF program (as ``bwrap --seccomp`` reads it) that allows threads but no new processes.

    ``clone`` is allowed only with ``CLONE_THREAD``; ``clone3`` answers ``ENOSYS`` (so the C library
    falls back to ``clone`` for threads); ``fork``/``vfork``, syscalls of a foreign architecture and
    x32 syscalls answer ``EPERM``. Everything else is left to the namespaces and rlimits.

    Parameters
    ----------
    machine: ``platform.machine()`` of the target (default: this machine).

    Returns
    -------
    The program as packed ``struct sock_filter`` records.
    """
    machine = machine or platform.machine()
    arch = _ARCHES.get(machine)
    if arch is None:
        raise SubmissionError(f"the submission jail supports {', '.join(sorted(_ARCHES))}, not {machine}; score on one of those")
    deny = _SECCOMP_RET_ERRNO | _EPERM
    prog: list[tuple[int, int, int, int]] = []

    def emit(code: int, k: int, jt: int = 0, jf: int = 0) -> None:
        prog.append((code, jt, jf, k))

    # Layout: 0 arch check, then syscall number checks; jump offsets are relative to the next insn.
    emit(_LD_W_ABS, 4)  # seccomp_data.arch
    emit(_JEQ_K, arch.audit, jt=1)
    emit(_RET_K, deny)
    emit(_LD_W_ABS, 0)  # seccomp_data.nr
    emit(_JGE_K, _X32_SYSCALL_BIT, jt=len(arch.forks) + 5)  # -> deny at the end
    emit(_JEQ_K, arch.clone3, jt=len(arch.forks) + 5)  # -> ENOSYS at the end
    for i, nr in enumerate(arch.forks):
        emit(_JEQ_K, nr, jt=len(arch.forks) - i + 3)  # -> deny
    emit(_JEQ_K, arch.clone, jf=2)  # not clone -> allow
    emit(_LD_W_ABS, 16)  # low 32 bits of args[0]: the clone flags
    emit(_JSET_K, _CLONE_THREAD, jf=1)  # a thread -> allow, else deny
    emit(_RET_K, _SECCOMP_RET_ALLOW)
    emit(_RET_K, deny)
    emit(_RET_K, _SECCOMP_RET_ERRNO | _ENOSYS)
    return b"".join(struct.pack("=HBBI", code, jt, jf, k) for code, jt, jf, k in prog)


def jail_missing() -> str | None:
    """Why the jail cannot run on this machine (``None`` when it can)."""
    if sys.platform != "linux":
        return f"the submission jail needs Linux (this is {sys.platform})"
    if platform.machine() not in _ARCHES:
        return f"the submission jail supports {', '.join(sorted(_ARCHES))}, not {platform.machine()}"
    for tool, package in (("bwrap", "bubblewrap"), ("prlimit", "util-linux")):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed; install the `{package}` package (e.g. apt-get install {package})"
    return None


@dataclass(frozen=True)
class JailLimits:
    """What the kernel enforces inside the jail (all set before the interpreter starts)."""

    #: Address-space cap of the jailed process (interpreter, numpy/torch and the strategy together).
    address_space_mb: int
    #: CPU seconds the jailed process may use over its whole life (all threads together).
    cpu_seconds: int
    #: Largest file it may write, its stderr capture included.
    file_mb: int = 16
    #: Size of its private ``/tmp``.
    tmp_mb: int = 64
    open_files: int = 256


def _mounts() -> list[str]:
    """Read-only binds of the interpreter (venv and base install) and the system libraries it links."""
    args: list[str] = []
    seen: list[Path] = []
    for root in (Path("/usr"), Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).parent):
        root = root.resolve()
        if any(root == s or s in root.parents for s in seen):
            continue
        seen.append(root)
        args += ["--ro-bind", str(root), str(root)]
    # Merged-/usr systems: /lib, /lib64, /bin are symlinks into /usr; elsewhere bind them as they are.
    for top in ("/lib", "/lib64", "/lib32", "/bin"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    return args


def jail_command(submission: Path, limits: JailLimits, seccomp_fd: int, argv: list[str], env: dict[str, str]) -> list[str]:
    """The full command line that runs ``argv`` (an interpreter command) inside the jail.

    Parameters
    ----------
    submission: the submission folder, mounted read-only at `SUBMISSION_MOUNT`.
    limits: the rlimits and ``/tmp`` size.
    seccomp_fd: an inheritable file descriptor holding `seccomp_filter`.
    argv: what to run inside (its first element an interpreter path visible in the jail).
    env: the only environment variables the jailed process gets.

    Returns
    -------
    ``bwrap ... prlimit ... -- argv``.
    """
    import mmal_bench

    package = Path(mmal_bench.__file__).resolve().parent
    cmd = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all",  # ipc, pid, net (empty: loopback only, down), uts, cgroup
        "--unshare-user",  # explicit: as root, --unshare-all alone may keep the host user namespace
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",  # no reaper: the strategy is the only process, and the one the parent stops and times
        "--clearenv",
        "--cap-drop",
        "ALL",
        "--uid",
        str(JAIL_UID),
        "--gid",
        str(JAIL_UID),
        "--hostname",
        "jail",
        # the private /tmp first: binds below it (an interpreter or venv installed under /tmp) then land
        # on top of it instead of being hidden by it
        "--size",
        str(limits.tmp_mb * 1024 * 1024),
        "--tmpfs",
        "/tmp",
        *_mounts(),
        "--ro-bind",
        str(package),
        f"{PACKAGE_MOUNT}/mmal_bench",
        "--ro-bind",
        str(Path(submission).resolve()),
        SUBMISSION_MOUNT,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--chdir",
        "/tmp",
        "--seccomp",
        str(seccomp_fd),
    ]
    for key, value in sorted({**env, "PYTHONPATH": PACKAGE_MOUNT, "HOME": "/tmp"}.items()):
        cmd += ["--setenv", key, value]
    mib = 1024 * 1024
    cmd += [
        "--",
        shutil.which("prlimit") or "prlimit",
        f"--as={limits.address_space_mb * mib}",
        f"--cpu={limits.cpu_seconds}",
        f"--fsize={limits.file_mb * mib}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
        *argv,
    ]
    return cmd
