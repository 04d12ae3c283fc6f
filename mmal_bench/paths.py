"""Where mmal-bench keeps built datasets and other cached files.

``$MMAL_BENCH_HOME`` (default ``~/.cache/mmal_bench``) so tests and CI can point it at a temp dir.
"""

from __future__ import annotations

import os
from pathlib import Path

from mmal_bench.errors import ConfigError

#: File name of a dataset version's manifest (generator spec, row counts, fingerprint, shard checksums).
MANIFEST = "manifest.json"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _project_root() -> Path:
    """The folder holding ``datasets/`` and ``submissions/``: the source checkout when the package runs
    from one, else the copy a built wheel ships inside the package (``mmal_bench/_shipped``)."""
    checkout = _PACKAGE_DIR.parent
    if (checkout / "datasets").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE_DIR / SHIPPED_DIR


#: Name of the folder inside the package where a wheel carries ``datasets/`` and ``submissions/``.
SHIPPED_DIR = "_shipped"
#: Root of the source checkout (holds ``datasets/``, ``leaderboard/``, ``submissions/``), or of the
#: copy of ``datasets/`` and ``submissions/`` an installed wheel carries.
REPO_ROOT = _project_root()


def cache_home() -> Path:
    """Return the cache root, honouring ``$MMAL_BENCH_HOME``; a file there is a one-line `ConfigError`."""
    home = Path(os.environ.get("MMAL_BENCH_HOME", Path.home() / ".cache" / "mmal_bench")).expanduser()
    if home.exists() and not home.is_dir():
        raise ConfigError(f"MMAL_BENCH_HOME={home} is a file; point MMAL_BENCH_HOME at a folder (it holds the dataset cache)")
    return home


def dataset_cache_dir(name: str, version: str) -> Path:
    """Folder holding the hub-layout build of ``name@version``."""
    return cache_home() / "datasets" / name / version


def committed_dataset_dir(name: str, version: str) -> Path:
    """Where the card and manifest of ``name@version`` are committed (``datasets/<name>/<version>``)."""
    return REPO_ROOT / "datasets" / name / version
