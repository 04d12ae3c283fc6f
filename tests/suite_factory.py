"""A tiny registered dataset (``cli-tiny``) and suite (``clitest``: one regime of 2 rounds, seeds 0-1)
for end-to-end tests of the CLI and the Python API (a cell runs in well under a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mmal_bench.data import registry
from mmal_bench.data.entry import DatasetEntry
from mmal_bench.data.suite import synthetic_entry
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec
from mmal_bench.harness import suites
from mmal_bench.harness.protocol import Regime
from mmal_bench.models.config import ModelConfig

TINY_SPEC = GeneratorSpec(
    modalities=(ModalitySpec("a", dim=4, informative=2, noise=0.3), ModalitySpec("b", dim=4, informative=2, noise=0.8, missing_pool=0.2)),
    n_classes=3,
    pool_size=80,
    test_size=60,
    seed=5,
)


def tiny_suite(monkeypatch: pytest.MonkeyPatch) -> Iterator[suites.Suite]:
    """Register ``cli-tiny`` and suite ``clitest`` for one test (use as a generator fixture)."""
    entry = registry.register(_tiny_entry())
    suite = _clitest(seeds=(0, 1))
    monkeypatch.setitem(suites.SUITES, "clitest", suite)
    yield suite
    registry.unregister(entry.name, entry.version)


def register_tiny_suite(seeds: tuple[int, ...]) -> None:
    """Register ``cli-tiny`` and suite ``clitest`` with ``seeds`` for the rest of this process: what a
    script run in a subprocess does at import, so that the workers it spawns (which import it) know
    them too."""
    registry.register(_tiny_entry())
    suites.SUITES["clitest"] = _clitest(seeds)


def _tiny_entry() -> DatasetEntry:
    return synthetic_entry("cli-tiny", TINY_SPEC, pitfall="control", description="CLI test", ground_truth_rows=2000)


def _clitest(seeds: tuple[int, ...]) -> suites.Suite:
    return suites.Suite(
        name="clitest",
        version="0.0.1",
        regimes=(Regime("low", initial=6, batch_size=6, rounds=2),),
        seeds=seeds,
        model=ModelConfig(hidden_sizes=(8,), embed_dim=4, steps=5),
        datasets=("cli-tiny",),
        regime_overrides={},
    )
