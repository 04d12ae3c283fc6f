"""Content fingerprints of datasets: sha256 over canonical bytes, independent of the file encoding.

Two builds have the same fingerprint iff they hold the same rows, features spec and cold-start
orders, whatever parquet writer, compression or row-group layout stored them. Scheme v2 (schema-2
datasets) also covers the metric-only columns and the manifest fields that feed a metric (ground
truth, class names, quality shares), so an edited manifest cannot pass as the published one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from mmal_bench.data.schema import CLEAN_LABEL, CORRUPTED, PRESENT_SUFFIX, Split, hf_features

FINGERPRINT_SCHEME_V1 = "mmal-bench-content-v1"
FINGERPRINT_SCHEME = "mmal-bench-content-v2"
SCHEMES = (FINGERPRINT_SCHEME_V1, FINGERPRINT_SCHEME)


def content_fingerprint(
    pool: Split,
    test: Split,
    cold_start_order: Mapping[int, np.ndarray],
    class_names: Sequence[str],
    metric_fields: Mapping[str, object] | None = None,
) -> str:
    """``sha256:<hex>`` over the canonical content of one dataset version.

    Order: a JSON header (scheme, features spec, modality order, cold-start seeds and, in scheme v2,
    ``metric_fields``), then for the pool and test split every column (``id``, ``label``, in v2
    ``clean_label`` and ``corrupted``, then ``m``, ``m_present`` per modality) as little-endian bytes
    with its name, dtype and shape, then each cold-start order by seed.

    Parameters
    ----------
    pool, test, cold_start_order, class_names : the dataset's content.
    metric_fields : the manifest fields that feed a metric (see `mmal_bench.data.hub.metric_fields`);
        given → scheme v2 (the splits must be annotated), ``None`` → scheme v1 (the 1.0.0 layout).

    Returns
    -------
    ``"sha256:<64 hex digits>"``.
    """
    modalities = tuple(pool.modalities)
    dims = {m: int(pool.features[m].shape[1]) for m in modalities}
    v2 = metric_fields is not None
    header = {
        "scheme": FINGERPRINT_SCHEME if v2 else FINGERPRINT_SCHEME_V1,
        "features": hf_features(dims, class_names, annotated=v2).to_dict(),
        "modalities": list(modalities),
        "cold_start_seeds": sorted(int(s) for s in cold_start_order),
    }
    if v2:
        header["metric_fields"] = metric_fields
    h = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":"), allow_nan=False).encode())
    for split_name, split in (("pool", pool), ("test", test)):
        if tuple(split.modalities) != modalities:
            raise ValueError(f"{split_name} modalities {split.modalities} differ from pool {modalities}")
        if v2 and not split.annotated:
            raise ValueError(f"{split_name}: scheme v2 needs the {CLEAN_LABEL} and {CORRUPTED} columns")
        columns = [("id", split.ids, "<i8"), ("label", split.labels, "<i8")]
        if v2:
            columns += [(CLEAN_LABEL, split.clean_labels, "<i8"), (CORRUPTED, split.corrupted, "u1")]
        for m in modalities:
            columns.append((m, split.features[m], "<f4"))
            columns.append((m + PRESENT_SUFFIX, split.present[m], "u1"))
        for name, values, dtype in columns:
            _update(h, f"{split_name}/{name}", np.asarray(values), dtype)
    for seed in sorted(cold_start_order):
        _update(h, f"cold_start/{int(seed)}", np.asarray(cold_start_order[seed]), "<i8")
    return "sha256:" + h.hexdigest()


def file_sha256(path: str | Path, chunk: int = 1 << 22) -> str:
    """sha256 hex digest of a file's bytes (streamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _update(h: "hashlib._Hash", name: str, values: np.ndarray, dtype: str) -> None:
    data = np.ascontiguousarray(values, dtype=np.dtype(dtype))
    h.update(f"{name}|{dtype}|{data.shape}\n".encode())
    h.update(data.tobytes())
