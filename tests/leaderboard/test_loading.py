"""Result loading refuses tampered files, unverifiable sources and mixed versions, naming the file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from leaderboard_factory import catalog_for, fingerprint_of, make_result, write_suite

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness.results import write_result
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.loading import load_results
from mmal_bench.version import BENCHMARK_VERSION

LEVELS = {"random": 0.6, "entropy": 0.65}


def _load(root: Path, **kwargs):
    kwargs.setdefault("catalog", catalog_for(LEVELS))
    kwargs.setdefault("fingerprint_of", fingerprint_of)
    return load_results(root, **kwargs)


def test_loads_sorted_and_verified(tmp_path: Path) -> None:
    write_suite(tmp_path, LEVELS, datasets=("redundant",), regimes=("low",), seeds=(1, 0))
    loaded = _load(tmp_path)
    assert loaded.suite == "quick" and loaded.benchmark_version == BENCHMARK_VERSION
    assert [(r.provenance.strategy, r.provenance.seed) for r in loaded.results] == [("entropy", 0), ("entropy", 1), ("random", 0), ("random", 1)]
    assert loaded.strategies == ("entropy", "random")


def test_edited_number_is_detected(tmp_path: Path) -> None:
    paths = write_suite(tmp_path, LEVELS, datasets=("redundant",), regimes=("low",), seeds=(0,))
    raw = json.loads(paths[0].read_text())
    raw["summary"]["aubc"] = 0.99
    paths[0].write_text(json.dumps(raw, indent=1, sort_keys=True))
    with pytest.raises(ResultIntegrityError, match=rf"{paths[0]}: content hash mismatch"):
        _load(tmp_path)


def test_moved_file_is_detected(tmp_path: Path) -> None:
    paths = write_suite(tmp_path, LEVELS, datasets=("redundant",), regimes=("low",), seeds=(0,))
    moved = paths[0].with_name("seed-7.json")
    paths[0].rename(moved)
    with pytest.raises(ResultIntegrityError, match="file location does not match"):
        _load(tmp_path)


def test_mixed_benchmark_versions_refused(tmp_path: Path) -> None:
    write_result(tmp_path, make_result("random", seed=0))
    write_result(tmp_path, make_result("entropy", seed=0, benchmark_version="0.9.0"))
    # every file is checked against the current benchmark version first (versions never mix)
    with pytest.raises(ResultIntegrityError, match=rf"result of benchmark 0\.9\.0; mmal-bench .* reads benchmark {re.escape(BENCHMARK_VERSION)} only"):
        _load(tmp_path)


def test_mixed_protocols_refused(tmp_path: Path) -> None:
    write_result(tmp_path, make_result("random", seed=0))
    write_result(tmp_path, make_result("entropy", seed=0, protocol_hash="sha256:" + "d" * 64))
    with pytest.raises(ResultIntegrityError, match="mixes protocol hashes for redundant/1.0.0/low"):
        _load(tmp_path)


def test_mixed_fingerprints_refused(tmp_path: Path) -> None:
    write_result(tmp_path, make_result("random", seed=0))
    write_result(tmp_path, make_result("entropy", seed=0, fingerprint="sha256:" + "e" * 64))
    with pytest.raises(ResultIntegrityError, match="mixes dataset fingerprints for redundant/1.0.0"):
        _load(tmp_path, fingerprint_of=None)


def test_fingerprint_must_match_the_manifest(tmp_path: Path) -> None:
    path = write_result(tmp_path, make_result("random", seed=0, fingerprint="sha256:" + "e" * 64))
    with pytest.raises(ResultIntegrityError, match=rf"{path}: dataset fingerprint sha256:e+ does not match the manifest of redundant@1\.0\.0"):
        _load(tmp_path)


def test_unknown_dataset_manifest_names_the_file(tmp_path: Path) -> None:
    path = write_result(tmp_path, make_result("random", seed=0))

    def nowhere(name: str, version: str) -> str:
        raise KeyError(name)

    with pytest.raises(ResultIntegrityError, match=rf"{path}: no manifest for dataset redundant@1\.0\.0"):
        _load(tmp_path, fingerprint_of=nowhere)


def test_strategy_source_must_match(tmp_path: Path) -> None:
    path = write_result(tmp_path, make_result("random", seed=0))
    stale = {"random": StrategyInfo("random", "unimodal", "sha256:" + "0" * 64)}
    with pytest.raises(ResultIntegrityError, match=rf"{path}: strategy source hash .* does not match the current source of 'random'"):
        _load(tmp_path, catalog=stale)
    with pytest.raises(ResultIntegrityError, match="neither built in nor a submission"):
        _load(tmp_path, catalog={})
    assert len(_load(tmp_path, catalog={}, verify_sources=False).results) == 1


def test_suite_selection(tmp_path: Path) -> None:
    write_result(tmp_path, make_result("random", seed=0, suite="quick"))
    write_result(tmp_path, make_result("random", seed=0, suite="standard"))
    with pytest.raises(ResultIntegrityError, match=r"several suites \(quick, standard\); choose one with --suite"):
        _load(tmp_path)
    assert _load(tmp_path, suite="standard").suite == "standard"
    with pytest.raises(ResultIntegrityError, match="no results of suite 'other'"):
        _load(tmp_path, suite="other")
    with pytest.raises(ResultIntegrityError, match="does not exist"):
        _load(tmp_path / "nope")
