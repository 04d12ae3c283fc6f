"""The jail a submitted strategy runs in: bubblewrap (Linux namespaces) + a seccomp filter + rlimits.

`jail_command` builds the ``bwrap`` command line: empty network, PID, IPC and UTS namespaces; a
read-only filesystem that holds only ``/usr``, the interpreter, its site-packages, the ``mmal_bench``
package and the submission folder, each outside ``/usr`` at a neutral path under ``/opt`` (no host
path is visible: no ``/proc`` is mounted, so neither ``/proc/self/mountinfo`` nor the host's
``/proc/loadavg`` can be read); size-capped private ``/tmp``, ``/dev`` and ``/dev/shm`` (their sizes
count in the memory budget, `JailLimits.tmpfs_mb`); an empty environment; uid/gid 65534; no
capabilities; killed with its parent. ``prlimit`` sets the address-space, CPU-time, file-size and
open-file limits *before* the interpreter starts, and a seccomp filter refuses ``fork``/``vfork`` and
every ``clone`` that does not create a thread: the jail is one process, so its rlimits bind the
whole tree and nothing can outlive or escape it. Once the interpreter has started, the worker adds
`exec_filter` itself (`deny_exec`), so ``execve`` cannot swap the worker for another program.

The jail's uid maps to the user who runs it, so file modes do not protect anything inside a mounted
tree: only what is mounted is reachable, which is why the private key must live outside all of them.
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
SUBMISSION_MOUNT = "/opt/submission"
#: Where a Python installed outside ``/usr`` (pyenv, conda, a build under /opt) is mounted.
PYTHON_MOUNT = "/opt/python"
#: Where a virtual environment's ``sys.prefix`` is mounted (its site-packages go on ``PYTHONPATH``).
VENV_MOUNT = "/opt/venv"
#: Device nodes the jail's ``/dev`` holds (bound from the host; nothing else).
DEVICES = ("null", "zero", "full", "random", "urandom")

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
    execs: tuple[int, ...]  # execve, execveat
    seccomp: int  # the seccomp(2) syscall


_ARCHES = {
    "x86_64": _Arch(audit=0xC000003E, clone=56, clone3=435, forks=(57, 58), execs=(59, 322), seccomp=317),
    "aarch64": _Arch(audit=0xC00000B7, clone=220, clone3=435, forks=(), execs=(221, 281), seccomp=277),
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
    arch = _arch(machine)
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


def _arch(machine: str | None) -> _Arch:
    machine = machine or platform.machine()
    arch = _ARCHES.get(machine)
    if arch is None:
        raise SubmissionError(f"the submission jail supports {', '.join(sorted(_ARCHES))}, not {machine}; score on one of those")
    return arch


def exec_filter(machine: str | None = None) -> bytes:
    """A seccomp BPF program that answers ``execve``/``execveat`` with ``EPERM`` (and, like
    `seccomp_filter`, refuses foreign-architecture syscalls); everything else is allowed.

    The worker installs it once the interpreter and its imports are up and before ``strategy.py`` is
    imported (`deny_exec`): the interpreter itself had to be exec'd, nothing after that needs to be.
    """
    arch = _arch(machine)
    deny = _SECCOMP_RET_ERRNO | _EPERM
    prog = [(_LD_W_ABS, 0, 0, 4), (_JEQ_K, 1, 0, arch.audit), (_RET_K, 0, 0, deny), (_LD_W_ABS, 0, 0, 0)]
    for i, nr in enumerate(arch.execs):
        prog.append((_JEQ_K, len(arch.execs) - i, 0, nr))  # -> deny
    prog += [(_RET_K, 0, 0, _SECCOMP_RET_ALLOW), (_RET_K, 0, 0, deny)]
    return b"".join(struct.pack("=HBBI", code, jt, jf, k) for code, jt, jf, k in prog)


def deny_exec() -> None:
    """Install `exec_filter` on every thread of this process (``SECCOMP_FILTER_FLAG_TSYNC``); raises
    ``OSError`` when the kernel refuses. Filters only stack: nothing can remove it afterwards."""
    import ctypes

    arch = _arch(None)
    program = exec_filter()
    libc = ctypes.CDLL(None, use_errno=True)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    pr_set_no_new_privs, seccomp_set_mode_filter, filter_flag_tsync = 38, 1, 1
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(ctypes.c_long(arch.seccomp), ctypes.c_ulong(seccomp_set_mode_filter), ctypes.c_ulong(filter_flag_tsync), ctypes.byref(fprog)) != 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")


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
    #: Size of its private ``/dev/shm`` (``/dev`` itself holds only `DEVICES` and is read-only).
    shm_mb: int = 16
    open_files: int = 256

    @property
    def tmpfs_mb(self) -> int:
        """Memory the jail's writable file systems can hold (``/tmp``, ``/dev/shm``, ``/dev``): files
        there are RAM that no address-space limit sees, so the caller takes it out of the memory budget."""
        return self.tmp_mb + self.shm_mb + 1


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def interpreter() -> tuple[list[str], str, dict[str, str], list[str]]:
    """How the running interpreter is mounted in the jail: the bwrap arguments, the interpreter's path
    inside, the environment it needs there and its site-packages folders inside.

    ``/usr`` is bound as it is (a system path, nothing host-specific). A Python installed elsewhere is
    bound at `PYTHON_MOUNT` and run directly (its stdlib is found relative to the binary;
    ``LD_LIBRARY_PATH`` finds a ``libpython`` whose RUNPATH names the host path); a virtual environment
    is bound at `VENV_MOUNT` with its site-packages on ``PYTHONPATH``.
    """
    usr = Path("/usr")
    base = Path(sys.base_prefix).resolve()
    executable = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    env: dict[str, str] = {}
    inner_base = str(base)
    if not _under(base, usr):
        args += ["--ro-bind", str(base), PYTHON_MOUNT]
        inner_base = PYTHON_MOUNT
        env["LD_LIBRARY_PATH"] = f"{PYTHON_MOUNT}/lib"
    if not _under(executable, base):
        raise SubmissionError(f"the interpreter {executable} is not inside its installation {base}; run mmal-bench with a regular Python install")
    inner_python = inner_base + "/" + executable.relative_to(base).as_posix()
    paths = []
    prefix = Path(sys.prefix).resolve()
    if prefix != base:
        args += ["--ro-bind", str(prefix), VENV_MOUNT]
        import sysconfig

        for key in ("purelib", "platlib"):
            site = Path(sysconfig.get_paths()[key]).resolve()
            inner = f"{VENV_MOUNT}/{site.relative_to(prefix).as_posix()}" if _under(site, prefix) else None
            if inner and inner not in paths:
                paths.append(inner)
    return args, inner_python, env, paths


def _mounts() -> list[str]:
    """Read-only binds of the system libraries the interpreter links."""
    args: list[str] = []
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
    argv: what to run inside; a first element of ``sys.executable`` becomes the interpreter's path
        inside the jail (`interpreter`).
    env: the only environment variables the jailed process gets.

    Returns
    -------
    ``bwrap ... prlimit ... -- argv``.
    """
    import mmal_bench

    package = Path(mmal_bench.__file__).resolve().parent
    python_args, inner_python, python_env, site_paths = interpreter()
    if argv and argv[0] == sys.executable:
        argv = [inner_python, *argv[1:]]
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
        *python_args,
        *_mounts(),
        "--ro-bind",
        str(package),
        f"{PACKAGE_MOUNT}/mmal_bench",
        "--ro-bind",
        str(Path(submission).resolve()),
        SUBMISSION_MOUNT,
        # no --proc: /proc would show the host paths behind every mount (mountinfo) and the host's load
        # a size-capped /dev of the few device nodes, a size-capped /dev/shm, then /dev made read-only
        "--size",
        str(64 * 1024),
        "--tmpfs",
        "/dev",
        *[arg for name in DEVICES for arg in ("--dev-bind", f"/dev/{name}", f"/dev/{name}")],
        "--size",
        str(limits.shm_mb * 1024 * 1024),
        "--tmpfs",
        "/dev/shm",
        "--remount-ro",
        "/dev",
        "--chdir",
        "/tmp",
        "--seccomp",
        str(seccomp_fd),
    ]
    pythonpath = os.pathsep.join([PACKAGE_MOUNT, *site_paths])
    for key, value in sorted({**env, **python_env, "PYTHONPATH": pythonpath, "HOME": "/tmp"}.items()):
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
