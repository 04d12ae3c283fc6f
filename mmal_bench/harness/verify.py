"""The one check of a result file against its sources of truth: its own rounds, the committed dataset
manifest and the suite's protocol. `run` (on resume), `leaderboard`, `findings` and `reproduce` all use it.

`read_result` proves a file is what was written (schema, content hash, location); a hash is easy to
recompute after an edit, so this module proves that what was written is what the harness writes:
the summary is recomputed from the rounds and compared float for float, the rounds follow the
protocol's budgets, the dataset fingerprint and ground truth are the manifest's, and the protocol is
the suite's. A file that fails is named with what differs and what to do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness.protocol import Protocol
from mmal_bench.harness.results import DELETE_AND_RERUN, CellResult, summarize



@dataclass(frozen=True)
class DatasetTruth:
    """What a result must record about the dataset it was scored on: the content fingerprint and the
    ground-truth accuracy of every modality subset (``None``: not known to the caller, not compared),
    of dataset instance ``instance`` (0: the public data a manifest describes; k ≥ 1: a hidden one)."""

    fingerprint: str
    ground_truth: Mapping[str, float] | None
    instance: int = 0

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> DatasetTruth:
        """From a committed ``datasets/<name>/<version>/manifest.json`` (the values loading gives)."""
        return cls(str(manifest["fingerprint"]), {k: float(v["accuracy"]) for k, v in manifest["ground_truth"].items()})

    @classmethod
    def of(cls, data: Any, instance: int = 0) -> DatasetTruth:
        """From loaded data (`BenchmarkData`: an in-memory dataset, hidden instance ``instance``)."""
        return cls(str(data.fingerprint), {k: float(v) for k, v in data.ground_truth.items()}, instance)


#: ``truth_of(name, version)`` -> the dataset's `DatasetTruth`; raises `LookupError` when there is none.
TruthLookup = Callable[[str, str], DatasetTruth]


def manifest_truth(name: str, version: str) -> DatasetTruth:
    """The truth of a published dataset: its committed manifest. A dataset registered but not published
    (converted by the user, registered by a test) has none: its verified local build is then the reference.
    """
    from mmal_bench.data.hub import committed_manifest

    manifest = committed_manifest(name, version)
    if manifest is not None:
        return DatasetTruth.from_manifest(manifest)
    from mmal_bench.data.hub import load_benchmark
    from mmal_bench.errors import MMALBenchError

    try:
        return DatasetTruth.of(load_benchmark(name, version))
    except MMALBenchError as exc:
        raise LookupError(f"datasets/{name}/{version}/manifest.json is not in the repository and no verified local build: {exc}") from None


def summary_difference(result: CellResult) -> str | None:
    """``"summary.aubc 0.99 is not what its rounds give (0.7125)"``, or ``None`` when the summary is exact."""
    try:
        expected = summarize(result.rounds)
    except (ValueError, IndexError) as exc:
        return f"its rounds give no summary ({exc})"
    for name, recorded in result.summary.model_dump().items():
        computed = getattr(expected, name)
        if not _same(recorded, computed):
            return f"summary.{name} {recorded!r} is not what its rounds give ({computed!r})"
    return None


def rounds_difference(result: CellResult, protocol: Protocol | None = None) -> str | None:
    """The first round that the harness could not have written: numbered 0, 1, …, accuracy equal to the
    all-modality subset accuracy, a batch after every round but the last; with ``protocol``, one round
    per budget point at exactly its label counts and batches of its batch size."""
    rounds = result.rounds
    budgets = protocol.regime.budgets if protocol is not None else ()
    if protocol is not None:
        if len(rounds) != len(budgets):
            return f"{len(rounds)} rounds, but regime {protocol.regime.name} of the protocol has {len(budgets)} ({list(budgets)} labels)"
    for i, record in enumerate(rounds):
        where = f"rounds[{i}]"
        if record.round != i:
            return f"{where}.round is {record.round}, expected {i}"
        if protocol is not None and record.n_labeled != budgets[i]:
            return f"{where}.n_labeled is {record.n_labeled}, but the protocol labels {budgets[i]} in round {i}"
        order = _modality_order(record.subset_accuracy)
        if order is None or set(record.shapley) != set(order):
            return f"{where}: subset accuracies {sorted(record.subset_accuracy)} and Shapley values {sorted(record.shapley)} do not fit one set of modalities"
        full = "+".join(order)
        if not _same(record.accuracy, record.subset_accuracy[full]):
            return f"{where}.accuracy {record.accuracy!r} differs from its all-modality subset accuracy ({record.subset_accuracy[full]!r})"
        last = i == len(rounds) - 1
        if (record.batch_class_counts is None) != last:
            return f"{where}.batch_class_counts is {'missing' if not last else 'set'}; only the last round queries no batch"
        if protocol is not None and not last and sum(record.batch_class_counts or ()) != protocol.regime.batch_size:
            return f"{where}.batch_class_counts sum to {sum(record.batch_class_counts or ())}, not the batch size {protocol.regime.batch_size}"
    return None


def truth_difference(result: CellResult, truth: DatasetTruth) -> str | None:
    """How the result's dataset fingerprint and ground truth differ from ``truth``, or ``None``.

    A result on a hidden instance (``provenance.instance`` ≥ 1) checked against a manifest (instance 0)
    records that instance's fingerprint and ground truth, which no manifest holds (a trusted signature
    vouches for them): only its modality subsets are compared. Any other result must match ``truth``
    exactly.
    """
    prov = result.provenance
    ref = f"{prov.dataset}@{prov.dataset_version}"
    if truth.ground_truth is not None and set(result.ground_truth) != set(truth.ground_truth):
        return f"ground_truth has subsets {sorted(result.ground_truth)}, but {ref} has {sorted(truth.ground_truth)}"
    if (prov.instance or 0) != truth.instance:
        if truth.instance == 0:
            return None
        return f"it was scored on instance {prov.instance or 0} of {ref}, not on instance {truth.instance}"
    if prov.dataset_fingerprint != truth.fingerprint:
        return f"dataset fingerprint {prov.dataset_fingerprint} does not match the manifest of {ref} ({truth.fingerprint})"
    for subset, value in sorted((truth.ground_truth or {}).items()):
        if not _same(result.ground_truth[subset], value):
            return f"ground_truth[{subset!r}] {result.ground_truth[subset]!r} differs from the manifest of {ref} ({value!r})"
    return None


def protocol_difference(
    result: CellResult, protocol: Protocol | None, suite: str, benchmark_version: str, protocol_hash: str | None = None
) -> str | None:
    """How the result's benchmark version, suite, protocol hash or seed differ from ``protocol``, the
    suite's protocol for its (dataset, regime) (``None``: the suite has none), or ``None``.
    ``protocol_hash`` is ``protocol.protocol_hash`` when the caller already has it."""
    prov = result.provenance
    if prov.benchmark_version != benchmark_version:
        return f"benchmark version {prov.benchmark_version} is not this release's {benchmark_version}; render it with mmal-bench {prov.benchmark_version} or re-run it"
    if prov.suite != suite:
        return f"it records suite {prov.suite!r}, not {suite!r}"
    if protocol is None:
        return f"{prov.dataset}@{prov.dataset_version} regime {prov.regime} is not part of suite {suite!r}"
    expected = protocol_hash or protocol.protocol_hash
    if prov.protocol_hash != expected:
        return f"protocol hash {prov.protocol_hash} differs from suite {suite!r}'s current protocol ({expected})"
    if prov.seed not in protocol.seeds:
        return f"seed {prov.seed} is not one of the protocol's seeds {_span(protocol.seeds)}"
    return None


def content_difference(result: CellResult, protocol: Protocol | None, truth: DatasetTruth | None) -> str | None:
    """The first way ``result`` differs from what the harness writes under ``protocol`` on the dataset
    ``truth`` describes (either may be ``None`` to skip its part), or ``None``: the rounds, the summary,
    the dataset fingerprint and ground truth."""
    return rounds_difference(result, protocol) or summary_difference(result) or (truth_difference(result, truth) if truth is not None else None)


def refuse(path: Path, difference: str) -> ResultIntegrityError:
    """The one-line error for a file that failed the check: where, what differs, what to do."""
    return ResultIntegrityError(f"{path}: {difference}; {DELETE_AND_RERUN}")


class ResultChecker:
    """`check` every result of one suite against its sources, looking each source up once.

    Parameters
    ----------
    suite: the suite the files must belong to.
    definition: its protocols by (dataset, dataset version, regime) (`suite_definition`); ``None``
        skips the protocol part (tests of the maths on fake suites).
    truth_of: dataset truth lookup (default `manifest_truth`); ``None`` skips the dataset part.
    """

    def __init__(
        self,
        suite: str,
        definition: Mapping[tuple[str, str, str], Protocol] | None,
        truth_of: TruthLookup | None = manifest_truth,
        benchmark_version: str | None = None,
    ) -> None:
        from mmal_bench.version import BENCHMARK_VERSION

        self.suite = suite
        self.definition = definition
        self.truth_of = truth_of
        self.benchmark_version = benchmark_version or BENCHMARK_VERSION
        self._truths: dict[tuple[str, str], DatasetTruth] = {}
        # a protocol hash is a canonical-JSON sha256: computed once per protocol, not once per file
        self._hashes = {key: p.protocol_hash for key, p in (definition or {}).items()}

    def truth(self, path: Path, result: CellResult) -> DatasetTruth | None:
        """The truth of ``result``'s dataset (looked up once per dataset); an unknown one is refused."""
        if self.truth_of is None:
            return None
        key = (result.provenance.dataset, result.provenance.dataset_version)
        if key not in self._truths:
            try:
                self._truths[key] = self.truth_of(*key)
            except Exception as exc:  # noqa: BLE001 - unknown dataset or unreadable manifest: the result cannot be traced
                raise ResultIntegrityError(f"{path}: no manifest for dataset {key[0]}@{key[1]} ({exc})") from None
        return self._truths[key]

    def check(self, path: Path, result: CellResult) -> None:
        """Raise `ResultIntegrityError` naming ``path``, what differs and what to do, unless ``result``
        is what the harness writes for its cell."""
        protocol = None
        if self.definition is not None:
            prov = result.provenance
            key = (prov.dataset, prov.dataset_version, prov.regime)
            protocol = self.definition.get(key)
            found = protocol_difference(result, protocol, self.suite, self.benchmark_version, self._hashes.get(key))
            if found:
                raise refuse(path, found)
        found = content_difference(result, protocol, self.truth(path, result))
        if found:
            raise refuse(path, found)


def suite_definition(suite: str) -> dict[tuple[str, str, str], Protocol]:
    """The current definition of ``suite``: its protocols by (dataset, dataset version, regime)."""
    from mmal_bench.harness.suites import get_suite

    return {(p.dataset, p.dataset_version, p.regime.name): p for p in get_suite(suite).protocols()}


def _same(recorded: float, computed: float) -> bool:
    """Float for float (NaN equals NaN: an undefined share is recorded as NaN, never as a number)."""
    return recorded == computed or (isinstance(recorded, float) and isinstance(computed, float) and math.isnan(recorded) and math.isnan(computed))


def _modality_order(subset_accuracy: Mapping[str, float]) -> list[str] | None:
    """The modalities in dataset order, read off the all-modality subset key (`subset_key` joins in
    dataset order), or ``None`` when the subsets are not every non-empty subset of one set."""
    if not subset_accuracy:
        return None
    full = max(subset_accuracy, key=lambda k: k.count("+"))
    order = full.split("+")
    return order if len(subset_accuracy) == 2 ** len(order) - 1 and len(set(order)) == len(order) else None


def _span(seeds: tuple[int, ...]) -> str:
    ordered = sorted(seeds)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return str(list(ordered))


__all__ = [
    "DELETE_AND_RERUN",
    "DatasetTruth",
    "ResultChecker",
    "content_difference",
    "manifest_truth",
    "protocol_difference",
    "refuse",
    "rounds_difference",
    "suite_definition",
    "summary_difference",
    "truth_difference",
]
