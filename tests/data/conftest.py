"""Shared fixtures for the data-stage tests: a private cache and a tiny registered dataset."""

from __future__ import annotations

import pytest

from mmal_bench.data import hub
from mmal_bench.data.registry import register, unregister
from mmal_bench.data.suite import synthetic_entry
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec

TOY_SPEC = GeneratorSpec(
    modalities=(
        ModalitySpec("a", dim=6, informative=2, noise=0.4, missing_pool=0.2, missing_test=0.1),
        ModalitySpec("b", dim=5, informative=2, noise=0.6),
    ),
    n_classes=3,
    interaction={"redundant": 0.5, "unique": 0.5},
    pool_size=300,
    test_size=120,
    seed=5,
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh, empty $MMAL_BENCH_HOME and a cleared in-process load memo."""
    monkeypatch.setenv("MMAL_BENCH_HOME", str(tmp_path / "home"))
    hub._MEMO.clear()
    yield tmp_path / "home"
    hub._MEMO.clear()


@pytest.fixture
def toy(home):
    """A tiny synthetic dataset ``toy-test@0.1.0`` registered for the duration of one test."""
    entry = register(
        synthetic_entry("toy-test", TOY_SPEC, pitfall="test", description="Tiny test dataset.", version="0.1.0", ground_truth_rows=4000),
        replace=True,
    )
    yield entry
    unregister(entry.name, entry.version)
