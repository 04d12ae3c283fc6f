"""Imports every module that registers published datasets (read lazily by the registry).

Synthetic suite: `mmal_bench.data.suite`. Real-world datasets: `mmal_bench.data.real` (its
``__init__`` registers them); add new families here.
"""

from __future__ import annotations

import mmal_bench.data.real  # noqa: F401  (registers the real-world datasets)
import mmal_bench.data.suite  # noqa: F401  (registers the synthetic pitfall suite)
