"""The explicit list of published datasets: what the registry registers, in one place.

No module registers anything when imported: each declares its entries as values, and this list
collects them. Add a new dataset module here. Converted recipe outputs (Food-101, CREMA-D, ...) are
entries only where the raw data was converted on this machine (they read the dataset cache).
"""

from __future__ import annotations

from mmal_bench.data.entry import DatasetEntry
from mmal_bench.data.real import injected, multiview_mnist, uci_mfeat
from mmal_bench.data.real.recipes import converted_entries
from mmal_bench.data.suite import SUITE, SUITE_1_0_0, SUITE_3_0_0


def static_entries() -> tuple[DatasetEntry, ...]:
    """Every dataset declared in code: synthetic 1.0.0, 2.0.0 and 3.0.0, and the offline real sets."""
    return (*SUITE_1_0_0, *SUITE, *SUITE_3_0_0, *uci_mfeat.ENTRIES, *uci_mfeat.ENTRIES_3_0_0, *multiview_mnist.ENTRIES, *injected.ENTRIES)


def catalog_entries() -> list[DatasetEntry]:
    """`static_entries` plus the recipe outputs already converted into the dataset cache."""
    return [*static_entries(), *converted_entries()]
