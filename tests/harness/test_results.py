"""Result files: schema validated both ways, atomic sealed writes, tamper and misplacement detected."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness.results import (
    ArchivedResultError,
    CellResult,
    Provenance,
    RoundRecord,
    Summary,
    canonical_json,
    content_hash,
    iter_result_files,
    read_result,
    write_result,
)
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION


def _result(seed: int = 0, accuracy: float = 0.5) -> CellResult:
    provenance = Provenance(
        benchmark_version=BENCHMARK_VERSION,
        package_version=PACKAGE_VERSION,
        suite="quick",
        dataset="redundant",
        dataset_version="1.0.0",
        dataset_fingerprint="sha256:" + "a" * 64,
        regime="low",
        seed=seed,
        strategy="random",
        strategy_source_hash="sha256:" + "b" * 64,
        protocol_hash="sha256:" + "c" * 64,
        packages={"torch": "2.13.0"},
    )
    record = RoundRecord(
        round=0,
        n_labeled=10,
        accuracy=accuracy,
        macro_f1=accuracy,
        subset_accuracy={"a": 0.4, "b": 0.3, "a+b": accuracy},
        shapley={"a": 0.2, "b": 0.1},
        imbalance=1 / 3,
        utilization_gap=0.1,
        batch_class_counts=None,
        batch_missing_share=None,
        train_seconds=0.1,
        query_seconds=None,
    )
    summary = Summary(aubc=accuracy, final_accuracy=accuracy, mean_imbalance=1 / 3, mean_utilization_gap=0.1)
    return CellResult(provenance=provenance, ground_truth={"a": 0.5, "b": 0.4, "a+b": 0.9}, rounds=[record], summary=summary)


def test_write_then_read_round_trips_exactly(tmp_path: Path) -> None:
    path = write_result(tmp_path, _result())
    assert path == tmp_path / "quick" / "redundant@1.0.0" / "low" / "random" / "seed-0.json"
    back = read_result(path)
    assert back == _result().sealed()
    assert back.content_hash == content_hash(back) and back.content_hash.startswith("sha256:")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert list(iter_result_files(tmp_path)) == [path]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_an_edited_number_is_detected(tmp_path: Path) -> None:
    path = write_result(tmp_path, _result())
    raw = json.loads(path.read_text())
    raw["rounds"][0]["accuracy"] = 0.99
    path.write_text(json.dumps(raw))
    with pytest.raises(ResultIntegrityError, match=r"content hash mismatch \(the file was edited after it was written\); delete it and re-run"):
        read_result(path)


def test_a_file_moved_to_another_cell_is_detected(tmp_path: Path) -> None:
    path = write_result(tmp_path, _result(seed=0))
    moved = path.with_name("seed-1.json")
    path.rename(moved)
    with pytest.raises(ResultIntegrityError, match="file location does not match the cell"):
        read_result(moved)



def test_an_unset_later_round_field_stays_out_of_the_file_and_its_hash(tmp_path: Path) -> None:
    """Only random's 3.0.0 cells record unimodal reference accuracies: every other file keeps the bytes
    and hash it had without the field, and a set one round-trips and is hashed."""
    plain = write_result(tmp_path / "plain", _result())
    raw = json.loads(plain.read_text())
    assert "unimodal_accuracy" not in raw["rounds"][0]
    assert raw.pop("content_hash") == "sha256:" + hashlib.sha256(canonical_json(raw).encode()).hexdigest()
    result = _result()
    rounds = [result.rounds[0].model_copy(update={"unimodal_accuracy": {"a": 0.4, "b": 0.3}})]
    path = write_result(tmp_path / "refs", result.model_copy(update={"rounds": rounds}))
    back = read_result(path)
    assert back.rounds[0].unimodal_accuracy == {"a": 0.4, "b": 0.3} and back.content_hash != read_result(plain).content_hash

@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a readable JSON result file"),
        ('{"schema_version": 3}', "invalid result file at 'schema_version'"),
    ],
)
def test_malformed_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "quick" / "redundant@1.0.0" / "low" / "random" / "seed-0.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ResultIntegrityError, match=message):
        read_result(path)


def test_unknown_fields_and_nan_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        CellResult.model_validate({**_result().model_dump(), "extra": 1})
    with pytest.raises(ValueError):
        write_result(tmp_path, _result(accuracy=float("nan")))
    assert not list(tmp_path.rglob("*.json"))


@pytest.mark.parametrize(("version", "schema", "package"), [("1.0.0", 1, "0.1.0"), ("2.0.0", 2, "2.0.0")])
def test_an_archived_benchmark_version_is_refused_with_the_package_that_reads_it(tmp_path: Path, version: str, schema: int, package: str) -> None:
    path = write_result(tmp_path, _result())
    raw = json.loads(path.read_text())
    raw["schema_version"] = schema
    raw["provenance"]["benchmark_version"] = version
    path.write_text(json.dumps(raw))
    with pytest.raises(ArchivedResultError) as info:
        read_result(path)
    message = str(info.value)
    assert "\n" not in message and f"benchmark {version};" in message and f"mmal-bench {package} (git tag v{package})" in message
