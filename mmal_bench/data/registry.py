"""The dataset registry: every published dataset as a declarative, versioned `DatasetEntry`.

Entries are declared in data modules (`mmal_bench.data.suite`, `mmal_bench.data.population`,
`mmal_bench.data.real.*`) and listed explicitly in `mmal_bench.data.catalog`; the registry registers
that list once, the first time it is read. Nothing registers by import side effect.
"""

from __future__ import annotations

from mmal_bench.data.entry import KINDS, BuiltDataset, DatasetEntry, check_built, validate_entry
from mmal_bench.errors import DatasetNotFoundError

_REGISTRY: dict[tuple[str, str], DatasetEntry] = {}
_CATALOG_LOADED = False


def register(entry: DatasetEntry, *, replace: bool = False) -> DatasetEntry:
    """Add ``entry`` to the registry (validated once, here); returns it so it can be used as a value.

    Raises ``ValueError`` for a malformed entry or a duplicate ``name@version`` (unless ``replace``):
    a published version is immutable, so a second definition is a bug, not an update.
    """
    validate_entry(entry)
    key = (entry.name, entry.version)
    if key in _REGISTRY and not replace:
        raise ValueError(f"dataset {entry.ref} is already registered; publish a new version instead")
    _REGISTRY[key] = entry
    return entry


def unregister(name: str, version: str) -> None:
    """Remove ``name@version`` (for tests and plugins that register temporary entries)."""
    _REGISTRY.pop((name, version), None)


def parse_ref(ref: str) -> tuple[str, str | None]:
    """Split ``"name@1.0.0"`` into ``("name", "1.0.0")``; ``"name"`` gives ``("name", None)``."""
    name, sep, version = ref.strip().partition("@")
    if not name or (sep and not version):
        raise DatasetNotFoundError(f"malformed dataset reference {ref!r}; use NAME or NAME@VERSION (e.g. redundant@1.0.0)")
    return name, (version or None)


def list_entries() -> list[DatasetEntry]:
    """Every registered dataset version, sorted by kind (synthetic first), name, then version."""
    _load_catalog()
    return sorted(_REGISTRY.values(), key=lambda e: (KINDS.index(e.kind), e.name, _version_key(e.version)))


def get_entry(name: str, version: str | None = None) -> DatasetEntry:
    """The entry for ``name@version`` (``version=None``: the latest registered version).

    Raises `DatasetNotFoundError` naming the known datasets (or the known versions of ``name``).
    """
    _load_catalog()
    if version is None and "@" in name:
        name, version = parse_ref(name)
    versions = sorted((v for (n, v) in _REGISTRY if n == name), key=_version_key)
    if not versions:
        known = ", ".join(sorted({n for n, _ in _REGISTRY})) or "(none)"
        raise DatasetNotFoundError(f"unknown dataset {name!r}; known datasets: {known}")
    if version is None:
        version = versions[-1]
    if (name, version) not in _REGISTRY:
        raise DatasetNotFoundError(f"dataset {name!r} has no version {version!r}; known versions: {', '.join(versions)}")
    return _REGISTRY[(name, version)]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _load_catalog() -> None:
    # Deferred to the first read, so that importing the registry stays cheap; the catalog imports
    # only declaration modules (never this one), so there is no import cycle.
    global _CATALOG_LOADED
    if not _CATALOG_LOADED:
        _CATALOG_LOADED = True
        from mmal_bench.data.catalog import catalog_entries

        for entry in catalog_entries():
            register(entry, replace=entry.kind == "real" and (entry.name, entry.version) in _REGISTRY)


__all__ = ["KINDS", "BuiltDataset", "DatasetEntry", "check_built", "get_entry", "list_entries", "parse_ref", "register", "unregister"]
