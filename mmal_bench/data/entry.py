"""What a published dataset is: `DatasetEntry` (metadata + builder) and `BuiltDataset` (its content).

Pure declarations with no registry behind them, so the modules that declare datasets (the synthetic
suites, the 3.0.0 population, the real loaders) import this module and never the registry; the
registry collects their entries through the explicit list in `mmal_bench.data.catalog`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmal_bench.data.schema import Split, all_subsets, subset_key

KINDS = ("synthetic", "real")
#: Hugging Face namespace (organisation) of the published datasets: ``<HUB_NAMESPACE>/<name>``, tagged per
#: version. Part of no fingerprint: moving the repositories changes where data comes from, never what it is.
HUB_NAMESPACE = "mmal-bench"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_MODALITY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class BuiltDataset:
    """What an entry's builder returns: the full content of one dataset version, in memory.

    ``pool`` / ``test`` are `Split`s whose ids are ``0..n-1`` in row order. ``cold_start_order[seed]``
    is an int64 ordering of pool ids whose every prefix is class-balanced (see
    `mmal_bench.data.cold_start.cold_start_orders`). ``ground_truth[subset_key]`` is the accuracy a
    good classifier reaches with only that modality subset on the test distribution (missing
    modalities give no information); ``ground_truth_se`` its standard error (0 for exact values,
    omitted keys mean unknown). ``spec`` is a JSON-able record of how the data was made (generator
    spec and seed, or source files and encoder), copied to the manifest and card. ``card_notes`` is
    extra Markdown for the dataset card (method of the ground truth, provenance, caveats).
    """

    pool: Split
    test: Split
    cold_start_order: Mapping[int, np.ndarray]
    ground_truth: Mapping[str, float]
    ground_truth_se: Mapping[str, float] = field(default_factory=dict)
    spec: Mapping[str, Any] = field(default_factory=dict)
    card_notes: str = ""


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset version: metadata next to the deterministic code that builds it (as in MTEB).

    ``build()`` must return the same `BuiltDataset` content on every call and every machine (same
    fingerprint); the committed manifest in ``datasets/<name>/<version>/manifest.json`` records that
    fingerprint. ``hub_repo_id`` is the Hugging Face dataset repository of the published copy (default
    ``HUB_NAMESPACE/<name>``), one repository per dataset with one tag per version (`hub_revision`);
    loading falls back to a local build whenever the hub cannot serve it. ``schema_version`` 2 means the
    splits carry the metric-only columns ``clean_label`` and ``corrupted`` and the fingerprint also
    covers the manifest's metric fields (ground truth, class names, quality shares); 1 is the 1.0.0 layout.
    """

    name: str
    version: str
    kind: str
    pitfall: str
    description: str
    modalities: tuple[str, ...]
    class_names: tuple[str, ...]
    pool_size: int
    test_size: int
    citation: str
    license: str
    build: Callable[[], BuiltDataset] = field(compare=False, repr=False)
    modality_dims: tuple[int, ...] = ()
    hub_repo_id: str | None = None
    schema_version: int = 1

    def __post_init__(self) -> None:
        if self.hub_repo_id is None:
            object.__setattr__(self, "hub_repo_id", f"{HUB_NAMESPACE}/{self.name}")

    @property
    def hub_revision(self) -> str:
        """The hub revision (a tag) holding this version: the version itself."""
        return self.version

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def check_built(entry: DatasetEntry, built: BuiltDataset) -> None:
    """Check that ``built`` honours the schema promised by ``entry`` (raises ``ValueError`` if not).

    Run on every build so a wrong builder fails loudly before anything is exported or fingerprinted.
    """
    for split_name, split, size in (("pool", built.pool, entry.pool_size), ("test", built.test, entry.test_size)):
        where = f"{entry.ref} {split_name}"
        if tuple(split.modalities) != tuple(entry.modalities):
            raise ValueError(f"{where}: modalities {split.modalities} != declared {entry.modalities}")
        n = len(split.ids)
        if n != size:
            raise ValueError(f"{where}: {n} rows, entry declares {size}")
        if not np.array_equal(split.ids, np.arange(n)):
            raise ValueError(f"{where}: ids must be 0..n-1 in row order")
        if len(split.labels) != n or split.labels.min(initial=0) < 0 or split.labels.max(initial=0) >= entry.n_classes:
            raise ValueError(f"{where}: labels must be n ints in [0, {entry.n_classes})")
        for i, m in enumerate(entry.modalities):
            x, p = split.features[m], split.present[m]
            if x.ndim != 2 or x.shape[0] != n or p.shape != (n,) or x.dtype != np.float32 or p.dtype != bool:
                raise ValueError(f"{where}: modality {m!r} must be float32 (n, d) with bool (n,) presence")
            if entry.modality_dims and x.shape[1] != entry.modality_dims[i]:
                raise ValueError(f"{where}: modality {m!r} has {x.shape[1]} dims, entry declares {entry.modality_dims[i]}")
            if np.any(x[~p]):
                raise ValueError(f"{where}: missing {m!r} vectors must be all-zero")
        if split.annotated != (entry.schema_version >= 2):
            raise ValueError(f"{where}: schema {entry.schema_version} {'needs' if entry.schema_version >= 2 else 'has no'} clean_label and corrupted columns")
    n_pool = len(built.pool.ids)
    for seed, order in built.cold_start_order.items():
        order = np.asarray(order)
        if order.dtype != np.int64 or order.ndim != 1 or len(np.unique(order)) != len(order):
            raise ValueError(f"{entry.ref}: cold-start order for seed {seed} must be distinct int64 ids")
        if len(order) and (order.min() < 0 or order.max() >= n_pool):
            raise ValueError(f"{entry.ref}: cold-start order for seed {seed} holds ids outside the pool")
    expected = {subset_key(s, entry.modalities) for s in all_subsets(entry.modalities)}
    if set(built.ground_truth) != expected:
        raise ValueError(f"{entry.ref}: ground truth keys {sorted(built.ground_truth)} != modality subsets {sorted(expected)}")


def validate_entry(entry: DatasetEntry) -> None:
    problems = []
    if not _NAME_RE.match(entry.name):
        problems.append(f"name {entry.name!r} must be lowercase letters, digits and '-'")
    if not _VERSION_RE.match(entry.version):
        problems.append(f"version {entry.version!r} must be MAJOR.MINOR.PATCH")
    if entry.kind not in KINDS:
        problems.append(f"kind {entry.kind!r} must be one of {KINDS}")
    if len(entry.modalities) < 2 or len(set(entry.modalities)) != len(entry.modalities):
        problems.append("needs at least two distinct modalities")
    bad = [m for m in entry.modalities if not _MODALITY_RE.match(m)]
    if bad:
        problems.append(f"modality names {bad} must be short lowercase identifiers")
    if len(entry.class_names) < 2:
        problems.append("needs at least two classes")
    if entry.modality_dims and len(entry.modality_dims) != len(entry.modalities):
        problems.append("modality_dims must give one dimension per modality")
    if entry.pool_size <= 0 or entry.test_size <= 0:
        problems.append("pool_size and test_size must be positive")
    if entry.schema_version not in (1, 2):
        problems.append(f"schema_version {entry.schema_version!r} must be 1 or 2")
    if not callable(entry.build):
        problems.append("build must be callable")
    if problems:
        raise ValueError(f"dataset entry {entry.name}@{entry.version}: " + "; ".join(problems))
