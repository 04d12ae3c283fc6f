"""Synthetic result files for leaderboard tests: real `CellResult`s with chosen numbers, no training.

Each strategy gets an AUBC level plus seeded noise, so rankings and tests have known answers.
"""

from __future__ import annotations

import hashlib

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pytest

from mmal_bench.harness.metrics import imbalance
from mmal_bench.harness.results import CellResult, Provenance, RoundRecord, summarize, write_result
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

FINGERPRINTS = {"redundant": "sha256:" + "a" * 64, "synergy": "sha256:" + "b" * 64, "difficulty-gap": "sha256:" + "d" * 64}
PROTOCOL = "sha256:" + "c" * 64


def _stable(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:4], "little")


def source_hash(strategy: str) -> str:
    return "sha256:" + hashlib.sha256(strategy.encode()).hexdigest()


def make_result(
    strategy: str,
    dataset: str = "redundant",
    regime: str = "low",
    seed: int = 0,
    level: float = 0.7,
    *,
    suite: str = "quick",
    benchmark_version: str = BENCHMARK_VERSION,
    fingerprint: str | None = None,
    protocol_hash: str = PROTOCOL,
    noise: float = 0.01,
) -> CellResult:
    """A plausible 3-round result whose accuracy curve sits around ``level``."""
    rng = np.random.default_rng(_stable(strategy, dataset, regime, seed))
    n_labeled = [10, 20, 30]
    acc = [min(0.99, level - 0.05 + 0.05 * r + noise * float(rng.standard_normal())) for r in range(3)]
    rounds = []
    for r in range(3):
        phi = {"a": 0.3 + 0.1 * r, "b": 0.1}
        rounds.append(
            RoundRecord(
                round=r,
                n_labeled=n_labeled[r],
                accuracy=acc[r],
                macro_f1=acc[r] - 0.01,
                subset_accuracy={"a": 0.6, "b": 0.5, "a+b": acc[r]},
                shapley=phi,
                imbalance=imbalance(list(phi.values())),
                utilization_gap=0.1,
                batch_class_counts=None if r == 2 else [5, 5],
                batch_missing_share=None if r == 2 else {"a": 0.0, "b": 0.1},
                train_seconds=0.01,
                query_seconds=None if r == 2 else 0.001 * (1 + r),
            )
        )
    prov = Provenance(
        benchmark_version=benchmark_version,
        package_version=PACKAGE_VERSION,
        suite=suite,
        dataset=dataset,
        dataset_version="1.0.0",
        dataset_fingerprint=fingerprint or FINGERPRINTS[dataset],
        regime=regime,
        seed=seed,
        strategy=strategy,
        strategy_source_hash=source_hash(strategy),
        protocol_hash=protocol_hash,
        packages={"numpy": np.__version__},
    )
    return CellResult(provenance=prov, ground_truth={"a": 0.9, "b": 0.6, "a+b": 0.95}, rounds=rounds, summary=summarize(rounds))


def write_suite(
    root: Path,
    levels: Mapping[str, float],
    *,
    datasets: Iterable[str] = ("redundant", "synergy"),
    regimes: Iterable[str] = ("low", "mid"),
    seeds: Iterable[int] = (0, 1, 2),
    skip: Iterable[tuple[str, str, str, int]] = (),
    **kwargs,
) -> list[Path]:
    """Write a full grid of synthetic results for ``levels`` (strategy -> AUBC level); ``skip`` cells omitted."""
    skip = set(skip)
    paths = []
    for strategy, level in levels.items():
        for dataset in datasets:
            for regime in regimes:
                for seed in seeds:
                    if (strategy, dataset, regime, seed) in skip:
                        continue
                    paths.append(write_result(root, make_result(strategy, dataset, regime, seed, level, **kwargs)))
    return paths


def catalog_for(strategies: Iterable[str]) -> dict[str, StrategyInfo]:
    """A catalog whose current source hashes match what `make_result` records."""
    return {
        s: StrategyInfo(name=s, modality="multimodal" if s.startswith("mm") else "unimodal", source_hash=source_hash(s))
        for s in strategies
    }


def catalog_with_submission(base: Path, levels: Iterable[str]) -> dict[str, StrategyInfo]:
    """`catalog_for` ``levels`` with ``mm-best`` as a submission (folder under ``base``, title, paper, BibTeX)."""
    folder = base / "submissions" / "mm-best"
    folder.mkdir(parents=True)
    (folder / "submission.yaml").write_text("name: MM best\n")
    catalog = catalog_for(levels)
    catalog["mm-best"] = StrategyInfo(
        "mm-best", "multimodal", catalog["mm-best"].source_hash, kind="submission", title="MM best",
        bibtex="@article{x, title={MM best}}", paper_url="https://example.org/paper", folder=folder,
    )  # fmt: skip
    return catalog


def fingerprint_of(name: str, version: str) -> str:
    return FINGERPRINTS[name]


@pytest.fixture(scope="module")
def verdicts_on_few_datasets():
    """Let the Bayesian test decide on these fixtures' 2-3 datasets (`signed_rank.MIN_UNITS` is 6).

    The fixtures plant their effects in 3 datasets to stay fast; lowering the minimum lets their tests
    check how each verdict flows into the board and FINDINGS. The minimum itself is tested in
    test_signed_rank.py / test_power.py, and the committed board runs with the real one.
    """
    from mmal_bench.leaderboard import signed_rank

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(signed_rank, "MIN_UNITS", 2)
        yield
