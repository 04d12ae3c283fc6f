"""jail_command: the private /tmp is mounted before the read-only binds, so an interpreter or venv that
lives under /tmp (a clone in /tmp) stays visible inside the jail instead of being hidden by the tmpfs."""

from __future__ import annotations

import sys
from pathlib import Path

from mmal_bench.submissions.jail import JailLimits, jail_command


def test_private_tmp_comes_before_every_bind(tmp_path: Path) -> None:
    cmd = jail_command(tmp_path, JailLimits(address_space_mb=512, cpu_seconds=10), 3, [sys.executable, "-c", "pass"], {})
    tmpfs = cmd.index("--tmpfs")
    assert cmd[tmpfs + 1] == "/tmp"
    binds = [i for i, arg in enumerate(cmd) if arg in ("--ro-bind", "--bind", "--symlink")]
    assert binds and tmpfs < min(binds)
    assert str(Path(sys.prefix).resolve()) in cmd  # the interpreter's install is bound where it is
