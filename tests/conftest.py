"""Test-wide isolation: offline Hugging Face, and every cache in a per-session temp dir."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_caches(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("caches")
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_HOME"] = str(root / "hf")
    os.environ["MMAL_BENCH_HOME"] = str(root / "mmal_bench")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
