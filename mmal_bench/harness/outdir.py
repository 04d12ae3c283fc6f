"""The results folder of a run: checked before any work, locked while a run writes to it, and cleared
of the temp files that interrupted writes left behind.

A second run on the same folder would recompute (and race to rewrite) every cell the first is still
computing, so the folder is locked for the whole run with an advisory ``fcntl`` lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mmal_bench.errors import ConfigError, StorageError

#: Lock file of a results folder (holds the pid of the run that writes to it).
LOCK_NAME = ".mmal-bench.lock"
#: Prefix of the temp files `results.write_result` renames into place.
TEMP_PREFIX = ".tmp-"


def storage_error(exc: OSError, path: Path | str, doing: str) -> StorageError:
    """A one-line `StorageError` for an `OSError` the user can fix (disk full, name too long, no permission)."""
    reasons = {
        errno.ENOSPC: "no space left on the device; free some space",
        errno.EDQUOT: "disk quota exceeded; free some space",
        errno.ENAMETOOLONG: "the path is too long for the file system; choose a shorter --out",
        errno.EACCES: "permission denied; choose a folder you can write to",
        errno.EPERM: "permission denied; choose a folder you can write to",
        errno.EROFS: "the file system is read-only; choose a writable folder",
        errno.ENOTDIR: "a parent of it is a file, not a folder",
    }
    reason = reasons.get(exc.errno or -1, exc.strerror or str(exc))
    return StorageError(f"cannot {doing} {path}: {reason} (finished cells are kept; run the same command again to resume)")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists: folders named after a dead process's pid are strays to remove."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def fsync_dir(folder: Path | str) -> None:
    """Flush ``folder``'s entries to disk, so a rename into it survives a power cut (POSIX: the rename
    is durable only once the directory is synced). A no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the rename itself is still atomic
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str, mode: int = 0o644) -> Path:
    """Write ``text`` to ``path`` all or nothing: a fsynced temp file renamed into place, then the folder
    synced. A failure leaves no temp file and the old ``path`` (if any) untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        os.fchmod(fd, mode)  # mkstemp creates 0600; these files are shared, read-only data
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def prepare_out_dir(out: Path | str) -> Path:
    """Create ``out`` if needed and prove it is a writable folder, before any cell is computed.

    Raises `ConfigError` when ``out`` is a file and `StorageError` when it cannot be created or written
    (permissions, read-only or full file system, a path too long).
    """
    out = Path(out)
    try:
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out} is a file, not a folder; pass a folder for the results")
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f"{TEMP_PREFIX}probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except FileExistsError:
        raise ConfigError(f"--out {out}: a parent of it is a file, not a folder; pass a folder for the results") from None
    except OSError as exc:
        raise storage_error(exc, out, "write results to") from None
    return out


@contextlib.contextmanager
def locked_out_dir(out: Path) -> Iterator[Path]:
    """Hold the results folder's lock for the duration of a run.

    A second run on the same folder gets a `ConfigError` at once instead of duplicating the work; the
    lock is released when the run ends or its process dies (the kernel drops ``flock`` locks).
    """
    path = Path(out) / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole run
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ConfigError(
                f"results folder {out} is in use by another mmal-bench run (pid {holder}); wait for it to finish "
                "(then run again to resume) or pass another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield Path(out)
    finally:
        handle.close()


def clean_stale_temp_files(out: Path) -> list[Path]:
    """Delete the temp files that interrupted writes left under ``out``; return them.

    Only safe while the folder's lock is held: no other writer can own a temp file then.
    """
    stale = sorted(p for p in Path(out).rglob(f"{TEMP_PREFIX}*") if p.is_file())
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
