"""Hugging Face hub layout of a dataset version: export, verify, cache, load and publish.

A built folder is exactly what `push_to_hub` uploads: ``README.md`` (card, YAML ``configs:``),
``manifest.json`` (spec, fingerprint, per-file sha256, ground truth) and parquet shards under ``data/``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from tabulate import tabulate

from mmal_bench.data.folder import (
    COLD_START_SPLIT,
    FolderContent,
    cold_start_config,
    metric_fields,
    read_folder,
)
from mmal_bench.data.fingerprint import FINGERPRINT_SCHEME, FINGERPRINT_SCHEME_V1, content_fingerprint, file_sha256
from mmal_bench.data.registry import BuiltDataset, DatasetEntry, check_built, get_entry
from mmal_bench.data.schema import (
    CLEAN_LABEL,
    CORRUPTED,
    PRESENT_SUFFIX,
    BenchmarkData,
    Split,
    all_subsets,
    hf_features,
    subset_key,
)
from mmal_bench.errors import DatasetIntegrityError, DatasetNotFoundError
from mmal_bench.paths import MANIFEST, REPO_ROOT, dataset_cache_dir
from mmal_bench.version import PACKAGE_VERSION

CARD = "README.md"
#: Rows per parquet shard (the suite's splits fit in one; large real sets get several).
MAX_ROWS_PER_SHARD = 100_000
MANIFEST_FORMAT = 1


def cold_start_features() -> datasets.Features:
    """Typed columns of the cold-start config: one row per (seed, rank) with the pool id at that rank."""
    return datasets.Features({"seed": datasets.Value("int32"), "rank": datasets.Value("int32"), "id": datasets.Value("int64")})


def committed_dir(name: str, version: str) -> Path:
    """Where the repository keeps the card and manifest of ``name@version`` (``datasets/<name>/<version>``)."""
    return REPO_ROOT / "datasets" / name / version


def committed_manifest(name: str, version: str) -> dict[str, Any] | None:
    """The manifest committed to the repository for ``name@version``, or ``None`` if not recorded yet."""
    path = committed_dir(name, version) / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def quality_shares(pool: Split) -> dict[str, float] | None:
    """Shares of corrupted and noisy-label rows in ``pool`` (``None`` for a split that records neither)."""
    if not pool.annotated:
        return None
    return {"corrupted": round(float(np.mean(pool.corrupted)), 6), "noisy_label": round(float(np.mean(pool.noisy_label)), 6)}


def built_fingerprint(entry: DatasetEntry, built: BuiltDataset) -> str:
    """The content fingerprint of ``built`` under ``entry``'s scheme (v2 for schema-2 entries)."""
    fields = None
    if entry.schema_version >= 2:
        dims = {m: int(built.pool.features[m].shape[1]) for m in entry.modalities}
        fields = metric_fields(
            {"class_names": entry.class_names, "modalities": dims, "ground_truth": _truth_table(entry, built), "quality": quality_shares(built.pool)}
        )
    return content_fingerprint(built.pool, built.test, built.cold_start_order, entry.class_names, fields)


# --------------------------------------------------------------------------------------------- export


def build_entry(entry: DatasetEntry) -> BuiltDataset:
    """Run ``entry.build()`` and check the result against the entry's declared schema."""
    built = entry.build()
    check_built(entry, built)
    return built


def export(name: str, version: str | None, out_dir: str | Path) -> Path:
    """Build ``name@version`` and write its hub-layout folder to ``out_dir`` (must not exist or be empty).

    Returns the folder. The content fingerprint is checked against the committed manifest when the
    repository has one, so a regeneration that drifted (e.g. a new numpy RNG) is refused.
    """
    entry = get_entry(name, version)
    built = build_entry(entry)
    out = Path(out_dir)
    _check_against_committed(entry, built_fingerprint(entry, built))
    export_built(entry, built, out)
    return out


def export_built(entry: DatasetEntry, built: BuiltDataset, out_dir: Path) -> dict[str, Any]:
    """Write parquet shards, manifest and card of ``built`` into ``out_dir``; return the manifest."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise DatasetIntegrityError(f"output folder {out_dir} is not empty; choose an empty folder or remove it")
    out_dir.mkdir(parents=True, exist_ok=True)
    dims = {m: int(built.pool.features[m].shape[1]) for m in entry.modalities}
    features = hf_features(dims, entry.class_names, annotated=entry.schema_version >= 2)
    files: dict[str, str] = {}
    split_bytes: dict[str, int] = {}
    tables = [(s, split_to_arrow(split, features), f"data/{entry.name}") for s, split in (("pool", built.pool), ("test", built.test))]
    tables.append((COLD_START_SPLIT, cold_start_to_arrow(built.cold_start_order), f"data/{cold_start_config(entry.name)}"))
    for split_name, table, folder in tables:
        files.update(_write_shards(table, out_dir, folder, split_name))
        split_bytes[split_name] = int(table.nbytes)
    fingerprint = built_fingerprint(entry, built)
    manifest = _manifest(entry, built, dims, fingerprint, files)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    (out_dir / CARD).write_text(render_card(entry, manifest, built.card_notes, split_bytes))
    return manifest


def split_to_arrow(split: Split, features: datasets.Features) -> pa.Table:
    """A `Split` as an arrow table with the typed schema (fixed-size lists) and HF feature metadata."""
    arrays = [pa.array(split.ids.astype(np.int64)), pa.array(split.labels.astype(np.int64))]
    if CLEAN_LABEL in features:
        arrays += [pa.array(np.asarray(split.clean_labels, dtype=np.int64)), pa.array(np.asarray(split.corrupted, dtype=bool))]
    for m in split.modalities:
        x = np.ascontiguousarray(split.features[m], dtype=np.float32)
        arrays.append(pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), x.shape[1]))
        arrays.append(pa.array(np.asarray(split.present[m], dtype=bool)))
    return pa.Table.from_arrays(arrays, schema=features.arrow_schema)


def cold_start_to_arrow(orders: Mapping[int, np.ndarray]) -> pa.Table:
    """Cold-start orders as rows (seed, rank, id), sorted by seed then rank."""
    seeds = sorted(orders)
    seed_col = np.concatenate([np.full(len(orders[s]), s, np.int32) for s in seeds]) if seeds else np.zeros(0, np.int32)
    rank_col = np.concatenate([np.arange(len(orders[s]), dtype=np.int32) for s in seeds]) if seeds else np.zeros(0, np.int32)
    id_col = np.concatenate([np.asarray(orders[s], np.int64) for s in seeds]) if seeds else np.zeros(0, np.int64)
    return pa.Table.from_arrays([pa.array(seed_col), pa.array(rank_col), pa.array(id_col)], schema=cold_start_features().arrow_schema)


def _write_shards(table: pa.Table, root: Path, folder: str, split_name: str) -> dict[str, str]:
    n_shards = max(1, -(-table.num_rows // MAX_ROWS_PER_SHARD))
    (root / folder).mkdir(parents=True, exist_ok=True)
    files = {}
    for i in range(n_shards):
        rel = f"{folder}/{split_name}-{i:05d}-of-{n_shards:05d}.parquet"
        part = table.slice(i * MAX_ROWS_PER_SHARD, MAX_ROWS_PER_SHARD)
        pq.write_table(part, root / rel, compression="snappy")
        files[rel] = file_sha256(root / rel)
    return files


def _truth_table(entry: DatasetEntry, built: BuiltDataset) -> dict[str, dict[str, float | None]]:
    names = entry.modalities
    return {
        subset_key(s, names): {
            "accuracy": round(float(built.ground_truth[subset_key(s, names)]), 6),
            "se": None if subset_key(s, names) not in built.ground_truth_se else round(float(built.ground_truth_se[subset_key(s, names)]), 6),
        }
        for s in all_subsets(names)
    }


def _manifest(entry: DatasetEntry, built: BuiltDataset, dims: Mapping[str, int], fingerprint: str, files: Mapping[str, str]) -> dict[str, Any]:
    truth = _truth_table(entry, built)
    seeds = sorted(int(s) for s in built.cold_start_order)
    return {
        "format": MANIFEST_FORMAT,
        "name": entry.name,
        "version": entry.version,
        "kind": entry.kind,
        "pitfall": entry.pitfall,
        "description": entry.description,
        "modalities": {m: int(dims[m]) for m in entry.modalities},
        "class_names": list(entry.class_names),
        "rows": {"pool": len(built.pool.ids), "test": len(built.test.ids), COLD_START_SPLIT: int(sum(len(built.cold_start_order[s]) for s in seeds))},
        "cold_start": {"config": cold_start_config(entry.name), "seeds": seeds, "length": len(built.cold_start_order[seeds[0]]) if seeds else 0},
        "configs": {"data": entry.name, "cold_start": cold_start_config(entry.name)},
        "fingerprint_scheme": FINGERPRINT_SCHEME if entry.schema_version >= 2 else FINGERPRINT_SCHEME_V1,
        "fingerprint": fingerprint,
        "ground_truth": truth,
        **({"quality": quality_shares(built.pool)} if entry.schema_version >= 2 else {}),
        "spec": _jsonable(built.spec),
        "hub_repo_id": entry.hub_repo_id,
        "hub_revision": entry.hub_revision,
        "license": entry.license,
        "citation": entry.citation,
        "built_with": {"mmal_bench": PACKAGE_VERSION, "numpy": np.__version__, "pyarrow": pa.__version__},
        "files": dict(sorted(files.items())),
    }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))


def render_card(entry: DatasetEntry, manifest: Mapping[str, Any], notes: str = "", split_bytes: Mapping[str, int] | None = None) -> str:
    """The dataset card: YAML header (``configs:`` for `datasets.load_dataset`) and Markdown body.

    ``split_bytes`` (the Arrow size of each split, as `datasets` records it) completes the header's
    ``dataset_info.splits``; without it `datasets.load_dataset` warns that the field is malformed.
    """
    name = entry.name
    header = {
        "license": entry.license,
        "pretty_name": f"mmal-bench {name} {entry.version}",
        "tags": ["multimodal", "active-learning", "mmal-bench", entry.kind],
        "task_categories": ["tabular-classification"],
        "size_categories": [size_category(manifest["rows"]["pool"] + manifest["rows"]["test"])],
        "configs": [
            {
                "config_name": name,
                "default": True,
                "data_files": [{"split": s, "path": f"data/{name}/{s}-*.parquet"} for s in ("pool", "test")],
            },
            {
                "config_name": cold_start_config(name),
                "data_files": [{"split": COLD_START_SPLIT, "path": f"data/{cold_start_config(name)}/{COLD_START_SPLIT}-*.parquet"}],
            },
        ],
        "dataset_info": card_dataset_info(entry, manifest, split_bytes),
    }
    dims = manifest["modalities"]
    truth_rows = [
        [k, f"{v['accuracy']:.4f}", "" if v["se"] is None else f"{v['se']:.4f}"] for k, v in manifest["ground_truth"].items()
    ]
    columns = "\n".join(
        ["- `id` (int64): row id, `0..n-1` in row order", f"- `label` (ClassLabel): {', '.join(entry.class_names)} (what the oracle answers)"]
        + (
            [
                f"- `{CLEAN_LABEL}` (ClassLabel): the true class (differs from `label` on noisy-label rows; metrics only)",
                f"- `{CORRUPTED}` (bool): a modality of this row holds another row's vector (metrics only)",
            ]
            if entry.schema_version >= 2
            else []
        )
        + [f"- `{m}` (float32 × {d}, fixed length) and `{m}{PRESENT_SUFFIX}` (bool; missing ⇒ all-zero vector)" for m, d in dims.items()]
    )
    cs = manifest["cold_start"]
    body = f"""# {name} {entry.version}

{entry.description}

- **kind**: {entry.kind}; **pitfall**: {entry.pitfall}
- **modalities**: {', '.join(f'{m} ({d} dims)' for m, d in dims.items())}; **classes**: {len(entry.class_names)}
- **rows**: pool {manifest['rows']['pool']:,}, test {manifest['rows']['test']:,}
- **fingerprint** ({manifest['fingerprint_scheme']}): `{manifest['fingerprint']}`
- **hub**: dataset repository [`{entry.hub_repo_id}`](https://huggingface.co/datasets/{entry.hub_repo_id}), revision `{entry.hub_revision}`

## Usage

```python
import mmal_bench
data = mmal_bench.load_dataset("{name}", version="{entry.version}")   # DatasetDict: pool, test (fingerprint checked)
bench = mmal_bench.load_benchmark("{name}", version="{entry.version}")  # numpy splits + cold-start orders + ground truth
# or with Hugging Face datasets directly, from the hub repository or a built folder:
import datasets
data = datasets.load_dataset("{entry.hub_repo_id}", name="{name}", revision="{entry.hub_revision}")
cold = datasets.load_dataset("{entry.hub_repo_id}", name="{cold_start_config(name)}", revision="{entry.hub_revision}")
```

## Configs

`{name}` — splits `pool` and `test`, columns:

{columns}

`{cold_start_config(name)}` — split `{COLD_START_SPLIT}`, columns `seed` (int32), `rank` (int32), `id` (int64):
the official class-balanced cold-start order of pool ids for seeds {cs['seeds'][0] if cs['seeds'] else '-'}–{cs['seeds'][-1] if cs['seeds'] else '-'}
({cs['length']} ids each). The cold-start labelled set of size k for a seed is its ids with rank < k;
every prefix is class-balanced (round robin over classes).

## Ground truth

Accuracy a good (Bayes-optimal where known) classifier reaches on the test distribution with only
each modality subset (a missing modality gives no information beyond its presence flag):

{tabulate(truth_rows, headers=['modalities', 'accuracy', 'standard error'], tablefmt='github')}

{notes.strip()}

## License

{entry.license}

## Citation

```bibtex
{entry.citation.strip()}
```
"""
    return "---\n" + yaml.safe_dump(header, sort_keys=False) + "---\n\n" + body


#: Hugging Face's ``size_categories`` buckets: (upper bound exclusive, label).
_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))


def size_category(rows: int) -> str:
    """The hub's ``size_categories`` bucket of a dataset with ``rows`` examples in all splits."""
    return next((label for bound, label in _SIZE_CATEGORIES if rows < bound), "n>10M")


def card_dataset_info(entry: DatasetEntry, manifest: Mapping[str, Any], split_bytes: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """The card's ``dataset_info`` (features and split sizes per config), exactly the parquet features.

    A card's ``dataset_info.features`` overrides the parquet's, so it is generated from the same
    `hf_features` the shards are written with (rendered by `datasets`' own card serialiser). Each
    split records ``num_examples`` and ``num_bytes`` (from ``split_bytes``; `datasets` ignores a
    ``splits`` list that lacks either, with a "malformed" warning).
    """
    from huggingface_hub import DatasetCardData

    def splits(counts: Mapping[str, int]) -> datasets.SplitDict:
        out = datasets.SplitDict()
        for split, n in counts.items():
            out.add(datasets.SplitInfo(split, num_bytes=int((split_bytes or {}).get(split, 0)), num_examples=int(n)))
        return out

    data_features = hf_features(manifest["modalities"], entry.class_names, annotated=entry.schema_version >= 2)
    cold = cold_start_config(entry.name)
    infos = datasets.info.DatasetInfosDict(
        {
            entry.name: datasets.DatasetInfo(
                features=data_features, splits=splits({s: manifest["rows"][s] for s in ("pool", "test")}), config_name=entry.name
            ),
            cold: datasets.DatasetInfo(
                features=cold_start_features(), splits=splits({COLD_START_SPLIT: manifest["rows"][COLD_START_SPLIT]}), config_name=cold
            ),
        }
    )
    card = DatasetCardData()
    infos.to_dataset_card_data(card)
    info = card.to_dict()["dataset_info"]
    if split_bytes is None:  # sizes unknown: leave the splits out rather than write a list `datasets` refuses
        for config in info:
            config.pop("splits", None)
    return info


# --------------------------------------------------------------------------------------------- verify / read


def verify_folder(folder: str | Path) -> dict[str, Any]:
    """Verify a built folder (and against the committed manifest when its dataset is published).

    Returns the folder's manifest; raises `DatasetIntegrityError` naming the bad file otherwise.
    """
    folder = Path(folder)
    content = read_folder(folder)
    published = committed_manifest(content.manifest["name"], content.manifest["version"])
    if published is not None and published["fingerprint"] != content.manifest["fingerprint"]:
        raise DatasetIntegrityError(
            f"{content.manifest['name']}@{content.manifest['version']}: fingerprint of {folder} ({content.manifest['fingerprint']}) "
            f"differs from the published manifest {committed_dir(content.manifest['name'], content.manifest['version']) / MANIFEST} ({published['fingerprint']})"
        )
    _check_metric_fields(folder, content.manifest, published)
    return content.manifest


def _check_metric_fields(folder: Path, manifest: Mapping[str, Any], published: Mapping[str, Any] | None) -> None:
    # Scheme v1 fingerprints do not cover the manifest's metric fields: compare them with the
    # committed manifest (for v2 this is implied by the fingerprint, and checked anyway).
    if published is None:
        return
    ref = f"{manifest['name']}@{manifest['version']}"
    try:
        ours = metric_fields(manifest)
    except KeyError as exc:
        raise DatasetIntegrityError(f"{ref}: {folder / MANIFEST} lacks {exc}; delete {folder} and run `mmal-bench datasets build {ref}`") from None
    theirs = metric_fields(published)
    for key in ours:
        if ours[key] != theirs[key]:
            raise DatasetIntegrityError(
                f"{ref}: {key} in {folder / MANIFEST} differs from the published manifest "
                f"{committed_dir(manifest['name'], manifest['version']) / MANIFEST} (edited?); delete {folder} and run `mmal-bench datasets build {ref}`"
            )


# --------------------------------------------------------------------------------------------- cache / load


#: Where each dataset version in this process's cache came from (`dataset_source`).
_SOURCES: dict[tuple[str, str], str] = {}


def dataset_source(name: str, version: str) -> str | None:
    """How this process got ``name@version`` into the cache: ``"hub <repo>@<revision>"``, ``"built
    locally (<why not the hub>)"`` or ``"cache"`` (there already); ``None`` before it was loaded."""
    return _SOURCES.get((name, version))


def ensure_built(name: str, version: str | None = None) -> Path:
    """The cache folder of ``name@version``, filling it if empty: from the hub repository at the
    version's revision (online, or from the local Hugging Face cache when offline), fingerprint
    checked against the committed manifest; else by building locally. `dataset_source` says which.

    Safe under concurrency: content is assembled in a private temp folder and renamed into place
    atomically, so other processes see either nothing or a complete folder.
    """
    entry = get_entry(name, version)
    folder = dataset_cache_dir(entry.name, entry.version)
    key = (entry.name, entry.version)
    if folder.exists():
        _SOURCES.setdefault(key, "cache")
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{entry.version}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        why_not = _fetch_from_hub(entry, tmp)
        if why_not:
            built = build_entry(entry)
            _check_against_committed(entry, built_fingerprint(entry, built))
            export_built(entry, built, tmp)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not folder.exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _SOURCES[key] = f"built locally ({why_not})" if why_not else f"hub {entry.hub_repo_id}@{entry.hub_revision}"
    return folder


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() not in ("", "0", "false", "no")


def _fetch_from_hub(entry: DatasetEntry, tmp: Path) -> str:
    """Download ``entry``'s hub repository at its revision into ``tmp`` and verify it; ``""`` on success,
    else why not (the caller builds locally). Offline, only the local Hugging Face cache is asked.
    A download whose fingerprint differs from the committed manifest is an error, never a fallback."""
    if not entry.hub_repo_id:
        return "no hub repository"
    offline = _hub_offline()
    try:
        from huggingface_hub import snapshot_download

        # Into the Hugging Face cache (where an offline call finds an earlier download), then copied:
        # the mmal-bench cache holds exactly the repository's files, never hub bookkeeping.
        snapshot = snapshot_download(repo_id=entry.hub_repo_id, repo_type="dataset", revision=entry.hub_revision, local_files_only=offline)
    except Exception as exc:  # noqa: BLE001 - any network/hub failure falls back to a local build
        return f"offline and {entry.hub_repo_id}@{entry.hub_revision} is not in the Hugging Face cache" if offline else f"hub: {type(exc).__name__}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(snapshot, tmp, ignore=shutil.ignore_patterns(".*"))
    published = committed_manifest(entry.name, entry.version)
    read_folder(tmp, expected_fingerprint=published["fingerprint"] if published else None)
    return ""


def _check_against_committed(entry: DatasetEntry, fingerprint: str) -> None:
    published = committed_manifest(entry.name, entry.version)
    if published is not None and published["fingerprint"] != fingerprint:
        raise DatasetIntegrityError(
            f"{entry.ref}: regenerated content has fingerprint {fingerprint}, but the published manifest "
            f"{committed_dir(entry.name, entry.version) / MANIFEST} says {published['fingerprint']} "
            "(a different numpy/BLAS changed the generator output); load it from the hub instead"
        )


_MEMO: dict[tuple[str, str], tuple[tuple, BenchmarkData, FolderContent]] = {}


def _stat_key(folder: Path) -> tuple:
    # Cheap change detector for the in-process memo: any rewrite of a file changes size or mtime.
    paths = [folder / MANIFEST, *sorted((folder / "data").rglob("*.parquet"))]
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in paths if p.exists())


def _load_verified(name: str, version: str | None) -> tuple[BenchmarkData, FolderContent]:
    entry = get_entry(name, version)
    folder = ensure_built(entry.name, entry.version)
    key = (entry.name, entry.version)
    stat = _stat_key(folder)
    if key in _MEMO and _MEMO[key][0] == stat:
        return _MEMO[key][1], _MEMO[key][2]
    published = committed_manifest(entry.name, entry.version)
    content = read_folder(folder, expected_fingerprint=published["fingerprint"] if published else None)
    manifest = content.manifest
    if (manifest["name"], manifest["version"]) != key:
        raise DatasetIntegrityError(f"{entry.ref}: cache folder {folder} holds {manifest['name']}@{manifest['version']}; delete it")
    _check_metric_fields(folder, manifest, published)
    bench = BenchmarkData(
        name=entry.name,
        version=entry.version,
        fingerprint=manifest["fingerprint"],
        modalities=tuple(manifest["modalities"]),
        class_names=tuple(manifest["class_names"]),
        pool=_read_only_split(content.pool),
        test=_read_only_split(content.test),
        cold_start_order={s: _frozen(o) for s, o in content.cold_start_order.items()},
        ground_truth={k: float(v["accuracy"]) for k, v in manifest["ground_truth"].items()},
    )
    _MEMO[key] = (stat, bench, content)
    return bench, content


def load_benchmark(name: str, version: str | None = None) -> BenchmarkData:
    """Load ``name@version`` (latest if ``None``) as numpy splits, cold-start orders and ground truth.

    From the cache when present (shard sha256 and content fingerprint verified; memoised per
    process until a file changes), else fetched or built into the cache first. Arrays are read-only.
    Raises `DatasetNotFoundError` for an unknown name/version, `DatasetIntegrityError` for a bad file.
    """
    return _load_verified(name, version)[0]


def load_dataset(name: str, version: str | None = None, *, quiet: bool = False) -> datasets.DatasetDict:
    """Load ``name@version`` as a typed `datasets.DatasetDict` with splits ``pool`` and ``test``.

    Same source and checks as `load_benchmark`: from the hub repository at the version's revision
    when it can serve it, else built locally, fingerprint verified either way; one line on stderr
    says which (unless ``quiet``; `dataset_source` returns it too). The cold-start orders are the
    separate config ``<name>-cold-start`` of the same folder (see the dataset card).
    """
    bench, content = _load_verified(name, version)
    if not quiet:
        print(f"mmal-bench: {bench.name}@{bench.version} from {dataset_source(bench.name, bench.version)}, fingerprint {bench.fingerprint} verified", file=sys.stderr)
    return datasets.DatasetDict(
        {s: datasets.Dataset(datasets.table.InMemoryTable(content.tables[s])) for s in ("pool", "test")}
    )


def _frozen(a: np.ndarray) -> np.ndarray:
    a = a.view()
    a.flags.writeable = False
    return a


def _read_only_split(split: Split) -> Split:
    batch = split.read_only()
    return Split(
        batch.features,
        batch.present,
        _frozen(split.ids),
        _frozen(split.labels),
        None if split.clean_labels is None else _frozen(split.clean_labels),
        None if split.corrupted is None else _frozen(split.corrupted),
    )


# --------------------------------------------------------------------------------------------- publish


def record(name: str, version: str | None = None) -> Path:
    """Maintainers: copy the card and manifest of a verified build into ``datasets/<name>/<version>/``.

    The committed manifest is what every later load and regeneration is checked against. The dataset
    is built afresh from its code (never taken from the cache, which verifies against itself), so a
    deliberate change of an unreleased dataset's generator is what gets recorded; the new build then
    replaces the cache folder.
    """
    entry = get_entry(name, version)
    cache = dataset_cache_dir(entry.name, entry.version)
    staging = cache.with_name(f".{cache.name}.record-{uuid.uuid4().hex}")
    try:
        export_built(entry, build_entry(entry), staging)
        target = committed_dir(entry.name, entry.version)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staging / MANIFEST, target / MANIFEST)
        shutil.copyfile(staging / CARD, target / CARD)
        verify_folder(staging)
        shutil.rmtree(cache, ignore_errors=True)
        staging.rename(cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@dataclass(frozen=True)
class PushPlan:
    """What `push_to_hub` uploads: exactly the files of the verified build (card, manifest and the
    shards its manifest lists), to ``repo_id``, then the tag ``revision``."""

    ref: str
    folder: Path
    repo_id: str
    revision: str
    fingerprint: str
    files: tuple[tuple[str, int], ...]  # (path in the folder, bytes)

    def describe(self) -> str:
        lines = [
            f"{self.ref}: push {self.folder} to https://huggingface.co/datasets/{self.repo_id}, then tag it {self.revision}",
            f"  fingerprint {self.fingerprint} (verified)",
        ]
        lines += [f"  {rel}  {size:,} bytes" for rel, size in self.files]
        lines.append(f"  {len(self.files)} files, {sum(size for _, size in self.files):,} bytes")
        return "\n".join(lines)


def push_plan(name: str, version: str | None, repo_id: str | None = None) -> PushPlan:
    """The plan of pushing ``name@version``: its cache folder, verified (against the committed manifest
    too), to ``repo_id`` (default: the entry's hub repository) at the version's revision."""
    entry = get_entry(name, version)
    folder = ensure_built(entry.name, entry.version)
    manifest = verify_folder(folder)
    files = [CARD, MANIFEST, *sorted(manifest["files"])]
    return PushPlan(
        ref=entry.ref,
        folder=folder,
        repo_id=repo_id or str(entry.hub_repo_id),
        revision=entry.hub_revision,
        fingerprint=manifest["fingerprint"],
        files=tuple((rel, (folder / rel).stat().st_size) for rel in files),
    )


def push_to_hub(name: str, version: str | None, repo_id: str | None = None, token: str | None = None, api: Any = None) -> str:
    """Upload the verified build of ``name@version`` (`push_plan`) to its dataset repository and tag it.

    Uploads exactly the planned files (card, manifest, the manifest's shards) through
    ``huggingface_hub``'s ``HfApi`` (``api``: an ``HfApi``-like object; tests pass a fake). Returns the
    revision (commit id) the tag points to.
    """
    plan = push_plan(name, version, repo_id)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    api.create_repo(repo_id=plan.repo_id, repo_type="dataset", exist_ok=True)
    commit = api.upload_folder(
        repo_id=plan.repo_id,
        repo_type="dataset",
        folder_path=str(plan.folder),
        allow_patterns=[rel for rel, _ in plan.files],
        commit_message=f"{plan.ref} ({_dt.date.today().isoformat()})",
    )
    revision = getattr(commit, "oid", None)
    api.create_tag(repo_id=plan.repo_id, repo_type="dataset", tag=plan.revision, revision=revision, tag_message=plan.ref)
    return str(revision)


__all__ = [
    "COLD_START_SPLIT",
    "DatasetNotFoundError",
    "FolderContent",
    "build_entry",
    "cold_start_config",
    "committed_manifest",
    "ensure_built",
    "export",
    "export_built",
    "load_benchmark",
    "load_dataset",
    "metric_fields",
    "PushPlan",
    "dataset_source",
    "push_plan",
    "push_to_hub",
    "read_folder",
    "record",
    "render_card",
    "verify_folder",
]
