"""Load the result files of one suite and prove they belong on one leaderboard.

Every file is schema- and hash-checked (`read_result`), its signature verified against the keys in
``leaderboard/keys`` (official files are those signed by their release's pinned key,
`signing.PINNED_SIGNERS`), its strategy source hash compared with the current source, and its content
checked against its sources (`mmal_bench.harness.verify`: the summary recomputed from the rounds, the
dataset fingerprint and ground truth against the manifest, the protocol against the *current* suite
definition); mixed versions are refused.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness import verify
from mmal_bench.harness.protocol import Protocol
from mmal_bench.harness.results import CellResult, canonical_json, iter_result_files, read_result, tree_hash
from mmal_bench.harness.verify import manifest_truth, suite_definition
from mmal_bench.leaderboard.catalog import StrategyInfo, builtin_catalog

#: ``fingerprint_of(name, version)`` -> the fingerprint recorded in the dataset's manifest.
FingerprintLookup = Callable[[str, str], str]
#: ``definition_of(suite)`` -> the suite's protocols by (dataset, dataset version, regime).
DefinitionLookup = Callable[[str], Mapping[tuple[str, str, str], Protocol]]


@dataclass(frozen=True)
class LoadedResults:
    """Verified result files of one suite and one benchmark version, sorted by cell key."""

    root: Path
    suite: str
    benchmark_version: str
    results: tuple[CellResult, ...]
    paths: tuple[Path, ...]
    #: Per result: signed by its release's pinned maintainers' key (an official score).
    signed: tuple[bool, ...] = ()

    @property
    def strategies(self) -> tuple[str, ...]:
        return tuple(sorted({r.provenance.strategy for r in self.results}))

    @property
    def unofficial(self) -> str:
        """Why this board is not official (one line), or ``""`` when it is: every file signed by the
        release's pinned key, every synthetic dataset on one hidden instance and every real one on its
        public data (instance 0: real data has no hidden instance). The renderers print it as an UNOFFICIAL /
        UNSIGNED mark and ``leaderboard --official`` refuses the board with it."""
        from mmal_bench.harness.signing import pinned_signer

        reasons = []
        n = len(self.results)
        official = self.signed or (False,) * n
        unsigned = sum(r.provenance.signed_by is None for r in self.results)
        if unsigned:
            reasons.append(f"UNSIGNED: {unsigned} of {n} result files (public instance — not evidence; official scoring runs on the hidden instance)")
        pinned = pinned_signer(self.benchmark_version)
        foreign = sorted({r.provenance.signed_by for r, ok in zip(self.results, official, strict=True) if r.provenance.signed_by and not ok})
        if foreign:
            count = sum(1 for r, ok in zip(self.results, official, strict=True) if r.provenance.signed_by and not ok)
            expected = f"release {self.benchmark_version}'s pinned maintainers' key {pinned}" if pinned else f"a pinned key (release {self.benchmark_version} has none)"
            reasons.append(f"UNOFFICIAL: {count} of {n} result files signed by key {', '.join(foreign)}, not {expected}")
        hidden = {r.provenance.instance or 0 for r in self.results if _has_hidden(r)}
        public = sorted({r.provenance.instance or 0 for r in self.results if not _has_hidden(r)} - {0})
        if len(hidden) > 1:
            reasons.append(
                f"UNOFFICIAL: synthetic results on instances {', '.join(map(str, sorted(hidden)))}; an official board scores every synthetic "
                "dataset on one instance"
            )
        if public:
            reasons.append(f"UNOFFICIAL: real-data results on instances {', '.join(map(str, public))}; real datasets have only their public instance 0")
        return "; ".join(reasons)


def _has_hidden(result: CellResult) -> bool:
    """Whether the result's dataset has hidden instances (synthetic ones do; real ones have only their
    public data, instance 0); an unregistered dataset counts as one that does, the stricter reading."""
    return _dataset_has_hidden(result.provenance.dataset, result.provenance.dataset_version)


@functools.lru_cache(maxsize=None)
def _dataset_has_hidden(name: str, version: str) -> bool:
    from mmal_bench.data.instances import has_hidden_instances
    from mmal_bench.errors import MMALBenchError

    try:
        return has_hidden_instances(name, version)
    except MMALBenchError:
        return True


def manifest_fingerprint(name: str, version: str) -> str:
    """The fingerprint a result's dataset must have: its committed manifest's (`verify.manifest_truth`)."""
    return manifest_truth(name, version).fingerprint


def result_checker(suite: str, fingerprint_of: FingerprintLookup | None, definition_of: DefinitionLookup | None) -> verify.ResultChecker:
    """The check every loaded file passes (`verify.ResultChecker`): with the default ``fingerprint_of``
    against the committed manifests (fingerprint and ground truth), with another against its
    fingerprints only (tests of the maths), with ``None`` against the rounds and the suite alone."""
    if fingerprint_of is manifest_fingerprint:
        truth_of: verify.TruthLookup | None = manifest_truth
    elif fingerprint_of is not None:
        lookup = fingerprint_of

        def truth_of(name: str, version: str) -> verify.DatasetTruth:
            return verify.DatasetTruth(lookup(name, version), None)

    else:
        truth_of = None
    return verify.ResultChecker(suite, definition_of(suite) if definition_of is not None else None, truth_of)


def suites_in(root: Path) -> list[str]:
    """Names of the suites with a folder under the results root (hidden/staging folders skipped)."""
    root = Path(root)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []


def load_results(
    root: Path,
    *,
    suite: str | None = None,
    catalog: Mapping[str, StrategyInfo] | None = None,
    fingerprint_of: FingerprintLookup | None = manifest_fingerprint,
    verify_sources: bool = True,
    definition_of: DefinitionLookup | None | str = "auto",
) -> LoadedResults:
    """Read and verify every result file of ``suite`` under ``root``.

    Parameters
    ----------
    root: the results root (files at ``<root>/<suite>/<dataset>@<version>/<regime>/<strategy>/seed-N.json``).
    suite: which suite to load; ``None`` means the only suite present (an error if there are several).
    catalog: the strategies the leaderboard knows (default: the built-ins); a result of a strategy not in
        it, or whose recorded source hash differs from the catalog's, is rejected when
        ``verify_sources`` is on.
    fingerprint_of: dataset manifest lookup; ``None`` skips the manifest check (tests of the maths only).
    definition_of: the current suite definition (`suite_definition`); ``"auto"`` checks against it
        whenever the real manifests are checked (tests of the maths that fake the datasets skip both).

    Raises `ResultIntegrityError` naming the first offending file, or naming the conflicting values
    when benchmark versions, dataset fingerprints or protocol hashes are mixed.
    """
    root = Path(root)
    if not root.is_dir():
        raise ResultIntegrityError(f"results root {root} does not exist; run `mmal-bench run` first or pass --results DIR")
    suites = suites_in(root)
    if suite is None:
        if len(suites) > 1:
            raise ResultIntegrityError(f"{root} holds several suites ({', '.join(suites)}); choose one with --suite")
        if not suites:
            raise ResultIntegrityError(f"{root} holds no result files; run `mmal-bench run` first")
        suite = suites[0]
    if suite not in suites:
        raise ResultIntegrityError(f"{root} holds no results of suite {suite!r} (found: {', '.join(suites) or 'none'})")
    catalog = builtin_catalog() if catalog is None else catalog

    paths = list(iter_result_files(root / suite))
    if not paths:
        raise ResultIntegrityError(f"{root / suite} holds no result files; run `mmal-bench run --suite {suite}` first")
    results = [read_result(p) for p in paths]
    from mmal_bench.harness.signing import is_official, public_keys, verify_signature

    keys = public_keys()
    verified = [verify_signature(r, keys, p) for p, r in zip(paths, results, strict=True)]
    signed = [ok and is_official(r) for ok, r in zip(verified, results, strict=True)]
    if definition_of == "auto":
        definition_of = suite_definition if fingerprint_of is manifest_fingerprint else None
    checker = result_checker(suite, fingerprint_of, definition_of)
    signed_by_path = dict(zip(paths, verified, strict=True))

    folder_hashes: dict[Path, str] = {}

    def folder_hash(folder: Path) -> str:
        if folder not in folder_hashes:
            folder_hashes[folder] = tree_hash(folder)
        return folder_hashes[folder]

    for path, result in zip(paths, results, strict=True):
        prov = result.provenance
        if verify_sources:
            info = catalog.get(prov.strategy)
            if info is None:
                raise ResultIntegrityError(
                    f"{path}: strategy {prov.strategy!r} is neither built in nor a submission; its source cannot be verified"
                )
            if info.source_hash is None or prov.strategy_source_hash != info.source_hash:
                raise ResultIntegrityError(
                    f"{path}: strategy source hash {prov.strategy_source_hash} does not match the current source of "
                    f"{prov.strategy!r} ({info.source_hash}); re-run this strategy"
                )
            if prov.submission_hash is not None and (info.folder is None or folder_hash(info.folder) != prov.submission_hash):
                raise ResultIntegrityError(
                    f"{path}: submission folder hash {prov.submission_hash} does not match the current folder of {prov.strategy!r}; re-submit it"
                )
        if prov.instance:  # a hidden instance: its fingerprint is vouched for by the maintainers' signature
            if not signed_by_path[path]:
                raise ResultIntegrityError(f"{path}: a result on hidden instance {prov.instance} must be signed by a key in leaderboard/keys")
        checker.check(path, result)

    _refuse_mixtures(root / suite, paths, results)
    order = sorted(range(len(results)), key=lambda i: _sort_key(results[i]))
    return LoadedResults(
        root=root,
        suite=suite,
        benchmark_version=results[0].provenance.benchmark_version,
        results=tuple(results[i] for i in order),
        paths=tuple(paths[i] for i in order),
        signed=tuple(signed[i] for i in order),
    )


def _sort_key(result: CellResult) -> tuple:
    k = result.key
    return (k.dataset, k.dataset_version, k.regime, k.strategy, k.seed)


def _refuse_mixtures(where: Path, paths: list[Path], results: list[CellResult]) -> None:
    """One leaderboard = one benchmark version, one fingerprint per dataset, one protocol per (dataset, regime)."""
    checks: list[tuple[str, Callable[[CellResult], tuple], Callable[[CellResult], str]]] = [
        ("benchmark versions", lambda r: (), lambda r: r.provenance.benchmark_version),
        ("dataset versions", lambda r: (r.provenance.dataset,), lambda r: r.provenance.dataset_version),
        ("dataset fingerprints", lambda r: (r.provenance.dataset, r.provenance.dataset_version), lambda r: r.provenance.dataset_fingerprint),
        # a hidden instance's ground truth is in no manifest: every cell of it must at least agree
        ("ground truths", lambda r: (r.provenance.dataset, r.provenance.dataset_version), lambda r: canonical_json(r.ground_truth)),
        (
            "protocol hashes",
            lambda r: (r.provenance.dataset, r.provenance.dataset_version, r.provenance.regime),
            lambda r: r.provenance.protocol_hash,
        ),
        ("strategy source hashes", lambda r: (r.provenance.strategy,), lambda r: r.provenance.strategy_source_hash),
    ]
    for what, group_of, value_of in checks:
        seen: dict[tuple, dict[str, Path]] = defaultdict(dict)
        for path, result in zip(paths, results, strict=True):
            seen[group_of(result)].setdefault(value_of(result), path)
        for group, values in sorted(seen.items()):
            if len(values) > 1:
                (v1, p1), (v2, p2) = sorted(values.items())[:2]
                scope = f" for {'/'.join(str(g) for g in group)}" if group else ""
                raise ResultIntegrityError(
                    f"{where} mixes {what}{scope}: {v1} ({p1}) and {v2} ({p2}); one leaderboard takes one; "
                    "move the other results to their own results root"
                )
