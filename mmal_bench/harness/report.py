"""The end-of-run summary table: mean AUBC, final accuracy and imbalance per strategy × dataset × regime.

A quick look at a run's numbers (the leaderboard stage does the statistics: CIs, paired tests, ranks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tabulate import tabulate

from mmal_bench.harness.results import CellResult

HEADERS = ("dataset", "regime", "strategy", "seeds", "AUBC", "final acc", "imbalance", "util. gap")


def summary_rows(results: Sequence[CellResult]) -> list[tuple]:
    """One row per (dataset@version, regime, strategy): seed count and means over seeds, sorted by
    dataset, regime, then AUBC (best first)."""
    groups: dict[tuple[str, str, str], list[CellResult]] = {}
    for result in results:
        p = result.provenance
        groups.setdefault((f"{p.dataset}@{p.dataset_version}", p.regime, p.strategy), []).append(result)
    rows = []
    for (dataset, regime, strategy), members in groups.items():
        s = [m.summary for m in members]
        rows.append(
            (
                dataset,
                regime,
                strategy,
                len(members),
                float(np.mean([x.aubc for x in s])),
                float(np.mean([x.final_accuracy for x in s])),
                float(np.mean([x.mean_imbalance for x in s])),
                float(np.mean([x.mean_utilization_gap for x in s])),
            )
        )
    return sorted(rows, key=lambda r: (r[0], r[1], -r[4], r[2]))


def summary_table(results: Sequence[CellResult], tablefmt: str = "simple") -> str:
    """`summary_rows` as a tabulate table (3 decimals)."""
    if not results:
        return "(no results)"
    return tabulate(summary_rows(results), headers=HEADERS, floatfmt=".3f", tablefmt=tablefmt)
