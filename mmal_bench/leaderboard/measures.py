"""Which measures a release's results are read with: 2.0.0's as published up to 2.0.0, 3.0.0's from then on.

3.0.0 changed what the numbers mean, not the files: the headline's regime weighting (`bootstrap.deltas`'
``gap_per``) and over-reliance in one game (`harness.metrics.over_reliance_in_one_game`, 3-SE floor).
Results say their benchmark version, so the same code renders 2.0.0's board as published.
"""

from __future__ import annotations

#: The first benchmark version read with the 3.0.0 measures.
FIRST_MAJOR = 3


def reads_3(benchmark_version: str) -> bool:
    """Whether results of ``benchmark_version`` are read with the 3.0.0 measures."""
    try:
        return int(str(benchmark_version).split(".")[0]) >= FIRST_MAJOR
    except ValueError:
        return False
