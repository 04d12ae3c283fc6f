"""FINDINGS.md: the results section of a benchmark paper, written from a suite's result files.

`compute_findings` gathers the statistics (`findings`, `findings_archive`); `render_findings` joins
the sections (`findings_sections`), whose verdict words are looked up from the intervals' sides.
Same results and archive -> the same bytes (fixed bootstrap seed, sorted tables, no clock).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mmal_bench.leaderboard.bootstrap import N_BOOT, headline
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.cell_metrics import cell_metrics_frame
from mmal_bench.leaderboard.findings import (
    PairedVsRandom,
    SuiteFacts,
    cost_efficiency,
    family_over_reliance,
    headline_table,
    missing_modality_purchases,
    model_over_reliance,
    multimodal_vs_unimodal,
    purchase_rates,
    ranked_deltas,
    reliance_vs_random,
    suite_facts,
)
from mmal_bench.leaderboard.findings_archive import ArchiveComparison, archive_comparison
from mmal_bench.leaderboard.findings_measures import MeasuresComparison, compare_measures
from mmal_bench.leaderboard.findings_recommend import Recommendations, recommendations, scores_of
from mmal_bench.leaderboard.findings_sections import NOT_MEASURED, section_lines
from mmal_bench.leaderboard.loading import LoadedResults
from mmal_bench.leaderboard.measures import reads_3
from mmal_bench.leaderboard.rank_groups import ALPHA
from mmal_bench.leaderboard.reference import Reference, load_reference
from mmal_bench.leaderboard.pitfalls import data_kind
from mmal_bench.leaderboard.scoring import GridCell, Scoreboard, cells_frame, family_order, regime_key, score

__all__ = ["NOT_MEASURED", "FindingsData", "compute_findings", "portable", "render_findings"]


@dataclass(frozen=True)
class FindingsData:
    """Everything `render_findings` prints; built by `compute_findings` only."""

    board: Scoreboard
    frame: pd.DataFrame
    n_boot: int
    headline: pd.DataFrame
    reliance: pd.DataFrame
    reliance_vs_random: PairedVsRandom
    mm_vs_um: pd.DataFrame
    mm_vs_um_reason: str
    corrupted: pd.DataFrame
    noisy_labels: pd.DataFrame
    missing: pd.DataFrame
    cost: pd.DataFrame
    archive: ArchiveComparison
    facts: SuiteFacts
    #: The dataset instances the results were scored on (0 = public; official results use hidden ones).
    instances: tuple[int, ...] = (0,)
    #: The same cells read with 2.0.0's and 3.0.0's measures (`findings_measures`).
    measures: MeasuresComparison | None = None
    #: Which strategy, for which pitfall, at which budget; real vs synthetic (`findings_recommend`).
    recommend: Recommendations | None = None
    #: Claim 1 per pitfall family with the instance (dataset) as the unit (`findings.family_over_reliance`).
    family_reliance: pd.DataFrame | None = None
    #: Strategy × dataset headline units (normalised ΔAUBC, baseline row included) the verdicts rest on.
    scores: pd.DataFrame | None = None


def compute_findings(
    loaded: LoadedResults,
    catalog: Mapping[str, StrategyInfo] | None = None,
    *,
    expected: Iterable[GridCell] | None = None,
    reference: Reference | None = None,
    archive: Path | None = None,
    n_boot: int = N_BOOT,
) -> FindingsData:
    """Score ``loaded`` as the leaderboard does and compute every table of the findings.

    Parameters
    ----------
    loaded: verified result files of one suite (`load_results`).
    catalog: strategy metadata (the modality of each strategy decides claim 3's groups).
    expected: the suite's grid; strategies lacking a cell are not ranked (as on the leaderboard).
    reference: calibration data (default: the suite's); without it over-reliance is not measured.
    archive: the folder holding the archived previous release (``None``: no side-by-side).
    n_boot: bootstrap replicates of every hierarchical interval.

    Returns
    -------
    `FindingsData`.
    """
    reference = load_reference(loaded.suite, loaded.benchmark_version) if reference is None else reference
    board = score(loaded, catalog, expected=expected, reference=reference, n_boot=n_boot)
    frame = cells_frame(loaded.results)
    metrics = cell_metrics_frame(loaded.results, reference)
    ranked = list(board.overall.index) if board.headline is not None else []
    d = ranked_deltas(frame, board)
    raw = ranked_deltas(frame, board, raw=True)
    cost = cost_efficiency(frame[frame["strategy"].isin(ranked)], board, raw, n_boot)
    reliance = model_over_reliance(metrics)
    mm_vs_um, mm_reason = multimodal_vs_unimodal(d, board, n_boot)
    raw_head = headline(raw, n_boot=n_boot).table if raw is not None else None
    archived = archive_comparison(archive, loaded.suite, board, frame, metrics, raw_head, reliance, n_boot)
    order = [s for s in board.headline.table.index if s != "random"] if board.headline is not None else []
    recommend = recommendations(
        d,
        {ds: board.families[ds] for ds in family_order(board.families)},
        {ds: data_kind(ds) for ds in board.datasets},
        sorted({g.regime for g in board.groups}, key=regime_key),
        order,
        alpha=board.rank_groups.alpha if board.rank_groups else ALPHA,
        old_datasets=tuple(archived.datasets["dataset"]) if len(archived.datasets) else (),
    )
    return FindingsData(
        board=board,
        frame=frame,
        n_boot=n_boot,
        headline=headline_table(board),
        reliance=reliance,
        reliance_vs_random=reliance_vs_random(
            metrics, sorted(ranked), n_boot, board.rank_groups.alpha if board.rank_groups else ALPHA, board.families,
            column="over_reliance_oriented" if reads_3(loaded.benchmark_version) else "over_reliance",
        ),
        mm_vs_um=mm_vs_um,
        mm_vs_um_reason=mm_reason,
        corrupted=purchase_rates(metrics, "corrupted_rate", d, ranked, n_boot),
        noisy_labels=purchase_rates(metrics, "noisy_label_rate", d, ranked, n_boot),
        missing=missing_modality_purchases(metrics, board, ranked),
        cost=cost,
        archive=archived,
        facts=suite_facts(loaded.suite),
        instances=tuple(sorted({r.provenance.instance or 0 for r in loaded.results})),
        measures=compare_measures(board, frame, metrics, loaded.results, reference, n_boot),
        recommend=recommend,
        family_reliance=family_over_reliance(metrics, board),
        scores=scores_of(d) if d is not None else None,
    )


def render_findings(data: FindingsData, command: str) -> str:
    """The Markdown text of FINDINGS.md for ``data``; ``command`` is the line that regenerates it."""
    return portable("\n".join(section_lines(data, command)) + "\n")


def portable(text: str) -> str:
    """``text`` with the repository's absolute path removed (reasons quote file paths), so the same
    results give the same bytes in every checkout."""
    from mmal_bench.paths import REPO_ROOT

    return text.replace(f"{REPO_ROOT}{os.sep}", "")
