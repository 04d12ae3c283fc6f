"""Tests of mmal_bench.data.suite: the committed manifests match regeneration, and the recorded
ground truth shows each dataset's pitfall (suite 2.0.0, and the archived 1.0.0 byte for byte)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.fingerprint import content_fingerprint
from mmal_bench.data.hub import committed_dir, load_benchmark
from mmal_bench.data.suite import LEGACY_VERSION, SUITE, SUITE_1_0_0, SUITE_VERSION
from mmal_bench.data.synthetic import generate, spec_from_dict
from mmal_bench.paths import REPO_ROOT


def _manifest(name: str, version: str = SUITE_VERSION) -> dict:
    return json.loads((committed_dir(name, version) / "manifest.json").read_text())


@pytest.mark.parametrize("entry", SUITE_1_0_0, ids=lambda e: e.name)
def test_archived_1_0_0_regeneration_matches_its_committed_manifest(entry):
    manifest = _manifest(entry.name, LEGACY_VERSION)
    spec = spec_from_dict(manifest["spec"]["spec"])
    assert spec == entry.build.args[0]  # the manifest records the exact generator spec
    g = generate(spec, annotated=False)
    orders = cold_start_orders(g.pool.labels, base_seed=spec.seed)
    assert content_fingerprint(g.pool, g.test, orders, entry.class_names) == manifest["fingerprint"]
    assert manifest["rows"] == {"pool": 5000, "test": 2000, "cold_start": 10000}


@pytest.mark.parametrize("entry", SUITE, ids=lambda e: e.name)
def test_committed_2_0_0_manifest_records_the_spec_and_fingerprint(entry):
    manifest = _manifest(entry.name)
    assert spec_from_dict(manifest["spec"]["spec"]) == entry.build.args[0]
    assert manifest["fingerprint_scheme"] == "mmal-bench-content-v2"
    pool = 10_000 if entry.name == "noisy-labels" else 5000  # noisy-labels: a larger pool, for the learnability gate
    assert manifest["rows"] == {"pool": pool, "test": 2000, "cold_start": 20000}
    assert manifest["cold_start"]["seeds"] == list(range(20))
    card = (committed_dir(entry.name, SUITE_VERSION) / "README.md").read_text()
    assert card.count(manifest["fingerprint"]) == 1 and "### Changes" in card and "size_categories" in card


def test_renamed_information_gap_holds_the_1_0_0_difficulty_gap_rows():
    old = generate(spec_from_dict(_manifest("difficulty-gap", LEGACY_VERSION)["spec"]["spec"]), annotated=False)
    new = generate(spec_from_dict(_manifest("information-gap")["spec"]["spec"]))
    for m in "ab":
        assert np.array_equal(old.pool.features[m], new.pool.features[m])
    assert np.array_equal(old.pool.labels, new.pool.labels) and np.array_equal(new.pool.labels, new.pool.clean_labels)


def test_recorded_ground_truth_shows_each_pitfall():
    gt = {e.name: {k: v["accuracy"] for k, v in _manifest(e.name)["ground_truth"].items()} for e in SUITE}
    # synergy: each modality alone exactly at chance (binary XOR), together near-perfect
    assert all(abs(gt["synergy"][m] - 0.5) <= 0.02 for m in "ab") and gt["synergy"]["a+b"] > 0.95
    assert all(gt["redundant"][m] > 0.9 for m in "ab") and gt["redundant"]["a+b"] > 0.98
    assert all(0.4 < gt["unique"][m] < 0.6 for m in "ab") and gt["unique"]["a+b"] > 0.9
    # difficulty gap: the same information in both modalities; information gap: b says less
    assert abs(gt["difficulty-gap"]["a"] - gt["difficulty-gap"]["b"]) <= 0.01
    assert gt["information-gap"]["a"] > gt["information-gap"]["b"] + 0.15
    assert gt["information-gap"]["a+b"] > gt["information-gap"]["a"] + 0.05
    assert abs(gt["balanced"]["a"] - gt["balanced"]["b"]) < 0.01 and gt["balanced"]["a+b"] > gt["balanced"]["a"] + 0.1
    assert gt["missing-mnar"]["b"] > gt["missing-mcar"]["b"] + 0.05  # MNAR: presence is informative


def test_recorded_quality_shares():
    quality = {e.name: _manifest(e.name)["quality"] for e in SUITE}
    assert quality["corrupted-modality"] == {"corrupted": 0.15, "noisy_label": 0.0}
    assert quality["noisy-labels"] == {"corrupted": 0.0, "noisy_label": 0.15}
    assert all(q == {"corrupted": 0.0, "noisy_label": 0.0} for n, q in quality.items() if n not in ("corrupted-modality", "noisy-labels"))


def test_a_suite_dataset_builds_loads_and_checks_against_the_committed_fingerprint(home):
    bench = load_benchmark("noisy-labels")
    assert bench.fingerprint == _manifest("noisy-labels")["fingerprint"]
    assert len(bench.pool.ids) == 10_000 and sorted(bench.cold_start_order) == list(range(20))
    assert bench.ground_truth == {k: v["accuracy"] for k, v in _manifest("noisy-labels")["ground_truth"].items()}
    assert np.mean(bench.pool.labels != bench.pool.clean_labels) == 0.15
    assert np.array_equal(bench.test.labels, bench.test.clean_labels)  # test labels stay clean


def test_datasets_folder_is_not_a_package():
    # An __init__.py there would shadow the Hugging Face `datasets` package when run from the repo root.
    assert not (REPO_ROOT / "datasets" / "__init__.py").exists()
