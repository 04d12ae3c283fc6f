"""Tests of mmal_bench.data.suite: the committed manifests match regeneration, and the recorded
ground truth shows each dataset's pitfall."""

from __future__ import annotations

import json

import pytest

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.fingerprint import content_fingerprint
from mmal_bench.data.hub import committed_dir, load_benchmark
from mmal_bench.data.suite import SUITE
from mmal_bench.data.synthetic import generate, spec_from_dict
from mmal_bench.paths import REPO_ROOT


def _manifest(name: str) -> dict:
    return json.loads((committed_dir(name, "1.0.0") / "manifest.json").read_text())


@pytest.mark.parametrize("entry", SUITE, ids=lambda e: e.name)
def test_regeneration_matches_the_committed_manifest(entry):
    manifest = _manifest(entry.name)
    spec = spec_from_dict(manifest["spec"]["spec"])
    assert spec == entry.build.args[0]  # the manifest records the exact generator spec
    g = generate(spec)
    orders = cold_start_orders(g.pool.labels, base_seed=spec.seed)
    assert content_fingerprint(g.pool, g.test, orders, entry.class_names) == manifest["fingerprint"]
    assert manifest["rows"] == {"pool": 5000, "test": 2000, "cold_start": 10000}
    assert (committed_dir(entry.name, "1.0.0") / "README.md").read_text().count(manifest["fingerprint"]) == 1


def test_recorded_ground_truth_shows_each_pitfall():
    gt = {e.name: {k: v["accuracy"] for k, v in _manifest(e.name)["ground_truth"].items()} for e in SUITE}
    assert all(abs(gt["synergy"][m] - 0.25) < 0.01 for m in "ab") and gt["synergy"]["a+b"] > 0.85
    assert all(gt["redundant"][m] > 0.9 for m in "ab") and gt["redundant"]["a+b"] > 0.98
    assert all(0.4 < gt["unique"][m] < 0.6 for m in "ab") and gt["unique"]["a+b"] > 0.9
    assert gt["difficulty-gap"]["a"] > gt["difficulty-gap"]["b"] + 0.15 and gt["difficulty-gap"]["a+b"] > gt["difficulty-gap"]["a"] + 0.05
    assert abs(gt["balanced"]["a"] - gt["balanced"]["b"]) < 0.01 and gt["balanced"]["a+b"] > gt["balanced"]["a"] + 0.1
    assert gt["missing-mnar"]["b"] > gt["missing-mcar"]["b"] + 0.05  # MNAR: presence is informative


def test_a_suite_dataset_builds_loads_and_checks_against_the_committed_fingerprint(home):
    bench = load_benchmark("synergy")
    assert bench.fingerprint == _manifest("synergy")["fingerprint"]
    assert len(bench.pool.ids) == 5000 and sorted(bench.cold_start_order) == list(range(10))
    assert bench.ground_truth == {k: v["accuracy"] for k, v in _manifest("synergy")["ground_truth"].items()}


def test_datasets_folder_is_not_a_package():
    # An __init__.py there would shadow the Hugging Face `datasets` package when run from the repo root.
    assert not (REPO_ROOT / "datasets" / "__init__.py").exists()
