"""Per-cell figures beyond AUBC: modality reliance against the finite-sample reference, what the
strategy bought (noise, missingness, class mix) and what its queries cost (CPU, memory, energy).

Over-reliance of 3.0.0 results is measured in one game (`one_game`), 2.0.0's as published.
Reads the optional per-round fields of contract 3 where a result has them; a figure whose inputs
are absent is NaN ("n/a"), never a default that looks like a measurement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from mmal_bench.harness.metrics import (
    RELIANCE_THRESHOLD,
    accuracy_noise_floor,
    over_reliance_in_one_game,
    reliance_shares,
    shapley_shares,
    shapley_values,
    supported_shares,
)
from mmal_bench.harness.results import CellResult
from mmal_bench.leaderboard.measures import reads_3
from mmal_bench.leaderboard.reference import Reference

#: The CPU-TDP energy estimate (CodeCarbon's fallback: average draw = 50 % of TDP), with an assumed
#: CPU because records do not say which CPU ran them: 85 W TDP over 8 cores. Fixed constants, so the
#: same result files give the same leaderboard on every machine.
ASSUMED_TDP_WATTS = 85.0
ASSUMED_CORES = 8
TDP_SHARE = 0.5

CELL_METRIC_COLUMNS = [
    "strategy", "dataset", "regime", "seed", "shares_na_rounds", "n_rounds", "over_reliance", "over_reliance_by_modality",
    "over_reliance_game", "over_reliance_game_by_modality", "over_reliance_oriented", "shares_na_se_rounds",
    "truth_gap", "missing_rate", "corrupted_rate", "noisy_label_rate", "class_tv", "query_cpu_seconds",
    "query_cpu_seconds_median", "query_peak_bytes", "query_energy_joules",
]  # fmt: skip


def modality_order(result: CellResult) -> list[str]:
    """The dataset's modality order (result files sort keys; the full subset key lists all modalities in order)."""
    full = max(result.rounds[0].subset_accuracy, key=lambda key: key.count("+"))
    return full.split("+")


def _truth_shares(result: CellResult, modalities: Sequence[str]) -> np.ndarray:
    first = result.rounds[0]
    empty = first.subset_accuracy["+".join(modalities)] - sum(first.shapley.values())
    phi = shapley_values(result.ground_truth, modalities, empty)
    return shapley_shares([phi[m] for m in modalities])


@lru_cache(maxsize=None)
def test_size(dataset_ref: str) -> int | None:
    """Test rows of a registered dataset ``name@version`` (None when the package does not register it)."""
    from mmal_bench.data.registry import get_entry
    from mmal_bench.errors import MMALBenchError

    try:
        return int(get_entry(dataset_ref).test_size)
    except MMALBenchError:
        return None


def one_game(result: CellResult, reference: Reference, modalities: Sequence[str], dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Per round: signed over-reliance in one game (`harness.metrics.over_reliance_in_one_game`) and
    whether the model's shares are defined under the 3-SE noise floor. ``(R, M)`` and ``(R,)``.

    The reference game takes the unimodal and fused reference accuracies at the round's number of
    labels: those random sampling's cell of the same seed recorded on the scored instance (3.0.0 on),
    else the calibration's; v(∅) is the model's own (recovered by Shapley efficiency), so both games share it.
    NaN for datasets of more than two modalities, or where the calibration has no point at that n.
    """
    n_test = test_size(dataset)
    signed = np.full((len(result.rounds), len(modalities)), np.nan)
    defined = np.zeros(len(result.rounds), dtype=bool)
    full = "+".join(modalities)
    for i, rd in enumerate(result.rounds):
        floor = accuracy_noise_floor(rd.accuracy, n_test) if n_test else RELIANCE_THRESHOLD
        defined[i] = sum(abs(v) for v in rd.shapley.values()) >= floor
        accs, fused = reference.game_at(dataset, result.provenance.regime, result.provenance.seed, rd.n_labeled)
        if len(modalities) != 2 or accs is None or fused is None or not set(accs) >= set(modalities):
            continue
        empty = rd.subset_accuracy[full] - sum(rd.shapley.values())
        signed[i] = over_reliance_in_one_game(rd.subset_accuracy, modalities, [accs[m] for m in modalities], fused, empty, floor)
    return signed, defined


def _oriented(signed: np.ndarray, truth: np.ndarray) -> float:
    """Mean over rounds of the signed over-reliance on the modality the ground truth gives the larger
    share (the first on a tie, e.g. a symmetric control), for two modalities; NaN otherwise.

    Why a fixed orientation: the total-variation distance (``over_reliance``) is |noise| > 0 even on a
    symmetric control, and it favours random sampling once references come from random's own cells
    (random's model *is* the fused reference there, so its distance lacks one noise term every other
    strategy has). The oriented value has neither bias: on the control it averages to 0."""
    leading = _leading(truth)
    if leading is None:
        return float("nan")
    column = signed[:, leading]
    return float(np.nanmean(column)) if np.isfinite(column).any() else float("nan")


def _leading(truth: np.ndarray) -> int | None:
    """Index of the modality the truth's shares favour (argmax: the first of equal shares), for two
    modalities with finite shares; None otherwise (the one-game measure's domain)."""
    return int(np.argmax(truth)) if len(truth) == 2 and np.isfinite(truth).all() else None


def _rate(bought: list[float], pool: float | None) -> float:
    """Mean bought share over batches / pool share (1 = bought at the pool's rate); NaN if undefined."""
    if not bought or pool is None or not pool > 0:
        return float("nan")
    return float(np.mean(bought) / pool)


def cell_metrics(result: CellResult, reference: Reference, threshold: float = RELIANCE_THRESHOLD) -> dict:
    """One row of `CELL_METRIC_COLUMNS` for ``result``.

    over_reliance: mean over rounds of the total-variation distance between the model's Shapley shares
    and the shares supported at that round's n (½ Σ_m |diff|, the largest signed excess for two
    modalities); over_reliance_by_modality: the signed mean per modality. truth_gap: the same distance
    to the asymptotic ground-truth shares. Rounds whose shares are undefined (below ``threshold``) are
    counted in ``shares_na_rounds`` and left out of the means.
    """
    p = result.provenance
    dataset = f"{p.dataset}@{p.dataset_version}"
    modalities = modality_order(result)
    truth = _truth_shares(result, modalities)
    chance = reference.lookup(reference.chance, dataset)
    model = np.array([reliance_shares([rd.shapley[m] for m in modalities], threshold) for rd in result.rounds])  # (R, M)
    supported = np.full_like(model, np.nan)
    if chance is not None:
        for i, rd in enumerate(result.rounds):
            accs = reference.supported(dataset, p.regime, rd.n_labeled)
            if accs is not None and set(accs) >= set(modalities):
                supported[i] = supported_shares([accs[m] for m in modalities], chance, threshold)
    signed = model - supported
    by_round = 0.5 * np.abs(signed).sum(axis=1)  # NaN where either side is undefined
    game, defined = one_game(result, reference, modalities, dataset)
    game_by_round = 0.5 * np.abs(game).sum(axis=1)
    if reads_3(p.benchmark_version):  # 3.0.0 on: over-reliance is the one-game measure under the 3-SE floor,
        # signed toward the modality the truth favours (`_oriented`): a distance favours random, whose own
        # model is the fused reference of the game its cells record
        signed, model = game, np.where(defined[:, None], model, np.nan)
        column = _leading(truth)
        by_round = game[:, column] if column is not None else np.full(len(result.rounds), np.nan)
    truth_by_round = 0.5 * np.abs(model - truth[None, :]).sum(axis=1)

    rounds = [rd for rd in result.rounds if rd.batch_class_counts is not None]
    pool = getattr(result, "pool_shares", None) or {}
    if hasattr(pool, "model_dump"):  # a result file's `PoolShares` (contract 3); tests may pass a dict
        pool = pool.model_dump()
    missing_pool = pool.get("missing") or {}
    bought_missing = [float(np.mean([rd.batch_missing_share[m] for m in modalities])) for rd in rounds if rd.batch_missing_share]
    bought_counts = np.sum([rd.batch_class_counts for rd in rounds], axis=0) if rounds else None
    pool_counts = pool.get("class_counts")
    class_tv = float("nan")
    if bought_counts is not None and pool_counts and bought_counts.sum() > 0:
        q = np.asarray(pool_counts, dtype=np.float64)
        class_tv = float(0.5 * np.abs(bought_counts / bought_counts.sum() - q / q.sum()).sum())
    cpu = [v for rd in result.rounds if (v := getattr(rd, "query_cpu_seconds", None)) is not None]
    peak = [v for rd in result.rounds if (v := getattr(rd, "query_peak_bytes", None)) is not None]
    rapl = [getattr(rd, "query_energy_joules", None) for rd in result.rounds if getattr(rd, "query_cpu_seconds", None) is not None]
    return {
        "strategy": p.strategy,
        "dataset": dataset,
        "regime": p.regime,
        "seed": p.seed,
        "shares_na_rounds": int(np.isnan(model).any(axis=1).sum()),
        "n_rounds": len(result.rounds),
        "over_reliance": float(np.nanmean(by_round)) if np.isfinite(by_round).any() else float("nan"),
        "over_reliance_by_modality": {m: (float(np.nanmean(signed[:, j])) if np.isfinite(signed[:, j]).any() else float("nan")) for j, m in enumerate(modalities)},
        "over_reliance_game": float(np.nanmean(game_by_round)) if np.isfinite(game_by_round).any() else float("nan"),
        "over_reliance_game_by_modality": {m: (float(np.nanmean(game[:, j])) if np.isfinite(game[:, j]).any() else float("nan")) for j, m in enumerate(modalities)},
        "over_reliance_oriented": _oriented(signed, truth),
        "shares_na_se_rounds": int((~defined).sum()),
        "truth_gap": float(np.nanmean(truth_by_round)) if np.isfinite(truth_by_round).any() else float("nan"),
        "missing_rate": _rate(bought_missing, float(np.mean(list(missing_pool.values()))) if missing_pool else None),
        "corrupted_rate": _rate([v for rd in rounds if (v := getattr(rd, "batch_corrupted_share", None)) is not None], pool.get("corrupted")),
        "noisy_label_rate": _rate([v for rd in rounds if (v := getattr(rd, "batch_noisy_label_share", None)) is not None], pool.get("noisy_label")),
        "class_tv": class_tv,
        "query_cpu_seconds": float(np.sum(cpu)) if cpu else float("nan"),
        "query_cpu_seconds_median": float(np.median(cpu)) if cpu else float("nan"),
        "query_peak_bytes": float(max(peak)) if peak else float("nan"),
        # RAPL-measured only when every query of the cell has a reading; otherwise NaN (estimated later).
        "query_energy_joules": float(np.sum(rapl)) if rapl and all(v is not None for v in rapl) else float("nan"),
    }


def cell_metrics_frame(results: Iterable[CellResult], reference: Reference, threshold: float = RELIANCE_THRESHOLD) -> pd.DataFrame:
    """`cell_metrics` of every result, one row each, sorted by cell; the reference game is the one
    random's cells recorded on the scored instance where they did (`Reference.with_scored`)."""
    results = list(results)
    reference = reference.with_scored(results)
    frame = pd.DataFrame([cell_metrics(r, reference, threshold) for r in results], columns=CELL_METRIC_COLUMNS)
    return frame.sort_values(["dataset", "regime", "strategy", "seed"], kind="stable").reset_index(drop=True)


def energy_method(metrics: pd.DataFrame | None = None) -> str:
    """How the energy column was produced, for the leaderboard's label: RAPL counter readings when
    every cell carries them (`mmal_bench.harness.energy`), else the CPU-TDP estimate for all
    strategies (one method per table, so the figures stay comparable)."""
    if _rapl_complete(metrics):
        return "measured: RAPL CPU-package counters summed over every query (the whole package, so other load on the machine counts too)"
    return (
        f"estimate = query CPU-seconds × {TDP_SHARE:.0%} × {ASSUMED_TDP_WATTS:.0f} W TDP / {ASSUMED_CORES} cores (assumed CPU; "
        "no RAPL counters were readable where these results were computed); CodeCarbon's method, may be off by ±40 %"
    )


def _rapl_complete(metrics: pd.DataFrame | None) -> bool:
    return (
        metrics is not None
        and "query_energy_joules" in metrics
        and len(metrics) > 0
        and bool(metrics["query_energy_joules"].notna().all())
    )


def energy_joules(cpu_seconds: float, cores: int = ASSUMED_CORES, tdp_watts: float = ASSUMED_TDP_WATTS) -> float:
    """CPU-TDP energy estimate of ``cpu_seconds`` of query work: ``cpu_s × TDP_SHARE × TDP / cores``."""
    return float(cpu_seconds * TDP_SHARE * tdp_watts / cores)


def strategy_costs(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: median per-query CPU-seconds (median of per-cell medians), total over the suite,
    peak query memory, energy in joules (RAPL-measured when every cell has readings, else the CPU-TDP
    estimate; see `energy_method`); NaN where no record carries the fields."""
    g = metrics.groupby("strategy", sort=True)
    out = pd.DataFrame(
        {
            "query_cpu_seconds_median": g["query_cpu_seconds_median"].median(),
            "query_cpu_seconds_total": g["query_cpu_seconds"].sum(min_count=1),
            "query_peak_bytes": g["query_peak_bytes"].max(),
        }
    )
    if _rapl_complete(metrics):
        out["energy_joules"] = g["query_energy_joules"].sum()
    else:
        out["energy_joules"] = out["query_cpu_seconds_total"].map(energy_joules)
    return out
