"""Result files: one JSON per cell (strategy × dataset × regime × seed), versioned and tamper-evident.

The schema is validated on write and on read; files are written atomically (temp file, fsync,
rename, folder fsync), so a killed run or a power cut never leaves a half-written result. ``content_hash`` is a sha256 over the
canonical JSON of everything else, so an edited number is detected by `read_result`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness import metrics
from mmal_bench.harness.outdir import TEMP_PREFIX, atomic_write_text, storage_error
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

#: 2: rounds record corrupted / noisy-label batch shares and query CPU time and peak memory; cells
#: record the pool's shares for comparison (benchmark 2.0.0).
SCHEMA_VERSION = 2
#: Fields that measure time or memory: excluded when comparing two runs for determinism.
TIMING_FIELDS = ("train_seconds", "query_seconds", "query_cpu_seconds", "query_peak_bytes", "query_energy_joules")
#: What to do with a result file that is damaged or not what the harness writes: its cell is recomputed
#: by the command that wrote it (`run` replaces such a file, naming it).
DELETE_AND_RERUN = "delete it and re-run (`mmal-bench run` recomputes the cell)"
#: Archived benchmark versions → the package version (git tag ``v<version>``) that reproduces them.
REPRODUCED_BY = {"1.0.0": "0.1.0", "2.0.0": "2.0.0"}
#: Round fields added after schema 2 that only some cells set: left out of a file and its hash when
#: unset, so every file written without them keeps its bytes and hash.
LATER_ROUND_FIELDS = ("unimodal_accuracy",)


class ArchivedResultError(ResultIntegrityError):
    """A result file of another benchmark version: never mixed, never overwritten."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoundRecord(_Strict):
    """What one round measured. Round 0 is the cold-start model; the batch is queried after training."""

    round: int
    n_labeled: int
    accuracy: float
    macro_f1: float
    #: Test accuracy per non-empty modality subset (key: `subset_key`), other modalities zero-ablated.
    subset_accuracy: dict[str, float]
    #: Exact Shapley value of each modality for test accuracy over modality subsets.
    shapley: dict[str, float]
    #: How unevenly the model relies on its modalities, in [0, 1] (0 = equal Shapley shares).
    imbalance: float
    #: Total-variation distance between the model's Shapley shares and the ground truth's, in [0, 1].
    utilization_gap: float
    #: Class counts of the batch queried after this round (None after the last round).
    batch_class_counts: list[int] | None
    #: Share of the queried batch with each modality missing (None after the last round).
    batch_missing_share: dict[str, float] | None
    train_seconds: float
    query_seconds: float | None
    #: Share of the queried batch whose rows have a corrupted modality (None after the last round, or
    #: when the dataset does not record corruption); compare with `PoolShares.corrupted`.
    batch_corrupted_share: float | None = None
    #: Share of the queried batch whose oracle label is wrong (None as above); the harness trains on
    #: the oracle's label, as a real annotation campaign would.
    batch_noisy_label_share: float | None = None
    #: CPU seconds of the harness process during ``select`` (``time.process_time``: all its threads; a
    #: strategy run in a separate worker process is not counted here, only its wall time).
    query_cpu_seconds: float | None = None
    #: Rise of the harness process's peak resident set size during ``select`` (``getrusage`` maxrss,
    #: bytes): 0 when the query stays below an earlier peak, so a lower bound of its extra memory.
    query_peak_bytes: int | None = None
    #: CPU-package energy during ``select`` from RAPL counters (`mmal_bench.harness.energy`), joules;
    #: None where the counters are absent or unreadable (the leaderboard then estimates from CPU time).
    query_energy_joules: float | None = None
    #: Random sampling's cells from benchmark 3.0.0 on (`loop.records_references`): test accuracy of a
    #: unimodal reference model per modality (the benchmark model trained on this round's labelled set
    #: with every other modality absent, in training and at test), the reference game of over-reliance
    #: computed on the instance that is scored. None on every other cell.
    unimodal_accuracy: dict[str, float] | None = None


class PoolShares(_Strict):
    """What the whole pool holds, for comparison with the per-round batch shares.

    ``class_counts`` count true classes; ``corrupted`` / ``noisy_label`` are ``None`` when the dataset
    does not record them (schema-1 and real datasets).
    """

    missing: dict[str, float]
    corrupted: float | None
    noisy_label: float | None
    class_counts: list[int]


class Provenance(_Strict):
    """Everything a number depends on: enough to trace and to reproduce it."""

    benchmark_version: str
    package_version: str
    suite: str
    dataset: str
    dataset_version: str
    dataset_fingerprint: str
    regime: str
    seed: int
    strategy: str
    strategy_source_hash: str
    protocol_hash: str
    packages: dict[str, str]
    #: sha256 over the files of the ``mmal_bench`` package that produced the number (`harness_hash`).
    harness_hash: str | None = None
    #: sha256 over every file of the submission folder (`tree_hash`), for submitted strategies.
    submission_hash: str | None = None
    #: Whether the strategy ran in the submission jail (``False``: the unjailed development mode,
    #: never official); ``None`` for built-ins, which run in the harness's own process.
    jailed: bool | None = None
    #: Which instance of the dataset was scored: 0 is the public one, others are hidden instances.
    instance: int | None = None
    #: Key id of the maintainers' key whose signature the file carries (official results only).
    signed_by: str | None = None


#: Provenance fields added after schema 1: hashed only when set, so files written before them keep their hash.
LATER_PROVENANCE_FIELDS = ("harness_hash", "submission_hash", "jailed", "instance", "signed_by")


class Summary(_Strict):
    """Per-run figures: AUBC (normalised area under the accuracy-vs-labels curve) and friends."""

    aubc: float
    final_accuracy: float
    mean_imbalance: float
    mean_utilization_gap: float


def summarize(rounds: Sequence[RoundRecord]) -> Summary:
    """Per-run figures from the round records (AUBC over the labels axis, means over rounds): what the
    loop writes and what `mmal_bench.harness.verify` recomputes to check a file."""
    return Summary(
        aubc=metrics.aubc([r.n_labeled for r in rounds], [r.accuracy for r in rounds]),
        final_accuracy=rounds[-1].accuracy,
        mean_imbalance=float(np.mean([r.imbalance for r in rounds])),
        mean_utilization_gap=float(np.mean([r.utilization_gap for r in rounds])),
    )


class CellResult(_Strict):
    """One cell's result file."""

    schema_version: Literal[2] = SCHEMA_VERSION
    provenance: Provenance
    ground_truth: dict[str, float]
    rounds: list[RoundRecord]
    summary: Summary
    pool_shares: PoolShares | None = None
    content_hash: str = ""
    #: Ed25519 signature (hex) of ``content_hash`` by the key ``provenance.signed_by`` (official results).
    signature: str | None = None

    @property
    def key(self) -> CellKey:
        p = self.provenance
        return CellKey(suite=p.suite, dataset=p.dataset, dataset_version=p.dataset_version, regime=p.regime, seed=p.seed, strategy=p.strategy)

    def sealed(self) -> CellResult:
        """A copy whose ``content_hash`` matches its content."""
        return self.model_copy(update={"content_hash": content_hash(self)})


class CellKey(BaseModel):
    """Identity of a cell; also fixes where its result file lives."""

    model_config = ConfigDict(frozen=True)

    suite: str
    dataset: str
    dataset_version: str
    regime: str
    seed: int
    strategy: str

    def relative_path(self) -> Path:
        return Path(self.suite) / f"{self.dataset}@{self.dataset_version}" / self.regime / self.strategy / f"seed-{self.seed}.json"


def canonical_json(payload: object) -> str:
    """Deterministic JSON text: sorted keys, fixed separators, floats via ``repr`` (round-trip exact)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def content_hash(result: CellResult) -> str:
    """sha256 over the canonical JSON of ``result`` without its ``content_hash`` and ``signature`` fields
    (and without later provenance fields that are unset)."""
    body = _drop_unset(result.model_dump(mode="json", exclude={"content_hash", "signature"}))
    return "sha256:" + hashlib.sha256(canonical_json(body).encode()).hexdigest()


def result_path(root: Path, key: CellKey) -> Path:
    return Path(root) / key.relative_path()


def write_result(root: Path, result: CellResult) -> Path:
    """Seal and write ``result`` atomically under ``root``; return its path.

    A failed write (disk full, a path too long) leaves no partial file and raises a one-line
    `StorageError`; files written before stay intact.
    """
    sealed = result.sealed()
    path = result_path(root, sealed.key)
    text = json.dumps(_without_unset(sealed), indent=1, sort_keys=True, allow_nan=False) + "\n"
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise storage_error(exc, path, "write result file") from None
    return path


def _reject_non_finite(token: str) -> float:
    # json.loads would turn NaN / Infinity into floats; a result file never holds them (written with
    # allow_nan=False), so one that does was corrupted after writing.
    raise ValueError(f"non-finite number {token} (result files never hold NaN or Infinity)")


def _without_unset(result: CellResult) -> dict:
    """The file's JSON: later optional fields that are unset are left out (older files stay byte-identical)."""
    body = _drop_unset(result.model_dump(mode="json"))
    if body.get("signature") is None:
        body.pop("signature", None)
    return body


def _drop_unset(body: dict) -> dict:
    """``body`` without the later provenance and round fields that are unset (None)."""
    for name in LATER_PROVENANCE_FIELDS:
        if body["provenance"].get(name) is None:
            body["provenance"].pop(name, None)
    for record in body.get("rounds", ()):
        for name in LATER_ROUND_FIELDS:
            if record.get(name) is None:
                record.pop(name, None)
    return body


def tree_hash(folder: Path) -> str:
    """sha256 over every file under ``folder``: sorted relative paths and the sha256 of each file's bytes
    (bytecode caches skipped), so any changed, added or removed file shows as another hash."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.relative_to(folder).parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def harness_hash() -> str:
    """`tree_hash` of the installed ``mmal_bench`` package: code, suite and calibration data, so an
    edited harness shows as another hash."""
    return tree_hash(Path(__file__).resolve().parents[1])


def instance_of(result: CellResult, instances: Mapping[str, int]) -> int:
    """The dataset instance ``instances`` (refs scored on a hidden instance → its number) assigns to
    ``result``'s dataset; 0, the public instance, for any other."""
    return instances.get(f"{result.provenance.dataset}@{result.provenance.dataset_version}", 0)


def with_provenance(
    result: CellResult, instances: Mapping[str, int], harness: str, jailed: bool | None = None, submission_hash: str | None = None
) -> CellResult:
    """``result`` with the provenance fields only the publishing step knows: harness and submission
    hashes, whether it ran jailed, and the dataset instance it was scored on."""
    update = {"harness_hash": harness, "submission_hash": submission_hash, "jailed": jailed, "instance": instance_of(result, instances)}
    return result.model_copy(update={"provenance": result.provenance.model_copy(update=update)})


def scored_as(result: CellResult, instances: Mapping[str, int], signer: str | None = None) -> bool:
    """Whether ``result`` was scored on the instance ``instances`` assigns to its dataset and, when
    ``signer`` is given, signed by that key: results scored otherwise never count as the same cell."""
    prov = result.provenance
    return (prov.instance or 0) == instance_of(result, instances) and (signer is None or prov.signed_by == signer)


def read_result(path: Path) -> CellResult:
    """Read, validate and hash-check one result file; raise `ResultIntegrityError` naming it."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_non_finite)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultIntegrityError(f"{path}: not a readable JSON result file ({exc}); {DELETE_AND_RERUN}") from None
    _refuse_other_versions(path, raw)
    try:
        result = CellResult.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ResultIntegrityError(f"{path}: invalid result file at '{where}': {first['msg']}; {DELETE_AND_RERUN}") from None
    if result.content_hash != content_hash(result):
        raise ResultIntegrityError(f"{path}: content hash mismatch (the file was edited after it was written); {DELETE_AND_RERUN}")
    if path.parts[-5:] != result.key.relative_path().parts:
        raise ResultIntegrityError(
            f"{path}: file location does not match the cell it records ({result.key.relative_path()}); move it back or {DELETE_AND_RERUN}"
        )
    return result


def _refuse_other_versions(path: Path, raw: object) -> None:
    # Checked before the schema, so an archived file gets the one line that says how to read it.
    try:
        version = raw["provenance"]["benchmark_version"]  # type: ignore[index]
    except (TypeError, KeyError):
        return  # not a result at all: the schema check names what is wrong
    if isinstance(version, str) and version != BENCHMARK_VERSION:
        package = REPRODUCED_BY.get(version)
        how = f"use mmal-bench {package} (git tag v{package})" if package else "use the mmal-bench release that wrote it"
        raise ArchivedResultError(
            f"{path}: result of benchmark {version}; mmal-bench {PACKAGE_VERSION} reads benchmark {BENCHMARK_VERSION} only ({how} to read or reproduce it)"
        )


def iter_result_files(root: Path) -> Iterator[Path]:
    """Every result file under ``root`` in sorted order (temp files of interrupted writes skipped)."""
    yield from sorted(p for p in Path(root).rglob("seed-*.json") if not p.name.startswith(TEMP_PREFIX))
