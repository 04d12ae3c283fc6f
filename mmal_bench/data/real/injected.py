"""Semi-synthetic pitfalls injected into real views: each pitfall is its own family of suite 3.0.0.

Real data shows what real views look like; injection adds a pitfall whose size is known. Every
family is applied to two real sources (UCI Multiple Features ``fou`` + ``kar``, Multiview MNIST
``hog0`` + ``hog1``), the second view playing ``b``:

- ``real-mcar``: view a missing completely at random in 20 % of pool and test rows, view b in 40 %.
- ``real-mnar``: view a MCAR 20 %; view b missing at a rate that grows with the class index (40 % on
  average, spread 0.9 as in the synthetic ``missing-mnar``).
- ``real-corrupted``: 15 % of pool rows have one view replaced by the view of a row of another class.
- ``real-noisy-labels``: the oracle returns a uniformly wrong class for 8 % of pool rows (15 % kept the
  full-pool model 0.06-0.10 under the clean reference on these 1,500- and 4,000-row pools).
- ``real-degraded``: view b degraded in pool and test: Gaussian noise of std 1.5 added to its
  z-scored features (a worse sensor).

Ground truth: there is no Bayes truth for real data. For the pool-only pitfalls (corrupted, noisy
labels; the test split is clean) the reference is the source's probe on clean data, the accuracy a
good learner can still reach. For the others the reference is the same probe fitted on the injected
pool and scored on the injected test split (stored in ``injected_meta.json``).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.entry import BuiltDataset, DatasetEntry
from mmal_bench.data.real import multiview_mnist, uci_mfeat
from mmal_bench.data.schema import Split, all_subsets, subset_key
from mmal_bench.data.synthetic import corrupt_split
from mmal_bench.errors import DatasetIntegrityError

VERSION = "3.0.0"
META_PATH = Path(__file__).with_name("injected_meta.json")
CITATION_NOTE = "Injected pitfall (mmal-bench 3.0.0) on the source dataset cited here."


@dataclass(frozen=True)
class Source:
    """A real two-view source: where its clean splits and clean probe truth come from."""

    key: str
    modalities: tuple[str, str]
    splits: Callable[[], tuple[Split, Split]]
    clean_truth: Callable[[], Mapping[str, Mapping[str, float]]]
    class_names: tuple[str, ...]
    dims: tuple[int, int]
    citation: str
    license: str
    pool_size: int
    test_size: int


def _mfeat_splits() -> tuple[Split, Split]:
    views, labels = uci_mfeat.read_views()
    meta = uci_mfeat.load_meta()
    return uci_mfeat.standardised_splits(
        views, labels, np.asarray(meta["pool_rows"], np.int64), np.asarray(meta["test_rows"], np.int64), ("fou", "kar")
    )


SOURCES: dict[str, Source] = {
    "mfeat": Source(
        "mfeat", ("fou", "kar"), _mfeat_splits, lambda: uci_mfeat.load_meta()["ground_truth"], uci_mfeat.CLASS_NAMES,
        (uci_mfeat.VIEW_DIMS["fou"], uci_mfeat.VIEW_DIMS["kar"]), uci_mfeat.CITATION, uci_mfeat.LICENSE,
        uci_mfeat.POOL_SIZE, uci_mfeat.TEST_SIZE,
    ),
    "mnist": Source(
        "mnist", ("hog0", "hog1"), lambda: multiview_mnist.clean_splits(("hog0", "hog1")), lambda: multiview_mnist.load_meta()["ground_truth"],
        multiview_mnist.CLASS_NAMES, (multiview_mnist.VIEW_DIM,) * 2, multiview_mnist.CITATION, multiview_mnist.LICENSE,
        multiview_mnist.POOL_SIZE, multiview_mnist.TEST_SIZE,
    ),
}


@dataclass(frozen=True)
class Pitfall:
    """One injected pitfall family: its knobs and whether it touches the test split."""

    name: str
    seed: int
    pitfall: str
    description: str
    knobs: Mapping[str, float]
    test_side: bool


PITFALLS: tuple[Pitfall, ...] = (
    Pitfall("real-mcar", 401, "missing (MCAR, real)", "view a missing at random in 20% of rows, view b in 40% (pool and test)", {"a_missing": 0.2, "b_missing": 0.4}, True),
    Pitfall(
        "real-mnar", 402, "missing (MNAR, real)", "view a MCAR 20%; view b missing more often for higher classes (40% on average)",
        {"a_missing": 0.2, "b_missing": 0.4, "mnar_strength": 0.9}, True,
    ),
    Pitfall("real-corrupted", 403, "corrupted modality (real)", "15% of pool rows have one view replaced by a row of another class; test clean", {"corruption": 0.15}, False),
    Pitfall("real-noisy-labels", 404, "noisy labels (real)", "the oracle returns a wrong class for 8% of pool rows; test labels clean", {"label_noise": 0.08}, False),
    Pitfall("real-degraded", 405, "degraded view (real)", "view b degraded by Gaussian noise of std 1.5 on its z-scored features (pool and test)", {"b_noise": 1.5}, True),
)


def dataset_name(pitfall: Pitfall, source: Source) -> str:
    return f"{pitfall.name}-{source.key}"


def _rng(pitfall: Pitfall, source: Source, split: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([pitfall.seed, sorted(SOURCES).index(source.key), ("pool", "test").index(split)]))


def _missing(split: Split, modality: str, rate: float, strength: float, n_classes: int, rng: np.random.Generator) -> Split:
    """``modality`` missing at ``rate`` (MCAR), or at a class-dependent rate with mean ``rate`` (MNAR)."""
    rates = np.full(n_classes, rate)
    if strength:
        rates = rate + np.linspace(-1.0, 1.0, n_classes) * strength * min(rate, 1.0 - rate)
    keep = rng.random(len(split.ids)) >= rates[split.clean_labels]
    features = dict(split.features)
    present = dict(split.present)
    features[modality] = np.where(keep[:, None], split.features[modality], np.float32(0.0)).astype(np.float32)
    present[modality] = split.present[modality] & keep
    return Split(features, present, split.ids, split.labels, split.clean_labels, split.corrupted)


def _degraded(split: Split, modality: str, std: float, rng: np.random.Generator) -> Split:
    features = dict(split.features)
    x = split.features[modality]
    features[modality] = (x.astype(np.float64) + std * rng.standard_normal(x.shape)).astype(np.float32)
    return Split(features, split.present, split.ids, split.labels, split.clean_labels, split.corrupted)


def _annotated(split: Split) -> Split:
    return Split(split.features, split.present, split.ids, split.labels, split.labels.copy(), np.zeros(len(split.ids), bool))


def inject(pitfall: Pitfall, source: Source, pool: Split, test: Split) -> tuple[Split, Split]:
    """Apply ``pitfall`` to clean schema-2 splits of ``source``; deterministic in the pitfall and source."""
    a, b = source.modalities
    k = len(source.class_names)
    knobs = pitfall.knobs
    out = []
    for name, split in (("pool", pool), ("test", test)):
        rng = _rng(pitfall, source, name)
        if pitfall.name in ("real-mcar", "real-mnar"):
            split = _missing(split, a, knobs["a_missing"], 0.0, k, rng)
            split = _missing(split, b, knobs["b_missing"], knobs.get("mnar_strength", 0.0), k, rng)
        elif pitfall.name == "real-degraded":
            split = _degraded(split, b, knobs["b_noise"], rng)
        elif name == "pool":  # pool-only pitfalls
            split = corrupt_split(split, k, source.modalities, knobs.get("corruption", 0.0), knobs.get("label_noise", 0.0), rng)
        out.append(split)
    return out[0], out[1]


def injected_splits(pitfall: Pitfall, source: Source) -> tuple[Split, Split]:
    pool, test = source.splits()
    return inject(pitfall, source, _annotated(pool), _annotated(test))


@lru_cache(maxsize=1)
def load_meta() -> dict[str, Any]:
    """Stored probe references of the test-side pitfalls (``injected_meta.json``, package data)."""
    with META_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def truth_of(pitfall: Pitfall, source: Source) -> Mapping[str, Mapping[str, float]]:
    """Reference accuracy per modality subset (keys in the source's view names)."""
    if not pitfall.test_side:
        clean = source.clean_truth()
        return {subset_key(s, source.modalities): clean[subset_key(s, _order(source))] for s in all_subsets(source.modalities)}
    stored = load_meta()["datasets"].get(dataset_name(pitfall, source))
    if stored is None:
        raise DatasetIntegrityError(f"{META_PATH.name} lacks {dataset_name(pitfall, source)}; run `python -m {__name__} --write-meta`")
    return stored


def _order(source: Source) -> tuple[str, ...]:
    return uci_mfeat.VIEWS if source.key == "mfeat" else multiview_mnist.VIEWS


def build(pitfall: Pitfall, source: Source) -> BuiltDataset:
    """The injected dataset: splits, cold starts (balanced on true classes, seeds 0-9), references."""
    pool, test = injected_splits(pitfall, source)
    truth = truth_of(pitfall, source)
    keys = [subset_key(s, source.modalities) for s in all_subsets(source.modalities)]
    return BuiltDataset(
        pool=pool,
        test=test,
        cold_start_order=cold_start_orders(pool.clean_labels, pitfall.seed, seeds=range(10)),
        ground_truth={k: float(truth[k]["accuracy"]) for k in keys},
        ground_truth_se={k: float(truth[k]["se"]) for k in keys},
        spec={"source": source.key, "views": list(source.modalities), "pitfall": pitfall.name, "knobs": dict(pitfall.knobs), "seed": pitfall.seed},
        card_notes=card_notes(pitfall, source),
    )


def card_notes(pitfall: Pitfall, source: Source) -> str:
    a, b = source.modalities
    reference = (
        "the source's probe on **clean** data (the test split is clean, so a good learner can still reach it)"
        if not pitfall.test_side
        else "the same probe fitted on the injected pool and scored on the injected test split"
    )
    return "\n".join(
        [
            "### Injected pitfall",
            "",
            f"Semi-synthetic: real views `{a}` (a) and `{b}` (b) of `{source.key}`, with {pitfall.description}. "
            f"Knobs: {dict(pitfall.knobs)}; injection seed {pitfall.seed}. Family `{pitfall.name}` of suite 3.0.0.",
            "",
            "**The views derive from one image** (feature extractions of the same digit), not separate sensors.",
            "",
            "### Ground truth",
            "",
            f"Bayes ground truth: n/a (real data). The recorded reference per modality subset is {reference}: "
            "a multinomial logistic regression with C chosen by 5-fold cross-validation on the pool (see the source's card).",
        ]
    )


def _entry(pitfall: Pitfall, source: Source) -> DatasetEntry:
    return DatasetEntry(
        name=dataset_name(pitfall, source),
        version=VERSION,
        kind="real",
        pitfall=pitfall.pitfall,
        description=f"{source.key} views {source.modalities[0]} + {source.modalities[1]} with {pitfall.description}.",
        modalities=source.modalities,
        class_names=source.class_names,
        pool_size=source.pool_size,
        test_size=source.test_size,
        citation=source.citation,
        license=source.license,
        build=lambda: build(pitfall, source),
        modality_dims=source.dims,
        schema_version=2,
    )


ENTRIES: tuple[DatasetEntry, ...] = tuple(_entry(p, s) for p in PITFALLS for s in SOURCES.values())


def compute_meta(names: Sequence[str] | None = None) -> dict[str, Any]:
    """Probe references of the test-side pitfalls (run once per version)."""
    from mmal_bench.data.real.probe import probe_accuracy

    out: dict[str, Any] = {}
    for pitfall in PITFALLS:
        for source in SOURCES.values():
            name = dataset_name(pitfall, source)
            if not pitfall.test_side or (names is not None and name not in names):
                continue
            pool, test = injected_splits(pitfall, source)
            truth = {}
            for subset in all_subsets(source.modalities):
                acc, c = probe_accuracy(pool, test, subset)
                truth[subset_key(subset, source.modalities)] = {"accuracy": acc, "se": math.sqrt(acc * (1 - acc) / len(test.ids)), "C": c}
            out[name] = truth
            print(name, {k: round(v["accuracy"], 3) for k, v in truth.items()}, flush=True)
    return {"version": VERSION, "datasets": out}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mmal_bench.data.real.injected --write-meta``: recompute the stored probe references."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-meta", action="store_true", help=f"recompute the test-side probe references into {META_PATH.name}")
    args = parser.parse_args(argv)
    if args.write_meta:
        META_PATH.write_text(json.dumps(compute_meta(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {META_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
