"""Protocols, their hash, and the named suites."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mmal_bench.data.catalog import static_entries
from mmal_bench.data.registry import list_entries
from mmal_bench.errors import ConfigError
from mmal_bench.harness.calibration import load_calibration, regimes_from
from mmal_bench.harness.protocol import Protocol, Regime, model_seed, query_seed
from mmal_bench.harness.suites import QUICK, STANDARD, STANDARD_3, get_suite
from mmal_bench.models.config import ModelConfig
from mmal_bench.version import BENCHMARK_VERSION

BASE = Protocol("standard", "1.0.0", "redundant", "1.0.0", Regime("low", 20, 20, 10), tuple(range(10)), ModelConfig())


def test_regime_budgets_and_validation() -> None:
    assert Regime("low", 20, 20, 10).budgets == tuple(range(20, 221, 20))
    assert Regime("x", 5, 10, 0).max_labels == 5
    with pytest.raises(ConfigError, match="regime low: batch_size must be an integer >= 1, got 0"):
        Regime("low", 20, 0, 10)


def test_protocol_hash_is_stable_and_sensitive() -> None:
    assert BASE.protocol_hash == replace(BASE).protocol_hash
    assert BASE.protocol_hash.startswith("sha256:") and len(BASE.protocol_hash) == 71
    variants = [
        replace(BASE, regime=Regime("low", 20, 20, 9)),
        replace(BASE, model=ModelConfig(steps=99)),
        replace(BASE, dataset_version="1.0.1"),
        replace(BASE, seeds=(0, 1)),
        replace(BASE, suite_version="1.0.1"),
    ]
    assert len({BASE.protocol_hash, *(v.protocol_hash for v in variants)}) == 1 + len(variants)
    with pytest.raises(ConfigError, match="seeds must be distinct non-negative integers"):
        replace(BASE, seeds=(1, 1))


def test_derived_seeds_are_deterministic_and_distinct() -> None:
    assert model_seed(0, 1) == model_seed(0, 1) != model_seed(0, 2) != model_seed(1, 1)
    assert query_seed(0, 1, "entropy") != query_seed(0, 1, "margin")
    assert 0 <= query_seed(3, 4, "badge") < 2**63


def test_standard_suite_covers_its_3_0_0_population_with_calibrated_regimes() -> None:
    suite = get_suite("standard")
    assert suite is STANDARD_3 and suite.version == BENCHMARK_VERSION == "3.0.0"
    protocols = suite.protocols()
    # every 3.0.0 dataset declared in code: the synthetic population and the real and semi-synthetic families
    declared = {e.name for e in static_entries() if e.version == "3.0.0"}
    synthetic = {e.name for e in list_entries() if e.kind == "synthetic" and e.version == "3.0.0"}
    assert {p.dataset for p in protocols} == declared and synthetic < declared and len(declared) == len(suite.datasets) >= 50
    assert all(p.dataset_version == "3.0.0" and p.benchmark_version == "3.0.0" for p in protocols)
    assert all(p.seeds == tuple(range(5)) for p in protocols)
    calibrated = regimes_from(load_calibration("standard", "3.0.0"))
    assert {(p.dataset, p.regime) for p in protocols} == {(d, r) for d, regimes in calibrated.items() for r in regimes}
    for p in protocols:
        assert [r.name for r in calibrated[p.dataset]] == ["low", "mid"]  # budgets come from the committed calibration
        assert p.regime.initial == p.regime.batch_size and p.regime.rounds == 10  # cold start = query size


def test_the_archived_standard_2_0_0_suite_stays_available_with_its_calibrated_regimes() -> None:
    assert get_suite("standard@2.0.0") is STANDARD and STANDARD.version == "2.0.0"
    protocols = STANDARD.protocols()
    synthetic = {e.name for e in list_entries() if e.kind == "synthetic" and e.version == "2.0.0"}
    assert {p.dataset for p in protocols} == synthetic and len(synthetic) == 10
    assert all(p.dataset_version == "2.0.0" and p.suite_version == "2.0.0" and p.seeds == tuple(range(20)) for p in protocols)
    calibrated = regimes_from(load_calibration("standard", "2.0.0"))
    for p in protocols:
        assert p.regime in calibrated[p.dataset]
        assert p.regime.initial == p.regime.batch_size and p.regime.rounds == 10


def test_quick_suite_is_small_and_selection_errors_are_one_line() -> None:
    protocols = QUICK.protocols()
    assert len(protocols) == 4 and len(QUICK.seeds) == 2
    assert [p.regime.name for p in QUICK.protocols(datasets=["difficulty-gap"], regimes=["mid"])] == ["mid"]
    assert {p.dataset_version for p in protocols} == {"2.0.0"}
    with pytest.raises(ConfigError, match=r"unknown dataset\(s\) nope for suite 'quick'; choose from: difficulty-gap, missing-mnar"):
        QUICK.protocols(datasets=["nope"])
    with pytest.raises(ConfigError, match="unknown suite 'full'; choose from: quick, standard"):
        get_suite("full")
