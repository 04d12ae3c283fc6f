"""The general converter: a Hugging Face dataset (precomputed features or raw text/image/audio/frames
columns + one encoder per modality) -> benchmark schema (float32 vectors, presence masks, ground truth).

A missing raw item (None, empty text, missing or empty file) becomes an absent modality (present
False, zero vector). Every user mistake raises one `MMALBenchError` naming the column, file or modality.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.real.encoders import Encoder
from mmal_bench.data.entry import BuiltDataset
from mmal_bench.data.schema import Split
from mmal_bench.errors import ConfigError, DatasetIntegrityError, DatasetNotFoundError

Kind = Literal["features", "text", "image", "audio", "frames"]
KINDS: tuple[str, ...] = ("features", "text", "image", "audio", "frames")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")


@dataclass(frozen=True)
class ModalitySpec:
    """One benchmark modality: which source column feeds it, what it holds, how it is encoded.

    ``kind="features"`` columns already hold fixed-length vectors (no encoder). Raw kinds need an
    ``encoder`` (see `mmal_bench.data.real.encoders`). A raw value may be the item itself (text,
    PIL image, ``{"array", "sampling_rate"}``), an HF ``{"bytes", "path"}`` dict, or a file path
    (absolute, or relative to the converter's ``root``); ``frames`` values are a folder of images
    or a list of image paths.
    """

    name: str
    column: str
    kind: Kind
    encoder: Encoder | None = None
    encoder_name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"modality {self.name!r}: kind {self.kind!r} must be one of {', '.join(KINDS)}")
        if self.kind != "features" and self.encoder is None:
            raise ConfigError(f"modality {self.name!r}: raw {self.kind} column {self.column!r} needs an encoder")
        if not self.encoder_name:
            default = "precomputed" if self.encoder is None else getattr(self.encoder, "name", type(self.encoder).__name__)
            object.__setattr__(self, "encoder_name", str(default))


@dataclass(frozen=True)
class ConvertOptions:
    """How rows become pool/test splits and how ground truth is measured (data, recorded in the spec)."""

    label_column: str = "label"
    pool_split: str = "train"
    test_split: str | None = "test"
    #: used when ``test_split`` is None or absent from the source: stratified, seeded
    test_fraction: float = 0.2
    split_seed: int = 0
    #: base seed of the published cold-start orders
    seed: int = 0
    #: folder that relative file paths in raw columns are resolved against
    root: str | None = None
    #: a raw file path that does not exist: ``absent`` (missing modality) or ``error``
    on_missing_file: Literal["absent", "error"] = "absent"
    batch_size: int = 256
    #: the ground-truth probe fits on at most this many (stratified) pool rows
    probe_max_rows: int = 20000
    probe_cs: tuple[float, ...] = (0.01, 0.1, 1.0)
    probe_folds: int = 5


@dataclass(frozen=True)
class Converted:
    """The converter's result: the benchmark content plus what a card needs to describe it."""

    modalities: tuple[str, ...]
    class_names: tuple[str, ...]
    built: BuiltDataset
    encoders: Mapping[str, str] = field(default_factory=dict)
    absent_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def modality_dims(self) -> tuple[int, ...]:
        return tuple(int(self.built.pool.features[m].shape[1]) for m in self.modalities)


def load_source(source: Any, revision: str | None = None) -> Any:
    """A `datasets.DatasetDict` from a local folder, a saved dataset, a hub id at a pinned revision,
    or an in-memory `Dataset`/`DatasetDict` (returned as is; a bare `Dataset` becomes split ``train``).
    """
    import datasets

    if isinstance(source, datasets.DatasetDict):
        return source
    if isinstance(source, datasets.Dataset):
        return datasets.DatasetDict({"train": source})
    path = Path(str(source)).expanduser()
    try:
        if path.exists():
            if (path / "dataset_dict.json").is_file() or (path / "dataset_info.json").is_file():
                loaded = datasets.load_from_disk(str(path))
            else:
                loaded = datasets.load_dataset(str(path))
        else:
            if "/" not in str(source) or str(source).startswith((".", "/", "~")):
                raise DatasetNotFoundError(f"source {source!r} is neither an existing folder nor a hub id (owner/name)")
            if not revision:
                raise ConfigError(f"hub dataset {source!r} needs --revision: pin a commit sha or tag so the conversion is reproducible")
            loaded = datasets.load_dataset(str(source), revision=revision)
    except (ConfigError, DatasetNotFoundError):
        raise
    except Exception as exc:  # datasets raises many types; the user needs the source named
        raise DatasetNotFoundError(f"cannot load dataset {source!r}: {type(exc).__name__}: {exc}".splitlines()[0]) from exc
    return loaded if isinstance(loaded, datasets.DatasetDict) else datasets.DatasetDict({"train": loaded})


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(pool, test)``: ``round(test_fraction * n_c)`` random rows of each class go to test.

    Both index arrays are in a seeded random order (vectorised: one permutation, one stable sort).
    """
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.Generator(np.random.PCG64(seed))
    shuffled = rng.permutation(len(labels))
    lab = labels[shuffled]
    by_class = np.argsort(lab, kind="stable")
    rank = np.empty(len(lab), dtype=np.int64)
    rank[by_class] = np.arange(len(lab)) - np.searchsorted(lab[by_class], lab[by_class])
    per_class = np.rint(test_fraction * np.bincount(lab)).astype(np.int64)
    is_test = rank < per_class[lab]
    return shuffled[~is_test].astype(np.int64), shuffled[is_test].astype(np.int64)


def convert(source: Any, modalities: Sequence[ModalitySpec], options: ConvertOptions | None = None, *, revision: str | None = None) -> Converted:
    """Convert ``source`` (see `load_source`) into the benchmark schema.

    Parameters
    ----------
    source : local folder, saved dataset, hub id (with ``revision``), or an in-memory dataset.
    modalities : one `ModalitySpec` per benchmark modality, in the benchmark's modality order.
    options : splits, label column, seeds, path root, probe settings.

    Returns
    -------
    `Converted`, whose ``built`` is a `BuiltDataset` (ids ``0..n-1``, cold-start orders for seeds
    0-9, ground truth = linear-probe accuracy for every modality subset).
    """
    options = options or ConvertOptions()
    if len({m.name for m in modalities}) != len(modalities) or len(modalities) < 2:
        raise ConfigError("give at least two modalities with distinct names")
    ds = load_source(source, revision)
    split_names = list(ds.keys())
    if options.pool_split not in ds:
        raise ConfigError(f"split {options.pool_split!r} not found in {source!r}; splits: {', '.join(split_names)}")
    parts = [options.pool_split] + ([options.test_split] if options.test_split and options.test_split in ds else [])
    for part in parts:
        _check_columns(ds[part], part, modalities, options.label_column)
    raw_labels = {part: list(ds[part][options.label_column]) for part in parts}
    class_names, label_ids = _label_ids(ds[parts[0]].features.get(options.label_column), raw_labels, options.label_column)

    root = Path(options.root) if options.root else None
    encoded = {part: _encode_split(ds[part], part, modalities, options, root) for part in parts}
    dims = _common_dims(encoded, modalities)
    splits = {part: _to_split(encoded[part], label_ids[part], modalities, dims) for part in parts}
    if len(parts) == 2:
        pool, test = splits[parts[0]], splits[parts[1]]
    else:
        whole = splits[parts[0]]
        pool_rows, test_rows = stratified_split(whole.labels, options.test_fraction, options.split_seed)
        pool, test = _renumber(whole.take(pool_rows)), _renumber(whole.take(test_rows))
    names = tuple(m.name for m in modalities)
    ground_truth, ground_truth_se = _probe(pool, test, names, options)
    absent = {
        split_name: {m: int((~split.present[m]).sum()) for m in names} for split_name, split in (("pool", pool), ("test", test))
    }
    built = BuiltDataset(
        pool=pool,
        test=test,
        cold_start_order=cold_start_orders(pool.labels, options.seed),
        ground_truth=ground_truth,
        ground_truth_se=ground_truth_se,
        spec={
            "source": str(source) if not hasattr(source, "keys") else "in-memory dataset",
            "revision": revision,
            "modalities": [
                {"name": m.name, "column": m.column, "kind": m.kind, "encoder": m.encoder_name, "dim": dims[m.name]} for m in modalities
            ],
            "options": {k: v for k, v in vars(options).items() if k != "root"},
            "absent": absent,
        },
    )
    return Converted(names, class_names, built, {m.name: m.encoder_name for m in modalities}, absent)


# ----------------------------------------------------------------------------- validation helpers


def _check_columns(split: Any, part: str, modalities: Sequence[ModalitySpec], label_column: str) -> None:
    columns = list(split.column_names)
    if label_column not in columns:
        raise ConfigError(f"label column {label_column!r} not found in split {part!r}; columns: {', '.join(columns)}")
    for m in modalities:
        if m.column not in columns:
            raise ConfigError(f"modality {m.name!r}: column {m.column!r} not found in split {part!r}; columns: {', '.join(columns)}")


def _label_ids(feature: Any, raw: Mapping[str, list[Any]], column: str) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    import datasets

    if isinstance(feature, datasets.ClassLabel):
        return tuple(feature.names), {part: np.asarray(v, dtype=np.int64) for part, v in raw.items()}
    parts = list(raw)
    values = [v for part in parts for v in raw[part]]
    if any(v is None for v in values):
        raise ConfigError(f"label column {column!r} has empty values; every row needs a label")
    numeric = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)
    array = np.asarray(values, dtype=np.int64 if numeric else str)
    names, codes = np.unique(array, return_inverse=True)  # sorted class names, one vectorised pass
    bounds = np.cumsum([len(raw[part]) for part in parts])[:-1]
    return tuple(str(v) for v in names), dict(zip(parts, (c.astype(np.int64) for c in np.split(codes, bounds))))


def _check_encoded(out: Any, n: int, spec: ModalitySpec, part: str, start: int) -> np.ndarray:
    """Validate one encoder batch output; one error line naming the modality, encoder and shape."""
    who = f"encoder {spec.encoder_name!r} of modality {spec.name!r} (column {spec.column!r})"
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{who} returned {type(out).__name__}, not a numeric array (n, d)") from exc
    if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] < 1:
        raise ConfigError(f"{who} returned shape {arr.shape} for {n} items; it must return ({n}, d) with d >= 1")
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise ConfigError(f"{who} returned NaN/inf for {int(bad.sum())} of {n} items in split {part!r} (first at batch row {start + int(np.argmax(bad))})")
    return arr.astype(np.float32)


# ----------------------------------------------------------------------------- raw item loading


def _resolve(path: str, root: Path | None) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() or root is None else root / p


def _missing_file(path: Path, spec: ModalitySpec, options: ConvertOptions) -> None:
    if options.on_missing_file == "error":
        raise DatasetIntegrityError(f"modality {spec.name!r}: file {path} (column {spec.column!r}) does not exist")
    return None


def _load_item(value: Any, spec: ModalitySpec, options: ConvertOptions, root: Path | None) -> Any:
    """The raw item ready for the encoder, or ``None`` when it is missing (-> absent modality)."""
    if value is None:
        return None
    if spec.kind == "text":
        text = str(value)
        return text if text.strip() else None
    if spec.kind == "frames":
        return _load_frames(value, spec, options, root)
    if isinstance(value, dict):
        if value.get("array") is not None:  # decoded HF audio
            wave = np.asarray(value["array"], dtype=np.float32)
            return (wave, int(value["sampling_rate"])) if wave.size else None
        data, path = value.get("bytes"), value.get("path")
        if data:
            return _decode(io.BytesIO(data), spec, label=str(path or "<bytes>"))
        value = path
        if not value:
            return None
    if spec.kind == "image" and hasattr(value, "convert"):  # already a PIL image
        return value.convert("RGB")
    if isinstance(value, (str, Path)):
        if not str(value).strip():
            return None
        path = _resolve(str(value), root)
        if not path.is_file():
            return _missing_file(path, spec, options)
        if path.stat().st_size == 0:
            return None
        return _decode(path, spec, label=str(path))
    raise ConfigError(f"modality {spec.name!r}: column {spec.column!r} holds {type(value).__name__} values; expected a {spec.kind} item or file path")


def _decode(src: Any, spec: ModalitySpec, label: str) -> Any:
    try:
        if spec.kind == "image":
            from PIL import Image

            with Image.open(src) as im:
                return im.convert("RGB")
        if spec.kind == "audio":
            return read_audio(src)
    except (OSError, ValueError, EOFError) as exc:
        raise DatasetIntegrityError(f"modality {spec.name!r}: cannot read {spec.kind} file {label}: {exc}".splitlines()[0]) from exc
    raise ConfigError(f"modality {spec.name!r}: kind {spec.kind!r} cannot be decoded from a file")


def read_audio(src: Any) -> tuple[np.ndarray, int] | None:
    """``(mono float32 waveform in [-1, 1], sample_rate)`` from a WAV file or buffer; ``None`` if empty.

    WAV via `scipy.io.wavfile` (integer PCM is scaled by its full range); other formats need the
    optional ``soundfile`` package.
    """
    from scipy.io import wavfile

    try:
        sr, wave = wavfile.read(src)
    except ValueError:
        try:
            import soundfile
        except ImportError:
            raise
        if hasattr(src, "seek"):
            src.seek(0)
        wave, sr = soundfile.read(src, dtype="float32")
    wave = np.asarray(wave)
    if np.issubdtype(wave.dtype, np.integer):
        info = np.iinfo(wave.dtype)
        wave = (wave.astype(np.float64) - (info.max + info.min + 1) / 2) / ((info.max - info.min + 1) / 2)
    wave = wave.astype(np.float32)
    if wave.ndim == 2:
        wave = wave.mean(axis=1)
    return (wave, int(sr)) if wave.size else None


def _load_frames(value: Any, spec: ModalitySpec, options: ConvertOptions, root: Path | None) -> list[Any] | None:
    from PIL import Image

    if isinstance(value, (list, tuple)):
        paths = [_resolve(str(v), root) for v in value if v]
    else:
        folder = _resolve(str(value), root)
        if not folder.is_dir():
            return _missing_file(folder, spec, options)
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    frames = []
    for p in paths:
        if not p.is_file():
            _missing_file(p, spec, options)
            continue
        try:
            with Image.open(p) as im:
                frames.append(im.convert("RGB"))
        except OSError as exc:
            raise DatasetIntegrityError(f"modality {spec.name!r}: cannot read frame {p}: {exc}") from exc
    return frames or None


def _encode_split(split: Any, part: str, modalities: Sequence[ModalitySpec], options: ConvertOptions, root: Path | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per modality ``(features (n, d) float32, present (n,) bool)`` of one source split."""
    import datasets

    # raw image/audio columns are read undecoded ({"bytes", "path"}), so no codec package is needed
    for spec in modalities:
        feat = split.features[spec.column]
        if isinstance(feat, (datasets.Image, datasets.Audio)) and feat.decode:
            split = split.cast_column(spec.column, type(feat)(decode=False))
    n = len(split)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for spec in modalities:
        if spec.kind == "features":
            out[spec.name] = _feature_column(split[spec.column], spec, part)
            continue
        present = np.zeros(n, dtype=bool)
        chunks: list[tuple[np.ndarray, np.ndarray]] = []
        column = split[spec.column]
        for start in range(0, n, options.batch_size):
            values = column[start : start + options.batch_size]
            items = [_load_item(v, spec, options, root) for v in values]
            keep = np.array([it is not None for it in items], dtype=bool)
            if keep.any():
                assert spec.encoder is not None
                enc = _check_encoded(_call_encoder(spec, [it for it in items if it is not None], part), int(keep.sum()), spec, part, start)
                if chunks and enc.shape[1] != chunks[0][1].shape[1]:
                    raise ConfigError(f"encoder {spec.encoder_name!r} of modality {spec.name!r} changed its output width from {chunks[0][1].shape[1]} to {enc.shape[1]}")
                rows = start + np.flatnonzero(keep)
                present[rows] = True
                chunks.append((rows, enc))
        d = chunks[0][1].shape[1] if chunks else 0
        x = np.zeros((n, d), dtype=np.float32)
        for rows, enc in chunks:
            x[rows] = enc
        out[spec.name] = (x, present)
    return out


def _call_encoder(spec: ModalitySpec, items: list[Any], part: str) -> Any:
    """Run the encoder; any exception becomes one error naming the modality (e.g. a wrong encoder kind)."""
    assert spec.encoder is not None
    try:
        return spec.encoder(items)
    except Exception as exc:  # noqa: BLE001 - user code: report which modality broke, keep the cause chained
        raise ConfigError(
            f"encoder {spec.encoder_name!r} of modality {spec.name!r} (column {spec.column!r}, {spec.kind} items) "
            f"failed on split {part!r}: {type(exc).__name__}: {exc}".splitlines()[0]
        ) from exc


def _feature_column(values: Sequence[Any], spec: ModalitySpec, part: str) -> tuple[np.ndarray, np.ndarray]:
    """A precomputed vector column: None / empty / all-NaN rows are absent; lengths must agree."""
    n = len(values)
    lengths = np.array([0 if v is None else len(v) for v in values], dtype=np.int64)
    present = lengths > 0
    widths = np.unique(lengths[present])
    if len(widths) > 1:
        raise ConfigError(f"modality {spec.name!r}: column {spec.column!r} in split {part!r} mixes vector lengths {widths.tolist()}")
    d = int(widths[0]) if len(widths) else 0
    x = np.zeros((n, d), dtype=np.float32)
    if present.any():
        try:
            x[present] = np.asarray([values[i] for i in np.flatnonzero(present)], dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"modality {spec.name!r}: column {spec.column!r} holds non-numeric vectors") from exc
    nan_rows = np.isnan(x).all(axis=1) & present
    present &= ~nan_rows
    x[~present] = 0.0
    if not np.isfinite(x).all():
        raise ConfigError(f"modality {spec.name!r}: column {spec.column!r} in split {part!r} has NaN/inf inside present vectors")
    return x, present


def _common_dims(encoded: Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray]]], modalities: Sequence[ModalitySpec]) -> dict[str, int]:
    dims = {}
    for spec in modalities:
        widths = {enc[spec.name][0].shape[1] for enc in encoded.values() if enc[spec.name][1].any()}
        if not widths:
            raise ConfigError(f"modality {spec.name!r}: no row of column {spec.column!r} holds an item; nothing to encode")
        if len(widths) > 1:
            raise ConfigError(f"modality {spec.name!r}: splits were encoded to different widths {sorted(widths)}")
        dims[spec.name] = widths.pop()
    return dims


def _to_split(encoded: Mapping[str, tuple[np.ndarray, np.ndarray]], labels: np.ndarray, modalities: Sequence[ModalitySpec], dims: Mapping[str, int]) -> Split:
    n = len(labels)
    features, present = {}, {}
    for spec in modalities:
        x, p = encoded[spec.name]
        features[spec.name] = x if x.shape[1] == dims[spec.name] else np.zeros((n, dims[spec.name]), np.float32)
        present[spec.name] = p
    return Split(features, present, np.arange(n, dtype=np.int64), labels)


def _renumber(split: Split) -> Split:
    return Split(split.features, split.present, np.arange(len(split.labels), dtype=np.int64), split.labels)


def _probe(pool: Split, test: Split, names: tuple[str, ...], options: ConvertOptions) -> tuple[dict[str, float], dict[str, float]]:
    from mmal_bench.data.real.probe import probe_ground_truth

    fit_pool = pool
    if len(pool.labels) > options.probe_max_rows:
        keep, _ = stratified_split(pool.labels, 1.0 - options.probe_max_rows / len(pool.labels), options.split_seed)
        fit_pool = pool.take(np.sort(keep))
    acc, se, _ = probe_ground_truth(fit_pool, test, names, cs=options.probe_cs, folds=options.probe_folds)
    return acc, se
