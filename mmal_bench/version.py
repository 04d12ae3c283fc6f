"""Version numbers that results are stamped with.

``BENCHMARK_VERSION`` changes whenever a protocol, dataset version or metric changes meaning; results
of different benchmark versions are never mixed on a leaderboard.
"""

from __future__ import annotations

PACKAGE_VERSION = "3.0.0"
BENCHMARK_VERSION = "3.0.0"
