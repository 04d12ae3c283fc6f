"""Test-wide isolation: offline Hugging Face, and every cache in a per-session temp dir.

Set at import time, before any test module imports `datasets` (which reads ``HF_HOME`` on import).
"""

from __future__ import annotations

import os
import shutil
import tempfile

_ROOT = tempfile.mkdtemp(prefix="mmal-bench-tests-")
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HOME"] = os.path.join(_ROOT, "hf")
os.environ["MMAL_BENCH_HOME"] = os.path.join(_ROOT, "mmal_bench")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_sessionfinish(session, exitstatus) -> None:  # noqa: ARG001 - pytest hook signature
    shutil.rmtree(_ROOT, ignore_errors=True)
