"""mmal-bench: the open benchmark and leaderboard for multimodal active learning.

Data flows one way: ``data`` → ``models`` → ``strategies`` → ``harness`` → ``leaderboard``;
``submissions`` and ``cli`` sit on top.
"""

from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

__version__ = PACKAGE_VERSION
__all__ = ["BENCHMARK_VERSION", "__version__", "check_strategy", "load_benchmark", "load_dataset"]


def __getattr__(name: str):
    # Lazy: importing `datasets`/pyarrow costs a second, which `mmal-bench --help` should not pay.
    if name in ("load_dataset", "load_benchmark"):
        from mmal_bench.data import hub

        return getattr(hub, name)
    if name == "check_strategy":  # lazy too: it imports torch
        from mmal_bench.strategies.check import check_strategy

        return check_strategy
    raise AttributeError(f"module 'mmal_bench' has no attribute {name!r}")
