"""Content fingerprints of datasets: sha256 over canonical bytes, independent of the file encoding.

Two builds have the same fingerprint iff they hold the same rows, features spec and cold-start
orders, whatever parquet writer, compression or row-group layout stored them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from mmal_bench.data.schema import PRESENT_SUFFIX, Split, hf_features

FINGERPRINT_SCHEME = "mmal-bench-content-v1"


def content_fingerprint(
    pool: Split,
    test: Split,
    cold_start_order: Mapping[int, np.ndarray],
    class_names: Sequence[str],
) -> str:
    """``sha256:<hex>`` over the canonical content of one dataset version.

    Order: a JSON header (scheme, features spec, modality order, cold-start seeds), then for the
    pool and test split every column (``id``, ``label``, then ``m``, ``m_present`` per modality)
    as little-endian bytes with its name, dtype and shape, then each cold-start order by seed.
    """
    modalities = tuple(pool.modalities)
    dims = {m: int(pool.features[m].shape[1]) for m in modalities}
    header = {
        "scheme": FINGERPRINT_SCHEME,
        "features": hf_features(dims, class_names).to_dict(),
        "modalities": list(modalities),
        "cold_start_seeds": sorted(int(s) for s in cold_start_order),
    }
    h = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    for split_name, split in (("pool", pool), ("test", test)):
        if tuple(split.modalities) != modalities:
            raise ValueError(f"{split_name} modalities {split.modalities} differ from pool {modalities}")
        columns = [("id", split.ids, "<i8"), ("label", split.labels, "<i8")]
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
