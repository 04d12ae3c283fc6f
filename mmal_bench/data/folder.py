"""Reading a built dataset folder (hub layout) back into memory, with every integrity check.

Separate from `mmal_bench.data.hub` (which builds, caches and publishes entries by name and so needs
the registry): declaration modules, such as the converted real datasets' entries, read their folder
with this module without importing the registry. `mmal_bench.data.hub` re-exports every name here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mmal_bench.data.fingerprint import FINGERPRINT_SCHEME, FINGERPRINT_SCHEME_V1, SCHEMES, content_fingerprint, file_sha256
from mmal_bench.data.schema import Split, arrow_to_split
from mmal_bench.errors import DatasetIntegrityError
from mmal_bench.paths import MANIFEST

COLD_START_SPLIT = "cold_start"


def cold_start_config(name: str) -> str:
    """Config name of the published cold-start orders of dataset ``name``."""
    return f"{name}-cold-start"


def metric_fields(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest fields that feed a metric: class names, modality dims, ground truth, quality shares.

    Covered by the scheme-v2 fingerprint and compared with the committed manifest on every load and
    verify, so an edited cached manifest (e.g. a doctored ground truth that moves the utilization gap)
    is refused. Raises ``KeyError`` when a field is absent.
    """
    return {
        "class_names": list(manifest["class_names"]),
        "modalities": dict(manifest["modalities"]),
        "ground_truth": manifest["ground_truth"],
        "quality": manifest.get("quality"),
    }


@dataclass(frozen=True)
class FolderContent:
    """A verified built folder read into memory."""

    folder: Path
    manifest: dict[str, Any]
    pool: Split
    test: Split
    cold_start_order: dict[int, np.ndarray]
    features: datasets.Features
    tables: dict[str, pa.Table]


def read_folder(folder: str | Path, expected_fingerprint: str | None = None) -> FolderContent:
    """Read and verify a built folder: per-file sha256, no stray shards, and the content fingerprint.

    ``expected_fingerprint`` (e.g. from the committed manifest) is checked in addition to the folder's
    own manifest. Raises `DatasetIntegrityError` naming the dataset and the bad file.
    """
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise DatasetIntegrityError(f"{folder} has no {MANIFEST}: not a built mmal-bench dataset folder (rebuild it with `mmal-bench datasets build`)")
    try:
        manifest = json.loads(manifest_path.read_text())
        ref = f"{manifest['name']}@{manifest['version']}"
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DatasetIntegrityError(f"{manifest_path} is malformed ({exc}); rebuild it with `mmal-bench datasets build`") from exc
    if not isinstance(files, dict) or not files:
        raise DatasetIntegrityError(
            f"{manifest_path} lists no data files (\"files\" must map every shard to its sha256); rebuild it with `mmal-bench datasets build {ref}`"
        )
    fix = f"delete {folder} and run `mmal-bench datasets build {ref}`"
    for rel, digest in files.items():
        path = folder / rel
        if not path.is_file():
            raise DatasetIntegrityError(f"{ref}: file {path} listed in the manifest is missing; {fix}")
        if file_sha256(path) != digest:
            raise DatasetIntegrityError(f"{ref}: file {path} is corrupted or edited (sha256 differs from the manifest); {fix}")
    stray = sorted(str(p.relative_to(folder).as_posix()) for p in (folder / "data").rglob("*.parquet") if p.relative_to(folder).as_posix() not in files)
    if stray:
        raise DatasetIntegrityError(f"{ref}: {folder / stray[0]} is not in the manifest (stray shard); {fix}")
    name = manifest["name"]
    modalities = tuple(manifest["modalities"])
    tables = {
        split: _read_split_table(folder, files, f"data/{name}/{split}-") for split in ("pool", "test")
    }
    tables[COLD_START_SPLIT] = _read_split_table(folder, files, f"data/{cold_start_config(name)}/{COLD_START_SPLIT}-")
    try:
        features = datasets.Features.from_arrow_schema(tables["pool"].schema)
        splits = {s: arrow_to_split(tables[s], modalities) for s in ("pool", "test")}
        cold = _cold_start_from_arrow(tables[COLD_START_SPLIT])
        scheme = manifest.get("fingerprint_scheme", FINGERPRINT_SCHEME_V1)
        if scheme not in SCHEMES:
            raise ValueError(f"unknown fingerprint scheme {scheme!r}")
        fields = metric_fields(manifest) if scheme == FINGERPRINT_SCHEME else None
        fingerprint = content_fingerprint(splits["pool"], splits["test"], cold, features["label"].names, fields)
    except (KeyError, ValueError, TypeError, pa.ArrowException) as exc:
        raise DatasetIntegrityError(f"{ref}: shards in {folder / 'data'} do not follow the schema ({exc}); {fix}") from exc
    if fingerprint != manifest.get("fingerprint"):
        raise DatasetIntegrityError(f"{ref}: content fingerprint {fingerprint} of {folder / 'data'} does not match its manifest ({manifest.get('fingerprint')}); {fix}")
    if expected_fingerprint is not None and fingerprint != expected_fingerprint:
        raise DatasetIntegrityError(
            f"{ref}: fingerprint {fingerprint} of {folder} does not match the published manifest ({expected_fingerprint}); {fix}"
        )
    return FolderContent(folder, manifest, splits["pool"], splits["test"], cold, features, tables)


def _read_split_table(folder: Path, files: Mapping[str, str], prefix: str) -> pa.Table:
    shards = sorted(rel for rel in files if rel.startswith(prefix) and rel.endswith(".parquet"))
    if not shards:
        raise DatasetIntegrityError(f"{folder}: manifest lists no shard {prefix}*.parquet; rebuild the dataset folder")
    try:
        tables = [pq.read_table(folder / rel) for rel in shards]
    except (pa.ArrowException, OSError) as exc:
        raise DatasetIntegrityError(f"{folder / shards[0]}: unreadable parquet ({exc}); rebuild the dataset folder") from exc
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def _cold_start_from_arrow(table: pa.Table) -> dict[int, np.ndarray]:
    seed = table.column("seed").to_numpy()
    rank = table.column("rank").to_numpy()
    ids = table.column("id").to_numpy().astype(np.int64)
    order = np.lexsort((rank, seed))
    seed, ids = seed[order], ids[order]
    bounds = np.flatnonzero(np.diff(seed)) + 1
    return {int(s[0]): i for s, i in zip(np.split(seed, bounds), np.split(ids, bounds)) if len(s)}
