"""The active-learning loop: train → evaluate on test → query → reveal, for one (dataset, regime, seed)
and all requested strategies in lock-step (a *group*), producing one `CellResult` per strategy.

Lock-step is a speed lever that does not change any number: the round-0 model is the same for every
strategy (same cold start, same seed), so it is trained once; later rounds train every strategy's model
as one batched network (`train_models`), whose members are bitwise independent of each other. A cell's
result therefore does not depend on which other strategies ran beside it.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np

from mmal_bench.data.schema import BenchmarkData, ModalBatch, Split, subset_key
from mmal_bench.errors import ConfigError, StrategyError
from mmal_bench.harness import energy, metrics
from mmal_bench.harness.protocol import Protocol, model_seed, query_seed
from mmal_bench.harness.results import CellResult, PoolShares, Provenance, RoundRecord, summarize
from mmal_bench.models.base import FittedModel
from mmal_bench.models.trainer import train_models
from mmal_bench.strategies import PoolView, Strategy, validate_selection
from mmal_bench.strategies.base import view_of_pool
from mmal_bench.strategies.state import select_with_state
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

#: Distributions whose versions are stamped on every result (import name → distribution name).
PROVENANCE_PACKAGES = {"torch": "torch", "numpy": "numpy", "datasets": "datasets", "sklearn": "scikit-learn"}

Trainer = Callable[..., list[FittedModel]]


@dataclass(frozen=True)
class StrategyEntry:
    """A strategy instance to run, under the name its results are filed by, with its provenance hash.

    Built-ins come from `builtin_entry`; extra instances (a submission, a sandbox proxy) from
    `StrategyEntry.of`. The instance must be picklable to run in worker processes.
    """

    name: str
    strategy: Strategy
    source_hash: str

    @classmethod
    def of(cls, strategy: Strategy, source_hash: str | None = None, name: str | None = None) -> StrategyEntry:
        """Wrap ``strategy``; ``source_hash`` defaults to `strategy_source_hash` (``name`` to ``strategy.name``)."""
        if not isinstance(strategy, Strategy):
            raise ConfigError(f"{strategy!r} is not a mmal_bench.strategies.Strategy instance")
        name = name or getattr(strategy, "name", None)
        if not isinstance(name, str) or not name:
            raise ConfigError(f"strategy {type(strategy).__name__} has no name; set the class attribute `name`")
        return cls(name, strategy, source_hash or strategy_source_hash(strategy))


def strategy_source_hash(strategy: Strategy) -> str:
    """sha256 of the source file of the strategy's class (a ``source_hash`` attribute wins, for proxies
    whose real code lives elsewhere, e.g. a sandboxed submission)."""
    override = getattr(strategy, "source_hash", None)
    if isinstance(override, str) and override:
        return override
    try:
        path = inspect.getsourcefile(type(strategy))
        data = open(path, "rb").read() if path else None  # noqa: SIM115 - tiny read
    except (OSError, TypeError):
        data = None
    if data is None:
        raise ConfigError(f"cannot read the source of strategy {type(strategy).__name__}; pass source_hash explicitly")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def builtin_entry(name: str) -> StrategyEntry:
    """The built-in strategy ``name`` (unknown names: one-line `ConfigError` from the strategies stage)."""
    from mmal_bench.strategies import get_strategy

    return StrategyEntry.of(get_strategy(name), name=name)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages every number depends on."""
    out = {}
    for module, dist in PROVENANCE_PACKAGES.items():
        try:
            out[module] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[module] = "not installed"
    return out


@dataclass
class GroupTimings:
    """Wall time of one group, per round (seconds): training (one batched call), evaluation of every
    member on the test split, and all strategies' queries. For benchmarks; results carry per-cell shares."""

    train: list[float] = field(default_factory=list)
    evaluate: list[float] = field(default_factory=list)
    query: list[float] = field(default_factory=list)
    members: list[int] = field(default_factory=list)


@dataclass
class GroupOutcome:
    """What a group produced: a result per strategy that finished, a one-line reason per failed one."""

    results: dict[str, CellResult]
    failures: dict[str, str]
    timings: GroupTimings


def build_view(pool: Split, labeled_positions: np.ndarray, n_classes: int) -> PoolView:
    """The read-only `PoolView` a strategy gets: the pool's rows, read when used, and the labels of
    bought rows only.

    Building it copies no pool rows (issue 15): its batches are `PoolRows` over read-only views of the
    pool's features and presence, which a model's row-chunked pass reads one block at a time, inside
    the query, so that cost is in ``query_seconds``. Nothing reachable from the view refers to
    ``pool.labels`` (ids and bought labels are copies; the containers are plain `ModalBatch`es, not
    `Split`s). The read-only flag stops a strategy writing to the pool by mistake; code that is not
    trusted runs in the jail, which receives copies (`mmal_bench.submissions.sandbox`).
    """
    return view_of_pool(pool.read_only(), pool.ids, pool.labels, labeled_positions, n_classes)


@dataclass(frozen=True)
class QueryProbe:
    """CPU time, peak-RSS and RAPL readings of this process when a query starts (see `RoundRecord`)."""

    cpu: float
    peak_rss: int
    rapl: energy.Reading | None

    @classmethod
    def start(cls) -> QueryProbe:
        return cls(time.process_time(), _peak_rss_bytes(), energy.read_rapl())

    def stop(self) -> tuple[float, int, float | None]:
        """``(cpu_seconds, peak_rss_rise_bytes, rapl_joules or None)`` since `start`."""
        joules = energy.joules_between(self.rapl, energy.read_rapl())
        return time.process_time() - self.cpu, max(_peak_rss_bytes() - self.peak_rss, 0), joules


def untimed_seconds(strategy: Strategy) -> float:
    """Seconds ``strategy`` spent inside its last `select` on the harness's own work (a sandboxed
    submission's worker start-up and determinism re-checks), which its query time must not count."""
    take = getattr(strategy, "take_untimed_seconds", None)
    return float(take()) if take is not None else 0.0


def _peak_rss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux reports KiB


def pool_shares(pool: Split, n_classes: int) -> PoolShares:
    """The pool's missing / corrupted / noisy-label shares and true class counts (per cell, for comparison)."""
    truth = pool.clean_labels if pool.clean_labels is not None else pool.labels
    return PoolShares(
        missing=metrics.missing_share(pool.present),
        corrupted=metrics.flag_share(pool.corrupted),
        noisy_label=metrics.flag_share(pool.noisy_label),
        class_counts=metrics.class_counts(truth, n_classes),
    )


@dataclass(frozen=True)
class Evaluation:
    """Test-set metrics of one fitted model (the parts of a `RoundRecord` that do not depend on the query)."""

    accuracy: float
    macro_f1: float
    subset_accuracy: dict[str, float]
    shapley: dict[str, float]
    imbalance: float
    utilization_gap: float


def evaluate(model: FittedModel, data: BenchmarkData, empty_value: float, truth_shapley: Sequence[float]) -> Evaluation:
    """Accuracy, macro-F1, zero-ablated subset accuracies, Shapley values and imbalance on ``data.test``.

    Uses the model's batched all-subsets forward pass where it has one (encoders run once).
    """
    modalities = data.modalities
    labels = data.test.labels
    batched = getattr(model, "predict_proba_subsets", None)
    if batched is not None:
        proba = batched(data.test)
    else:
        from mmal_bench.data.schema import all_subsets

        proba = {subset_key(s, modalities): model.predict_proba(data.test, s) for s in all_subsets(modalities)}
    predictions = {key: np.argmax(p, axis=1) for key, p in proba.items()}
    subset_accuracy = {key: metrics.accuracy(labels, pred) for key, pred in predictions.items()}
    full = subset_key(modalities, modalities)
    shapley = metrics.shapley_values(subset_accuracy, modalities, empty_value)
    phi = [shapley[m] for m in modalities]
    return Evaluation(
        accuracy=subset_accuracy[full],
        macro_f1=metrics.macro_f1(labels, predictions[full], data.n_classes),
        subset_accuracy=subset_accuracy,
        shapley=shapley,
        imbalance=metrics.imbalance(phi),
        utilization_gap=metrics.utilization_gap(phi, truth_shapley),
    )


def records_references(protocol: Protocol, strategy: Strategy) -> bool:
    """Whether this cell records the unimodal reference accuracies (`RoundRecord.unimodal_accuracy`):
    the built-in random sampling's cells from benchmark 3.0.0 on.

    Why random's: the reference game of over-reliance is what the same number of *random* labels
    supports; random's own model is its fused reference, so unimodal models trained on random's labelled
    set, with the same model seed, complete that game on the very instance (public or hidden) that the
    cells are scored on, at +2 models per random round (not per strategy).
    """
    from mmal_bench.strategies.unimodal import RandomSampling

    return type(strategy) is RandomSampling and int(protocol.benchmark_version.split(".")[0]) >= 3


def unimodal_references(batch: ModalBatch, labels: np.ndarray, data: BenchmarkData, protocol: Protocol, seed: int, trainer: Trainer) -> dict[str, float]:
    """Test accuracy per modality of the benchmark model trained on ``batch`` with only that modality
    (the others absent in training and at test), seeded like the round's fused model."""
    modalities = list(data.modalities)
    fitted = trainer([batch.restricted_to([m]) for m in modalities], [labels] * len(modalities), data.n_classes, protocol.model, [seed] * len(modalities))
    return {m: metrics.accuracy(data.test.labels, np.argmax(f.predict_proba(data.test, [m]), axis=1)) for m, f in zip(modalities, fitted, strict=True)}


def check_protocol_fits(data: BenchmarkData, protocol: Protocol, seeds: Sequence[int]) -> None:
    """Fail early with a `ConfigError` if the regime needs more labels than the pool (or cold start) has."""
    regime = protocol.regime
    where = f"{data.ref} regime {regime.name}"
    if regime.max_labels > len(data.pool.ids):
        raise ConfigError(f"{where} needs {regime.max_labels} labels but the pool has {len(data.pool.ids)} rows; shrink the regime")
    for seed in seeds:
        if seed not in data.cold_start_order:
            raise ConfigError(f"{where}: the dataset publishes no cold-start set for seed {seed} (has {sorted(data.cold_start_order)})")
        if regime.initial > len(data.cold_start_order[seed]):
            raise ConfigError(f"{where}: cold start of {regime.initial} exceeds the published order ({len(data.cold_start_order[seed])})")


def run_group(
    data: BenchmarkData,
    protocol: Protocol,
    seed: int,
    strategies: Sequence[StrategyEntry],
    *,
    trainer: Trainer = train_models,
) -> GroupOutcome:
    """Run every strategy of ``strategies`` on (``data``, ``protocol.regime``, ``seed``) in lock-step.

    A strategy that raises or returns an invalid selection fails its own cell only (reported in
    ``failures`` with a one-line reason naming the strategy); the others go on unaffected.
    """
    if data.name != protocol.dataset or data.version != protocol.dataset_version:
        raise ConfigError(f"protocol is for {protocol.dataset_ref} but the data is {data.ref}")
    names = [e.name for e in strategies]
    if len(set(names)) != len(names):
        raise ConfigError(f"strategy names must be distinct in a group, got {names}")
    check_protocol_fits(data, protocol, [seed])

    regime, pool, n_classes, modalities = protocol.regime, data.pool, data.n_classes, data.modalities
    empty_value = metrics.empty_coalition_value(data.test.labels, n_classes)
    truth = metrics.shapley_values(data.ground_truth, modalities, empty_value)
    truth_phi = [truth[m] for m in modalities]

    # Metrics read the true classes and quality flags; strategies and training see the oracle's labels.
    true_labels = pool.clean_labels if pool.clean_labels is not None else pool.labels
    noisy_label = pool.noisy_label
    cold = pool.positions(data.cold_start(seed, regime.initial))
    labeled: dict[str, np.ndarray] = {e.name: cold for e in strategies}
    records: dict[str, list[RoundRecord]] = {e.name: [] for e in strategies}
    states: dict[str, dict] = {e.name: {} for e in strategies}  # stateful strategies' only cross-round memory
    failures: dict[str, str] = {}
    timings = GroupTimings()
    active = list(strategies)

    for r in range(regime.rounds + 1):
        if not active:
            break
        # Train: once in round 0 (every strategy has the same cold start), then one batched call.
        shared = r == 0
        members = active[:1] if shared else active
        batches = [pool.take(labeled[e.name]) for e in members]
        start = time.perf_counter()
        fitted = trainer(
            [ModalBatch(b.features, b.present) for b in batches],
            [b.labels for b in batches],
            n_classes,
            protocol.model,
            [model_seed(seed, r)] * len(members),
        )
        train_seconds = time.perf_counter() - start
        if shared:
            # Every strategy gets its own copy of the one round-0 model, so a strategy that changes
            # model state cannot leak into another's query (cells stay independent of their group).
            models = {e.name: fitted[0] if i == 0 else copy.deepcopy(fitted[0]) for i, e in enumerate(active)}
        else:
            models = {e.name: m for e, m in zip(members, fitted, strict=True)}
        timings.train.append(train_seconds)
        timings.members.append(len(members))
        # A batched (or shared) training's time is split evenly among the cells it served.
        train_share = train_seconds / len(models)

        start = time.perf_counter()
        evaluations = {}
        for e in members:
            evaluations[e.name] = evaluate(models[e.name], data, empty_value, truth_phi)
        if shared:
            evaluations = dict.fromkeys(models, evaluations[members[0].name])
        references = {}
        for e in active:
            if records_references(protocol, e.strategy):
                batch = pool.take(labeled[e.name])
                references[e.name] = unimodal_references(ModalBatch(batch.features, batch.present), batch.labels, data, protocol, model_seed(seed, r), trainer)
        timings.evaluate.append(time.perf_counter() - start)

        query_total = 0.0
        for e in list(active):
            counts = missing = query_seconds = corrupted = noisy = query_cpu = query_peak = query_energy = None
            if r < regime.rounds:
                rng = np.random.default_rng(query_seed(seed, r, e.name))
                untimed_seconds(e.strategy)  # harness work done before this query is none of its time
                probe = QueryProbe.start()
                start = time.perf_counter()
                view = build_view(pool, labeled[e.name], n_classes)
                try:
                    selected, states[e.name] = select_with_state(
                        e.strategy, view, models[e.name], regime.batch_size, rng, states[e.name], name=e.name
                    )
                    query_seconds = time.perf_counter() - start - untimed_seconds(e.strategy)
                    query_cpu, query_peak, query_energy = probe.stop()
                    ids = validate_selection(selected, view, regime.batch_size, name=e.name)
                except Exception as exc:  # noqa: BLE001 - any failure of strategy code fails its cell only
                    untimed_seconds(e.strategy)
                    detail = str(exc) if isinstance(exc, StrategyError) else f"{type(exc).__name__}: {exc}"
                    failures[e.name] = (
                        f"strategy {e.name!r} failed on {data.ref} regime {regime.name} seed {seed} round {r}: {detail}"
                    )
                    active.remove(e)
                    continue
                query_total += query_seconds
                positions = pool.positions(ids)
                counts = metrics.class_counts(true_labels[positions], n_classes)
                missing = metrics.missing_share({m: pool.present[m][positions] for m in modalities})
                corrupted = metrics.flag_share(pool.corrupted, positions)
                noisy = metrics.flag_share(noisy_label, positions)
                labeled[e.name] = np.concatenate([labeled[e.name], positions])
            ev = evaluations[e.name]
            records[e.name].append(
                RoundRecord(
                    round=r,
                    n_labeled=regime.budgets[r],
                    accuracy=ev.accuracy,
                    macro_f1=ev.macro_f1,
                    subset_accuracy=ev.subset_accuracy,
                    shapley=ev.shapley,
                    imbalance=ev.imbalance,
                    utilization_gap=ev.utilization_gap,
                    batch_class_counts=counts,
                    batch_missing_share=missing,
                    train_seconds=train_share,
                    query_seconds=query_seconds,
                    batch_corrupted_share=corrupted,
                    batch_noisy_label_share=noisy,
                    query_cpu_seconds=query_cpu,
                    query_peak_bytes=query_peak,
                    query_energy_joules=query_energy,
                    unimodal_accuracy=references.get(e.name),
                )
            )
        timings.query.append(query_total)

    packages = package_versions()
    shares = pool_shares(pool, n_classes)
    results = {}
    for e in strategies:
        if e.name in failures:
            continue
        provenance = Provenance(
            benchmark_version=BENCHMARK_VERSION,
            package_version=PACKAGE_VERSION,
            suite=protocol.suite,
            dataset=data.name,
            dataset_version=data.version,
            dataset_fingerprint=data.fingerprint,
            regime=regime.name,
            seed=seed,
            strategy=e.name,
            strategy_source_hash=e.source_hash,
            protocol_hash=protocol.protocol_hash,
            packages=packages,
        )
        results[e.name] = CellResult(
            provenance=provenance,
            ground_truth={k: float(v) for k, v in data.ground_truth.items()},
            rounds=records[e.name],
            summary=summarize(records[e.name]),
            pool_shares=shares,
        )
    return GroupOutcome(results, failures, timings)
