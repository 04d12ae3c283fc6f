"""Budget calibration: random sampling's learning curve per dataset, and the regimes it defines.

A regime is defined by where random sampling stands, not by a fixed label count: its final budget is
the smallest label count at which random reaches a fixed fraction of the gap between chance and the
full-pool accuracy of the benchmark model. Cold start = query size and 10 rounds (Lüth et al. 2023),
so a final budget B gives ``batch = ceil(B / 11)``, at least two labels per class (a cold start that
shows every class twice) and at most ``pool // 11``. Unlearnable or saturated regimes cannot arise:
every regime sits at a stated point of the curve (``reached`` says whether the pool allowed it).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mmal_bench.data.hub import load_benchmark
from mmal_bench.data.schema import BenchmarkData, subset_key
from mmal_bench.harness import metrics
from mmal_bench.harness.executors import make_executor
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.trainer import train_models
from mmal_bench.version import BENCHMARK_VERSION

if TYPE_CHECKING:
    from mmal_bench.harness.suites import Suite

#: Final budget of each regime = where random reaches this fraction of the chance → full-pool gap.
FRACTIONS = {"low": 0.5, "mid": 0.75, "high": 0.9}
ROUNDS = 10
#: Label counts of the first pass (the curve that locates the regimes): geometric, this many points.
GRID_POINTS = 10
CALIBRATION_FORMAT = 1

Progress = Callable[[str], None]


def calibrate(
    suite: Suite,
    seeds: Sequence[int],
    *,
    datasets: Sequence[str] | None = None,
    fractions: Mapping[str, float] | None = None,
    grid_points: int = GRID_POINTS,
    rounds: int = ROUNDS,
    progress: Progress | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """Calibrate the budget regimes of ``suite``'s datasets from random sampling over ``seeds``.

    Parameters
    ----------
    suite : the suite whose datasets and model are calibrated (its own regimes are not used).
    seeds : calibration seeds; seed s draws one random order of the pool (its prefixes are the random
        labelled sets, as the random strategy buys them) and the model seeds.
    datasets : a subset of the suite's dataset names (default: all).
    fractions : regime name → fraction of the chance → full-pool gap that random reaches at the
        regime's final budget (default: the suite's ``calibration_fractions``, else `FRACTIONS`). A
        suite's ``regime_spacing`` (3.0.0: 1.5) re-spaces a regime whose final budget the label floor
        puts within that factor of the previous regime's, so no two regimes are near-identical.
    grid_points : number of label counts of the first pass.
    rounds : query rounds per regime.
    progress : called with one line per finished dataset.
    jobs : datasets calibrated at once, in worker processes of one torch thread each (the result does
        not depend on it: every dataset is computed the same way wherever it runs).

    Returns
    -------
    The JSON-able calibration (see `mmal_bench.harness.calibration` for the layout); exactly
    reproducible from its seeds (CPU training is bitwise deterministic).
    """
    if fractions is None:
        fractions = getattr(suite, "calibration_fractions", None) or FRACTIONS
    spacing = getattr(suite, "regime_spacing", None)
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"calibration needs distinct seeds, got {seeds}")
    refs = suite.dataset_refs()
    if datasets is not None:
        refs = [(n, v) for n, v in refs if n in set(datasets)]
    tasks = [(name, version, suite.model, seeds, dict(fractions), grid_points, rounds, spacing) for name, version in refs]
    done: dict[str, Any] = {}
    with make_executor(jobs) as executor:
        for ref, entry in executor.imap_unordered(_calibrate_task, tasks):
            done[ref] = entry
            if progress is not None:
                progress(f"{ref}: " + ", ".join(f"{r['name']} {r['initial']}+{r['batch_size']}x{r['rounds']}" for r in entry["regimes"]))
    out = {f"{name}@{version}": done[f"{name}@{version}"] for name, version in refs}
    return {
        "format": CALIBRATION_FORMAT,
        "suite": suite.name,
        "suite_version": suite.version,
        "benchmark_version": BENCHMARK_VERSION,
        "model": suite.model.to_dict(),
        "seeds": seeds,
        "fractions": dict(fractions),
        "grid_points": grid_points,
        "rounds": rounds,
        "datasets": out,
    }


def _calibrate_task(task: tuple) -> tuple[str, dict[str, Any]]:
    """One dataset's calibration as an executor task (top-level, so that it pickles). Training pins its
    own thread count (``model.threads``), so a worker and this process compute the same numbers."""
    name, version, model, seeds, fractions, grid_points, rounds, spacing = task
    data = load_benchmark(name, version)
    return data.ref, calibrate_dataset(data, model, seeds, fractions, grid_points, rounds, spacing)


def calibrate_dataset(
    data: BenchmarkData,
    model: ModelConfig,
    seeds: Sequence[int],
    fractions: Mapping[str, float] = FRACTIONS,
    grid_points: int = GRID_POINTS,
    rounds: int = ROUNDS,
    spacing: float | None = None,
) -> dict[str, Any]:
    """One dataset's calibration: chance, full-pool accuracy, the grid curve and the regimes.

    ``spacing``: a regime whose batch is under ``spacing`` times the previous regime's is moved up to
    it (capped at the pool), and marked ``respaced``; ``None`` keeps the 2.0.0 rule (exact duplicates
    only, dropped by `mmal_bench.harness.calibration.store.regimes_from`).
    """
    n_pool = len(data.pool.ids)
    points = rounds + 1
    max_batch = n_pool // points
    orders = [_order(data, s) for s in seeds]
    chance = metrics.empty_coalition_value(data.test.labels, data.n_classes)
    full = float(np.mean(_accuracies(data, model, seeds, [np.arange(n_pool)] * len(seeds), n_pool)))
    grid = sorted({int(round(g)) for g in np.geomspace(max(2 * data.n_classes, points), max_batch * points, grid_points)})
    curve = {n: float(np.mean(_accuracies(data, model, seeds, [o[:n] for o in orders], n))) for n in grid}
    regimes = []
    for name, fraction in fractions.items():
        target = chance + fraction * (full - chance)
        final, reached = _crossing(curve, target)
        batch = min(max(math.ceil(final / points), 2 * data.n_classes), max_batch)
        respaced = False
        if spacing is not None and regimes and batch < spacing * regimes[-1]["batch_size"]:
            batch, respaced = min(math.ceil(spacing * regimes[-1]["batch_size"]), max_batch), True
        budgets = [batch * (r + 1) for r in range(points)]
        extra = {"respaced": respaced} if spacing is not None else {}
        regimes.append(
            extra
            | {
                "name": name,
                "initial": batch,
                "batch_size": batch,
                "rounds": rounds,
                "fraction": fraction,
                "target_accuracy": target,
                "reached": reached,
                "points": [_point(data, model, seeds, orders, n) for n in budgets],
            }
        )
    return {
        "chance": chance,
        "full_pool_accuracy": full,
        "ground_truth": float(data.ground_truth[subset_key(data.modalities, data.modalities)]),
        "grid": [{"n_labeled": n, "random_accuracy": a} for n, a in curve.items()],
        "regimes": regimes,
    }


def _point(data: BenchmarkData, model: ModelConfig, seeds: Sequence[int], orders: Sequence[np.ndarray], n: int) -> dict[str, Any]:
    rows = [o[:n] for o in orders]
    return {
        "n_labeled": n,
        "random_accuracy": float(np.mean(_accuracies(data, model, seeds, rows, n))),
        "unimodal_accuracy": {m: float(np.mean(_accuracies(data, model, seeds, rows, n, only=m))) for m in data.modalities},
    }


def _crossing(curve: Mapping[int, float], target: float) -> tuple[int, bool]:
    # First grid point at or above target, interpolated in log(n) from the point before it.
    ns = sorted(curve)
    for i, n in enumerate(ns):
        if curve[n] >= target:
            if i == 0:
                return n, True
            lo, hi = ns[i - 1], n
            t = (target - curve[lo]) / max(curve[n] - curve[lo], 1e-12)
            return int(math.ceil(math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo))))), True
    return ns[-1], False


def _order(data: BenchmarkData, seed: int) -> np.ndarray:
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), _stable(data.ref)]))
    return rng.permutation(len(data.pool.ids))


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def _accuracies(
    data: BenchmarkData, model: ModelConfig, seeds: Sequence[int], rows: Sequence[np.ndarray], n: int, only: str | None = None
) -> list[float]:
    """Test accuracy of one model per seed trained (in one batched call) on ``rows`` of the pool.

    ``only``: a unimodal reference — the same model with every other modality absent in training and
    at test time (the model's own absent path).
    """
    batches = [data.pool.take(r) for r in rows]
    inputs = [b.restricted_to([only]) if only else b for b in batches]
    model_seeds = [_stable(f"calibration:{data.ref}:{s}:{n}:{only or ''}") for s in seeds]
    fitted = train_models(inputs, [b.labels for b in batches], data.n_classes, model, model_seeds)
    test = data.test
    truth = test.clean_labels if test.clean_labels is not None else test.labels
    subset = [only] if only else list(data.modalities)
    return [metrics.accuracy(truth, np.argmax(f.predict_proba(test, subset), axis=1)) for f in fitted]
