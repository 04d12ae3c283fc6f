"""Hidden instances of the synthetic datasets: same generator settings, secret seed.

Instance 0 of a dataset is the public one. Instance ``k > 0`` replaces the generator seed by one derived
from a maintainers' secret (HMAC-SHA256 of ``name@version#k``), so neither memorised labels nor a
replay of the public generation help a submission. The seeds of a release's hidden instances are
published with the next release (`instance_seeds`), so anyone can then rebuild them and re-check the
numbers. Real datasets have one instance only: their labels are public.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac

import numpy as np

from mmal_bench.data.fingerprint import content_fingerprint
from mmal_bench.data.registry import DatasetEntry, get_entry
from mmal_bench.data.schema import BenchmarkData, Split
from mmal_bench.errors import ConfigError


def instance_seed(secret: bytes, name: str, version: str, instance: int) -> int:
    """The generator seed of hidden instance ``instance`` (≥ 1) of ``name@version`` (63 bits)."""
    if instance < 1:
        raise ConfigError(f"hidden instances are numbered from 1 (instance 0 is the public dataset), got {instance}")
    digest = hmac.new(secret, f"{name}@{version}#{instance}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _synthetic_spec(entry: DatasetEntry):
    """The generator spec behind a synthetic entry (``None`` for a real dataset)."""
    from mmal_bench.data.suite import build_synthetic

    build = entry.build
    if entry.kind == "synthetic" and isinstance(build, functools.partial) and build.func is build_synthetic:
        return build.args[0], build.args[1] if len(build.args) > 1 else build.keywords.get("ground_truth_rows")
    return None


def has_hidden_instances(name: str, version: str) -> bool:
    """Whether ``name@version`` comes from the synthetic generator (real datasets have only instance 0)."""
    return _synthetic_spec(get_entry(f"{name}@{version}")) is not None


def build_instance(secret: bytes, name: str, version: str, instance: int) -> BenchmarkData:
    """Generate hidden instance ``instance`` of ``name@version`` in memory (never written to the cache).

    Parameters
    ----------
    secret: the maintainers' instance secret.
    name, version: a synthetic dataset of the registry.
    instance: ≥ 1.

    Returns
    -------
    The instance as `BenchmarkData`, with its own content fingerprint, cold-start orders and ground
    truth; its ``name`` and ``version`` are the public dataset's.
    """
    return instance_from_seed(name, version, instance_seed(secret, name, version, instance))


def instance_from_seed(name: str, version: str, seed: int) -> BenchmarkData:
    """Generate the instance of ``name@version`` whose generator seed is ``seed``: what `build_instance`
    does with the key, for anyone once a release has revealed its seeds (`instance_seeds`)."""
    from mmal_bench.data.suite import build_synthetic

    entry = get_entry(f"{name}@{version}")
    found = _synthetic_spec(entry)
    if found is None:
        raise ConfigError(f"{entry.ref} is a real dataset; it has no hidden instances (its labels are public)")
    spec, rows = found
    built = build_synthetic(dataclasses.replace(spec, seed=seed), *(() if rows is None else (rows,)))

    def frozen(split: Split) -> Split:
        # every column, the metric-only clean labels and corruption flags included (the noisy-data
        # metrics of an official run read them, as they do on the public instance)
        batch = split.read_only()
        columns = [None if a is None else np.array(a) for a in (split.ids, split.labels, split.clean_labels, split.corrupted)]
        for a in columns:
            if a is not None:
                a.flags.writeable = False
        return Split(batch.features, batch.present, *columns)

    return BenchmarkData(
        name=entry.name,
        version=entry.version,
        fingerprint=content_fingerprint(built.pool, built.test, built.cold_start_order, entry.class_names),
        modalities=tuple(entry.modalities),
        class_names=tuple(entry.class_names),
        pool=frozen(built.pool),
        test=frozen(built.test),
        cold_start_order={int(s): np.asarray(o) for s, o in built.cold_start_order.items()},
        ground_truth={k: float(v) for k, v in built.ground_truth.items()},
    )


def instance_seeds(secret: bytes, refs: list[tuple[str, str]], instance: int) -> dict[str, int]:
    """The seeds to publish when a release's hidden instance ``instance`` is revealed, by ``name@version``."""
    return {f"{n}@{v}": instance_seed(secret, n, v, instance) for n, v in refs if has_hidden_instances(n, v)}
