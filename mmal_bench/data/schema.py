"""The benchmark's data schema: in-memory arrays and their Hugging Face `datasets` form.

Every stage after `data/` works on these numpy containers; only `data/` converts to and from
`datasets.Dataset` (columns ``id``, ``label``, and per modality ``m`` + ``m_present``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:  # `datasets` costs ~1 s to import; `mmal-bench datasets list` must not pay it
    import datasets

PRESENT_SUFFIX = "_present"
#: Metric-only columns of schema-2 datasets: the true class of a row (``label`` is what the oracle, the
#: annotator, says) and whether one of its modalities was replaced by another row's vector.
CLEAN_LABEL = "clean_label"
CORRUPTED = "corrupted"


def subset_key(subset: Iterable[str], order: Sequence[str]) -> str:
    """Canonical name of a modality subset: members in dataset order joined by ``+``."""
    members = set(subset)
    unknown = members - set(order)
    if unknown:
        raise ValueError(f"unknown modalities {sorted(unknown)}; known: {list(order)}")
    return "+".join(m for m in order if m in members)


def all_subsets(modalities: Sequence[str]) -> list[tuple[str, ...]]:
    """Every non-empty subset of ``modalities`` in canonical order (singletons first, full set last)."""
    return [c for k in range(1, len(modalities) + 1) for c in combinations(modalities, k)]


@dataclass(frozen=True)
class ModalBatch:
    """Features and presence masks of some samples, per modality.

    ``features[m]`` is float32 ``(n, d_m)``; ``present[m]`` is bool ``(n,)``. A missing modality is
    ``present=False`` with an all-zero vector: models and strategies see the same masks.
    """

    features: Mapping[str, np.ndarray]
    present: Mapping[str, np.ndarray]

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(self.features)

    def __len__(self) -> int:
        return len(next(iter(self.present.values())))

    def take(self, index: np.ndarray | slice) -> ModalBatch:
        """Rows ``index`` (positions, not ids) as a new batch: views for a slice of plain arrays, else
        copies; a batch of `PoolRows` gives `PoolRows` of those rows, read only when used."""
        return ModalBatch(_take(self.features, index), _take(self.present, index))

    def restricted_to(self, keep: Iterable[str]) -> ModalBatch:
        """The same rows with every modality outside ``keep`` made absent (zero vector, False)."""
        keep = set(keep)
        return ModalBatch(
            {m: x if m in keep else np.zeros_like(x) for m, x in self.features.items()},
            {m: p if m in keep else np.zeros_like(p) for m, p in self.present.items()},
        )

    def read_only(self) -> ModalBatch:
        """A view whose arrays cannot be written to (handed to untrusted strategy code)."""
        return ModalBatch(
            {m: _frozen(x) for m, x in self.features.items()},
            {m: _frozen(p) for m, p in self.present.items()},
        )


class PoolRows(Mapping[str, np.ndarray]):
    """Rows ``positions`` of per-modality arrays (``source``), read without copying them all up front.

    A strategy's view of the pool is a `ModalBatch` of these. ``batch.features[m]`` gathers the rows on
    first read (a read-only array, kept for later reads); `ModalBatch.take` gives another `PoolRows` of
    fewer rows without reading any; a model's input pass writes the rows straight from ``source`` into
    its input tensor (`write_rows`). So a view costs no copy of the pool, and a model run over a
    million-row view reads one block of rows at a time. Whatever is read equals ``source[m][positions]``
    element for element.
    """

    def __init__(self, source: Mapping[str, np.ndarray], positions: np.ndarray) -> None:
        self._source = dict(source)
        positions = np.asarray(positions, dtype=np.int64)
        n = len(next(iter(self._source.values()))) if self._source else 0
        if len(positions) and (positions.min() < 0 or positions.max() >= n):
            raise IndexError(f"row positions must lie in [0, {n})")
        # one read-only positions array can serve several mappings (a view's features and presence)
        self._positions = positions if not positions.flags.writeable else _freeze(positions.copy())
        self._gathered: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._gathered:
            self._gathered[name] = frozen_take(self._source[name], self._positions)
        return self._gathered[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)

    def subset(self, index: np.ndarray | slice) -> PoolRows:
        """Rows ``index`` of these rows, still unread."""
        return PoolRows(self._source, self._positions[index])

    def gather_into(self, name: str, out: np.ndarray) -> None:
        """`write_rows` for these rows: gathered from the source straight into ``out``."""
        source = self._source[name]
        _check_rows(name, (len(self._positions), *source.shape[1:]), out.shape)
        if source.dtype == out.dtype:  # positions were checked on construction: "clip" only skips a buffer
            np.take(source, self._positions, axis=0, out=out, mode="clip")
        else:
            out[...] = np.take(source, self._positions, axis=0)


def write_rows(arrays: Mapping[str, np.ndarray], name: str, out: np.ndarray) -> None:
    """Write the rows of ``arrays[name]`` into ``out`` (``(rows, width)``, any strides), cast to its dtype;
    a `PoolRows` gathers them from its source without an intermediate copy. A row count or width other
    than ``out``'s is a one-line `ValueError` naming ``name``."""
    if isinstance(arrays, PoolRows):
        arrays.gather_into(name, out)
        return
    rows = np.asarray(arrays[name], dtype=out.dtype)
    _check_rows(name, rows.shape, out.shape)
    out[...] = rows


def _check_rows(name: str, shape: tuple[int, ...], out_shape: tuple[int, ...]) -> None:
    if len(shape) != 2 or shape[1] != out_shape[1]:
        raise ValueError(f"modality {name!r} has rows of shape {shape[1:]}; expected ({out_shape[1]},)")
    if shape[0] != out_shape[0]:
        raise ValueError(f"modality {name!r} has {shape[0]} rows; expected {out_shape[0]}")


def _take(arrays: Mapping[str, np.ndarray], index: np.ndarray | slice) -> Mapping[str, np.ndarray]:
    if isinstance(arrays, PoolRows):
        return arrays.subset(index)
    return {m: x[index] for m, x in arrays.items()}


@dataclass(frozen=True)
class Split(ModalBatch):
    """A labelled split (``pool`` or ``test``): a `ModalBatch` plus ``ids`` and ``labels`` (int64).

    ``labels`` are what the oracle answers (the harness reveals and trains on them). Schema-2 datasets
    also carry, for metrics only, ``clean_labels`` (the true classes; they differ from ``labels`` on
    noisy-label rows) and ``corrupted`` (bool: a modality of the row holds another row's vector);
    ``None`` where the dataset does not record them. A strategy never sees either (`build_view`).
    """

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    clean_labels: np.ndarray | None = None
    corrupted: np.ndarray | None = None

    def take(self, index: np.ndarray) -> Split:
        batch = ModalBatch.take(self, index)
        return Split(
            batch.features,
            batch.present,
            self.ids[index],
            self.labels[index],
            None if self.clean_labels is None else self.clean_labels[index],
            None if self.corrupted is None else self.corrupted[index],
        )

    @property
    def annotated(self) -> bool:
        """Whether the split records clean labels and corruption flags (schema 2)."""
        return self.clean_labels is not None and self.corrupted is not None

    @property
    def noisy_label(self) -> np.ndarray | None:
        """Bool per row: the oracle's label differs from the true class (``None`` if not recorded)."""
        return None if self.clean_labels is None else self.labels != self.clean_labels

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of ``ids`` (ids of a benchmark split are ``0..n-1`` in row order)."""
        return np.asarray(ids, dtype=np.int64)


@dataclass(frozen=True)
class BenchmarkData:
    """One loaded benchmark dataset: splits, official cold-start orders and ground truth.

    ``cold_start_order[seed]`` is an ordering of pool ids whose every prefix is class-balanced (round
    robin over classes); the cold-start labelled set of size k for a seed is its first k ids. It is
    published with the dataset, never re-derived from an RNG at load time.

    ``ground_truth[subset_key]`` is the accuracy a good classifier reaches on the test distribution
    using only that modality subset (closed form or large-sample estimate, see the dataset card).
    """

    name: str
    version: str
    fingerprint: str
    modalities: tuple[str, ...]
    class_names: tuple[str, ...]
    pool: Split
    test: Split
    cold_start_order: Mapping[int, np.ndarray]
    ground_truth: Mapping[str, float]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def cold_start(self, seed: int, size: int) -> np.ndarray:
        """The official cold-start labelled ids for ``seed`` and ``size``."""
        if seed not in self.cold_start_order:
            raise KeyError(f"{self.ref} publishes cold-start sets for seeds {sorted(self.cold_start_order)}, not {seed}")
        order = self.cold_start_order[seed]
        if size > len(order):
            raise ValueError(f"{self.ref} cold-start order for seed {seed} has {len(order)} ids; {size} asked")
        return order[:size].copy()


def hf_features(modality_dims: Mapping[str, int], class_names: Sequence[str], annotated: bool = False) -> datasets.Features:
    """The typed `datasets.Features` of a benchmark split (fixed-length float32 vectors).

    ``annotated`` adds the schema-2 metric-only columns `CLEAN_LABEL` and `CORRUPTED` (both splits
    carry them, so one features spec describes the whole config).
    """
    import datasets

    spec: dict[str, datasets.features.FeatureType] = {
        "id": datasets.Value("int64"),
        "label": datasets.ClassLabel(names=list(class_names)),
    }
    if annotated:
        spec[CLEAN_LABEL] = datasets.ClassLabel(names=list(class_names))
        spec[CORRUPTED] = datasets.Value("bool")
    for m, d in modality_dims.items():
        spec[m] = datasets.List(datasets.Value("float32"), length=int(d))
        spec[m + PRESENT_SUFFIX] = datasets.Value("bool")
    return datasets.Features(spec)


def split_to_hf(split: Split, class_names: Sequence[str]) -> datasets.Dataset:
    """Convert a `Split` to a typed `datasets.Dataset` (columns as in DESIGN.md, "Data")."""
    import datasets

    dims = {m: x.shape[1] for m, x in split.features.items()}
    columns: dict[str, object] = {"id": split.ids.astype(np.int64), "label": split.labels.astype(np.int64)}
    if split.annotated:
        columns[CLEAN_LABEL] = np.asarray(split.clean_labels, dtype=np.int64)
        columns[CORRUPTED] = np.asarray(split.corrupted, dtype=bool)
    for m in split.modalities:
        columns[m] = split.features[m].astype(np.float32)
        columns[m + PRESENT_SUFFIX] = split.present[m].astype(bool)
    return datasets.Dataset.from_dict(columns, features=hf_features(dims, class_names, split.annotated))


def hf_to_split(ds: datasets.Dataset, modalities: Sequence[str]) -> Split:
    """Convert a typed `datasets.Dataset` back to a `Split` (one columnar read per column)."""
    arrow = ds.with_format("numpy")
    features = {m: np.ascontiguousarray(arrow[m][:], dtype=np.float32) for m in modalities}
    present = {m: np.asarray(arrow[m + PRESENT_SUFFIX][:], dtype=bool) for m in modalities}
    annotated = CLEAN_LABEL in ds.column_names and CORRUPTED in ds.column_names
    return Split(
        features,
        present,
        np.asarray(arrow["id"][:], dtype=np.int64),
        np.asarray(arrow["label"][:], dtype=np.int64),
        np.asarray(arrow[CLEAN_LABEL][:], dtype=np.int64) if annotated else None,
        np.asarray(arrow[CORRUPTED][:], dtype=bool) if annotated else None,
    )


def arrow_to_split(table: pa.Table, modalities: Sequence[str]) -> Split:
    """Convert an arrow table with the benchmark schema to a `Split` without a row-wise pass.

    Same result as `hf_to_split` on the equivalent `datasets.Dataset`, ~50x faster: fixed-size list
    columns are reshaped from their flat value buffers.
    """

    def vectors(name: str) -> np.ndarray:
        column = table.column(name).combine_chunks()
        if not pa.types.is_fixed_size_list(column.type):
            raise ValueError(f"column {name!r} must be a fixed-length float32 vector, got {column.type}")
        if column.null_count:
            raise ValueError(f"column {name!r} has null rows")
        flat = column.flatten().to_numpy(zero_copy_only=False)
        return np.ascontiguousarray(flat.reshape(len(column), column.type.list_size), dtype=np.float32)

    def plain(name: str, dtype: type) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=dtype)

    annotated = CLEAN_LABEL in table.column_names and CORRUPTED in table.column_names
    return Split(
        {m: vectors(m) for m in modalities},
        {m: plain(m + PRESENT_SUFFIX, bool) for m in modalities},
        plain("id", np.int64),
        plain("label", np.int64),
        plain(CLEAN_LABEL, np.int64) if annotated else None,
        plain(CORRUPTED, bool) if annotated else None,
    )


def modalities_of(features: datasets.Features) -> tuple[str, ...]:
    """Modality names of a benchmark `Features` (every column with a ``_present`` twin)."""
    return tuple(c for c in features if c + PRESENT_SUFFIX in features)


def frozen_take(array: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Rows ``positions`` of ``array`` as a new read-only array that owns its memory (so not even
    ``.base`` leads to a writable array or back to ``array``)."""
    return _freeze(np.take(array, positions, axis=0))


def _freeze(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _frozen(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view
