"""Where mmal-bench keeps built datasets and other cached files.

``$MMAL_BENCH_HOME`` (default ``~/.cache/mmal_bench``) so tests and CI can point it at a temp dir.
"""

from __future__ import annotations

import os
from pathlib import Path

from mmal_bench.errors import ConfigError

#: File name of a dataset version's manifest (generator spec, row counts, fingerprint, shard checksums).
MANIFEST = "manifest.json"

#: Root of the source checkout (holds ``datasets/``, ``leaderboard/``, ``submissions/``).
REPO_ROOT = Path(__file__).resolve().parent.parent


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
