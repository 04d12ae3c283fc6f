"""Recompute published cells and compare them number by number with the files: the check that this
code, on this machine, reproduces a results folder (a leaderboard release, a colleague's run).

Timings, the signature and the fields that name the code rather than the cell (harness hash, package
version, installed packages) are left out of the comparison; everything else must be identical,
float for float: the dataset fingerprint, the protocol and strategy source hashes, every round's
metrics. Maintainers run it after a change that must not move a published number; anyone can run it
on public results, and on a release's hidden-instance results once their seeds are revealed
(`mmal-bench keys reveal` prints them for the next release to publish).

Only built-in strategies are recomputed; a submission's cells are reported as skipped (its code runs
in the jail, through ``mmal-bench submit``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mmal_bench.data.schema import BenchmarkData
from mmal_bench.errors import ConfigError
from mmal_bench.harness.results import TIMING_FIELDS, CellResult, iter_result_files, read_result, result_path
from mmal_bench.harness.verify import ResultChecker, suite_definition

#: Provenance fields that describe the code or the signing, not the cell: never compared.
NOT_COMPARED = ("harness_hash", "package_version", "packages", "signed_by", "instance", "jailed", "submission_hash")


@dataclass(frozen=True)
class Mismatch:
    """A recomputed cell that differs from its file: where, and the first field that differs."""

    path: Path
    detail: str


@dataclass
class ReproduceReport:
    """What `reproduce` compared, what differed and what it could not recompute."""

    compared: list[Path] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    #: Cells of strategies that are not built in (submissions), by strategy name.
    skipped: dict[str, int] = field(default_factory=dict)
    #: Package versions the published cells record that this machine does not have.
    package_notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.mismatches


def comparable(result: CellResult) -> dict:
    """The parts of ``result`` that a reproduction must match exactly (see `NOT_COMPARED`)."""
    body = result.model_dump(mode="json", exclude={"content_hash", "signature"})
    for name in NOT_COMPARED:
        body["provenance"].pop(name, None)
    for record in body["rounds"]:
        for name in TIMING_FIELDS:
            record.pop(name, None)
    return body


def first_difference(published: object, recomputed: object, where: str = "") -> str | None:
    """``"rounds[3].accuracy: published 0.8125, recomputed 0.815"`` for the first differing leaf, or ``None``."""
    if isinstance(published, dict) and isinstance(recomputed, dict):
        # in the file's field order, so the cell's identity (provenance: dataset fingerprint, protocol and
        # source hashes) is named before the numbers it explains
        for key in [*published, *(k for k in recomputed if k not in published)]:
            inner = f"{where}.{key}" if where else str(key)
            if key not in published or key not in recomputed:
                return f"{inner}: only in the {'recomputed' if key not in published else 'published'} cell"
            found = first_difference(published[key], recomputed[key], inner)
            if found:
                return found
        return None
    if isinstance(published, list) and isinstance(recomputed, list):
        if len(published) != len(recomputed):
            return f"{where}: published {len(published)} entries, recomputed {len(recomputed)}"
        for i, (a, b) in enumerate(zip(published, recomputed, strict=True)):
            found = first_difference(a, b, f"{where}[{i}]")
            if found:
                return found
        return None
    return None if published == recomputed else f"{where}: published {published!r}, recomputed {recomputed!r}"


def read_revealed(path: Path) -> tuple[int, dict[str, int]]:
    """``(instance, {name@version: seed})`` from the JSON ``mmal-bench keys reveal`` prints."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        instance, seeds = int(raw["instance"]), {str(k): int(v) for k, v in raw["seeds"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(
            f"{path}: not a revealed-seeds file ({type(exc).__name__}: {exc}); expected the JSON of `mmal-bench keys reveal` "
            '({"instance": 1, "seeds": {"name@version": seed, ...}})'
        ) from None
    return instance, seeds


def reproduce(
    results: Path | str,
    suite: str = "standard",
    *,
    strategies: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None,
    regimes: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    key: Path | None = None,
    revealed: Path | None = None,
    jobs: int | None = None,
    progress: bool = False,
) -> ReproduceReport:
    """Recompute the published cells of ``suite`` under ``results`` that match the selection and compare.

    Parameters
    ----------
    results:
        A results folder (``<results>/<suite>/<dataset>/<regime>/<strategy>/seed-<k>.json``), e.g.
        ``leaderboard/results/2.0.0``.
    strategies, datasets, regimes, seeds:
        Restrict the cells (``None``: every published one); datasets as ``name`` or ``name@version``.
    key, revealed:
        For cells scored on a hidden instance: the maintainers' private key, or the file of revealed
        seeds (`read_revealed`). Public cells need neither.
    jobs:
        Worker processes for the recomputation (default: all cores).
    """
    if key is not None and revealed is not None:
        raise ConfigError("pass --key or --revealed, not both: each rebuilds the hidden instances on its own")
    from mmal_bench.harness.executors import make_executor
    from mmal_bench.harness.loop import builtin_entry, package_versions
    from mmal_bench.harness.runner import run_protocols
    from mmal_bench.harness.suites import get_suite
    from mmal_bench.strategies import BUILTIN_STRATEGIES

    chosen = get_suite(suite)
    published = _select(Path(results), suite, strategies, datasets, regimes, seeds)
    report = ReproduceReport()
    builtin = {}
    for path, result in published.items():
        name = result.provenance.strategy
        if name in BUILTIN_STRATEGIES:
            builtin[path] = result
        else:
            report.skipped[name] = report.skipped.get(name, 0) + 1
    installed = package_versions()
    for package, version in sorted({(k, v) for r in builtin.values() for k, v in r.provenance.packages.items()}):
        if installed.get(package) != version:
            report.package_notes.append(f"{package} {version} (this machine: {installed.get(package, 'not installed')})")
    if not builtin:
        return report

    data = _instances(builtin.values(), key, revealed)
    protocols = {p.dataset_ref + "/" + p.regime.name: p for p in chosen.protocols()}
    needed: dict[str, None] = {}
    for result in builtin.values():
        prov = result.provenance
        where = f"{prov.dataset}@{prov.dataset_version}/{prov.regime}"
        if where not in protocols:
            raise ConfigError(f"suite {suite} {chosen.version} has no protocol {where}; these results belong to another suite version")
        needed[where] = None
    # One run over every needed protocol, so the groups spread over the workers. A group is recomputed
    # as `run` computed it: every built-in the folder holds, in the registry's order (the order `run`
    # uses), whatever --strategies selects for comparison. Why: in benchmark 3.0.0 the fused trainer's
    # batched members are not bitwise independent of each other, so a cell's numbers depend on the
    # strategies beside it and their order (measured: rounding-level accuracy differences that change
    # later selections, e.g. 0.7280 vs 0.7235 at a round of bmmal on missing-mnar-v1).
    ran = {p.parts[-2] for p in (Path(results) / suite).glob("*/*/*/seed-*.json")}  # <dataset>/<regime>/<strategy>/seed-k.json
    group = [n for n in BUILTIN_STRATEGIES if n in ran]
    with tempfile.TemporaryDirectory(prefix="mmal-bench-reproduce-") as tmp, make_executor(jobs) as executor:
        run_protocols(
            [protocols[w] for w in needed],
            [builtin_entry(n) for n in group],
            Path(tmp),
            seeds=sorted({r.provenance.seed for r in builtin.values()}),
            executor=executor,
            data=data,
            progress=progress,
        )
        for path, result in builtin.items():
            recomputed = read_result(result_path(Path(tmp), result.key))
            difference = first_difference(comparable(result), comparable(recomputed))
            report.compared.append(path)
            if difference:
                report.mismatches.append(Mismatch(path, difference))
    return report


def _select(
    root: Path,
    suite: str,
    strategies: Sequence[str] | None,
    datasets: Sequence[str] | None,
    regimes: Sequence[str] | None,
    seeds: Sequence[int] | None,
) -> dict[Path, CellResult]:
    """The published cells of ``suite`` under ``root`` that match every given filter, each read and checked
    against its sources (`verify.ResultChecker`: a forged file is named before hours of recomputation)."""
    if not (root / suite).is_dir():
        raise ConfigError(f"{root} holds no results of suite {suite!r} (no folder {root / suite}); pass the folder a run wrote, e.g. leaderboard/results/2.0.0")
    wanted_datasets = None if datasets is None else set(datasets)
    wanted_seeds = None if seeds is None else {str(s) for s in seeds}  # as they appear in file names
    chosen: dict[Path, CellResult] = {}
    checker = ResultChecker(suite, suite_definition(suite))
    for path in iter_result_files(root / suite):
        # filter on the path (<dataset@version>/<regime>/<strategy>/seed-<k>.json) before reading: a
        # release holds thousands of files; `read_result` then checks that the path matches the content
        ref, regime, strategy, seed = path.parts[-4], path.parts[-3], path.parts[-2], path.stem.removeprefix("seed-")
        if strategies is not None and strategy not in strategies:
            continue
        if wanted_datasets is not None and not wanted_datasets & {ref, ref.split("@")[0]}:
            continue
        if (regimes is not None and regime not in regimes) or (wanted_seeds is not None and seed not in wanted_seeds):
            continue
        chosen[path] = read_result(path)
        checker.check(path, chosen[path])
    if not chosen:
        raise ConfigError(f"no published cell of suite {suite!r} under {root} matches the selection; widen --strategies/--datasets/--regimes/--seeds")
    return chosen


def _instances(results: Iterable[CellResult], key: Path | None, revealed: Path | None) -> Mapping[str, BenchmarkData]:
    """The hidden instances the published cells were scored on, rebuilt from ``key`` or ``revealed``."""
    wanted: dict[str, int] = {}
    for result in results:
        prov = result.provenance
        ref, instance = f"{prov.dataset}@{prov.dataset_version}", prov.instance or 0
        if wanted.setdefault(ref, instance) != instance:
            raise ConfigError(f"the selected cells of {ref} were scored on instances {wanted[ref]} and {instance}; select one kind of result")
    hidden = {ref: k for ref, k in wanted.items() if k > 0}
    if not hidden:
        return {}
    if key is None and revealed is None:
        first, k = next(iter(hidden.items()))
        raise ConfigError(
            f"the cells of {first} were scored on hidden instance {k}; pass --key FILE (maintainers) or "
            "--revealed FILE (the seeds `mmal-bench keys reveal` published with the next release)"
        )
    from mmal_bench.data.instances import build_instance, instance_from_seed

    if key is not None:
        from mmal_bench.harness.signing import instance_secret, load_private_key

        secret = instance_secret(load_private_key(key))
        return {ref: build_instance(secret, *ref.split("@"), k) for ref, k in hidden.items()}
    assert revealed is not None
    instance, seeds = read_revealed(revealed)
    data = {}
    for ref, k in hidden.items():
        if k != instance:
            raise ConfigError(f"{revealed} reveals instance {instance}, but the cells of {ref} were scored on instance {k}")
        if ref not in seeds:
            raise ConfigError(f"{revealed} reveals no seed for {ref}; it lists {sorted(seeds)}")
        data[ref] = instance_from_seed(*ref.split("@"), seeds[ref])
    return data


__all__ = ["Mismatch", "ReproduceReport", "comparable", "first_difference", "read_revealed", "reproduce"]
