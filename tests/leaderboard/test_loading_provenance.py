"""Result files are checked against the current suite definition and the trusted keys, not only
against each other: a resealed folder with another protocol hash or version is refused in one line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness import signing
from mmal_bench.harness.results import CellResult, read_result, write_result
from mmal_bench.harness.signing import generate_keys, load_private_key, sign_result
from mmal_bench.leaderboard.loading import load_results
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION



@pytest.fixture(scope="module")
def current_cell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real cell of the current `standard` suite (random on unique-v1@3.0.0, low regime, seed 0),
    written by the harness: what the leaderboard must accept before any tampering."""
    from mmal_bench.data.hub import load_benchmark
    from mmal_bench.harness.loop import builtin_entry, run_group
    from mmal_bench.harness.suites import get_suite

    (protocol,) = get_suite("standard").protocols(datasets=["unique-v1"], regimes=["low"])
    data = load_benchmark(protocol.dataset, protocol.dataset_version)
    outcome = run_group(data, protocol, 0, [builtin_entry("random")])
    root = tmp_path_factory.mktemp("current") / "results"
    write_result(root, outcome.results["random"])
    return root


@pytest.fixture
def copy_folder(current_cell: Path, tmp_path: Path):
    def copy(_: Path) -> Path:
        root = tmp_path / "results"
        shutil.copytree(current_cell, root)
        return root

    return copy


def reseal(root: Path, **provenance) -> None:
    for path in sorted(root.rglob("seed-*.json")):
        raw = json.loads(path.read_text())
        raw["provenance"].update(provenance)
        path.unlink()
        write_result(root, CellResult.model_validate(raw))


def test_harness_written_files_load_and_are_unsigned(tmp_path: Path, copy_folder) -> None:
    loaded = load_results(copy_folder(tmp_path))
    assert loaded.results and not any(loaded.signed)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"protocol_hash": "sha256:" + "0" * 64}, r"protocol hash sha256:0+ differs from suite '\w+''s current protocol"),
        (
            {"benchmark_version": "0.9.0"},
            rf"result of benchmark 0\.9\.0; mmal-bench {re.escape(PACKAGE_VERSION)} reads benchmark {re.escape(BENCHMARK_VERSION)} only",
        ),
        ({"instance": 1}, r"a result on hidden instance 1 must be signed by a key in leaderboard/keys"),
    ],
)
def test_resealed_folder_is_refused(tmp_path: Path, copy_folder, change: dict, message: str) -> None:
    root = copy_folder(tmp_path)
    reseal(root, **change)  # every file consistent with the others, hashes recomputed
    with pytest.raises(ResultIntegrityError, match=message) as info:
        load_results(root)
    assert "\n" not in str(info.value)


def test_signed_files_verify_and_a_forged_signature_is_refused(tmp_path: Path, copy_folder, monkeypatch) -> None:
    key = load_private_key(generate_keys(tmp_path / "maint.key", tmp_path / "keys")[0])
    monkeypatch.setattr(signing, "TRUSTED_KEYS_DIR", tmp_path / "keys")
    monkeypatch.setattr(signing, "PINNED_SIGNERS", ((BENCHMARK_VERSION, signing.key_id(key.public_key())),))
    root = copy_folder(tmp_path)
    paths = sorted(root.rglob("seed-*.json"))
    for path in paths:
        write_result(root, sign_result(read_result(path), key))
    assert all(load_results(root).signed)
    raw = json.loads(paths[0].read_text())
    raw["summary"]["final_accuracy"] = 1.0
    paths[0].unlink()
    write_result(root, CellResult.model_validate(raw))  # resealed bare hash, old signature kept
    with pytest.raises(ResultIntegrityError, match=r"the signature does not match the content"):
        load_results(root)
