"""mmal-bench: the open benchmark and leaderboard for multimodal active learning.

Data flows one way: ``data`` → ``models`` → ``strategies`` → ``harness`` → ``leaderboard``;
``submissions`` and ``cli`` sit on top.
"""

from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

__version__ = PACKAGE_VERSION
__all__ = ["BENCHMARK_VERSION", "__version__"]
