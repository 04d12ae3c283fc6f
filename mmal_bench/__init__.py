"""mmal-bench: the open benchmark and leaderboard for multimodal active learning.

Data flows one way: ``data`` → ``models`` → ``strategies`` → ``harness`` → ``leaderboard``;
``submissions``, ``cli`` and this package's Python API (`evaluate`, `leaderboard`) sit on top.
Everything below is imported on first use, so ``import mmal_bench`` loads neither torch nor ``datasets``.
"""

from __future__ import annotations

import importlib

from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

__version__ = PACKAGE_VERSION

#: Public name → the module that defines it (imported when the name is first used).
_EXPORTS = {
    "load_dataset": "mmal_bench.data.hub",
    "load_benchmark": "mmal_bench.data.hub",
    "Strategy": "mmal_bench.strategies.base",
    "PoolView": "mmal_bench.strategies.base",
    "check_strategy": "mmal_bench.strategies.check",
    "get_strategy": "mmal_bench.strategies.registry",
    "evaluate": "mmal_bench.api",
    "leaderboard": "mmal_bench.leaderboard",  # the package, callable: mmal_bench.leaderboard(results)
    "run_suite": "mmal_bench.harness.runner",
    "MMALBenchError": "mmal_bench.errors",
}

__all__ = ["BENCHMARK_VERSION", "__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name == "leaderboard":
        return importlib.import_module("mmal_bench.leaderboard")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'mmal_bench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
