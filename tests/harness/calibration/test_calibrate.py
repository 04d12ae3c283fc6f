"""Budget calibration on a tiny registered dataset: exact reproducibility, the regime rule, the gate,
and that the committed standard calibration is what the code computes and what the suite runs."""

from __future__ import annotations

import math

import pytest

from mmal_bench.data import hub
from mmal_bench.data.registry import register, unregister
from mmal_bench.data.suite import synthetic_entry
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec
from mmal_bench.errors import ConfigError
from mmal_bench.harness.calibration import calibrate, calibration_path, gate_rows, load_calibration, regimes_from
from mmal_bench.harness.calibration.store import duplicate_regimes
from mmal_bench.harness.calibration.calibrate import _order, _point
from mmal_bench.harness.protocol import Regime
from mmal_bench.harness.suites import STANDARD, Suite
from mmal_bench.models.config import ModelConfig

PROXY_MODEL = ModelConfig(hidden_sizes=(8,), embed_dim=4, steps=30)


def _spec(interaction: dict, noise: float) -> GeneratorSpec:
    mods = (ModalitySpec("a", dim=4, informative=2, noise=noise), ModalitySpec("b", dim=4, informative=2, noise=noise))
    return GeneratorSpec(modalities=mods, n_classes=2, interaction=interaction, pool_size=220, test_size=200, seed=3)


@pytest.fixture
def tiny_suite(tmp_path, monkeypatch):
    """Two tiny datasets (learnable redundant, and synergy which a model without fusion layer cannot learn)."""
    monkeypatch.setenv("MMAL_BENCH_HOME", str(tmp_path / "home"))
    hub._MEMO.clear()
    entries = [
        register(synthetic_entry("cal-easy", _spec({"redundant": 1.0}, 0.5), "test", "easy", version="0.0.1", ground_truth_rows=4000), replace=True),
        register(synthetic_entry("cal-xor", _spec({"synergy": 1.0}, 0.3), "test", "xor", version="0.0.1", ground_truth_rows=4000), replace=True),
    ]
    yield Suite("tiny-cal", "0.0.1", (Regime("low", 4, 4, 2),), (0,), PROXY_MODEL, datasets=tuple(e.ref for e in entries))
    for e in entries:
        unregister(e.name, e.version)
    hub._MEMO.clear()


def test_calibration_is_exactly_reproducible_and_follows_the_regime_rule(tiny_suite):
    first = calibrate(tiny_suite, [0, 1], datasets=["cal-easy"], grid_points=3, rounds=3)
    assert calibrate(tiny_suite, [0, 1], datasets=["cal-easy"], grid_points=3, rounds=3) == first
    entry = first["datasets"]["cal-easy@0.0.1"]
    assert entry["chance"] == pytest.approx(0.5, abs=0.08) and entry["full_pool_accuracy"] > 0.8
    assert [r["name"] for r in entry["regimes"]] == ["low", "mid", "high"]
    for regime in entry["regimes"]:
        b = regime["batch_size"]
        assert regime["initial"] == b and regime["rounds"] == 3 and 4 <= b <= 220 // 4  # >= 2 per class, <= pool / points
        assert [p["n_labeled"] for p in regime["points"]] == [b * (r + 1) for r in range(4)]
        assert set(regime["points"][0]["unimodal_accuracy"]) == {"a", "b"}
        if regime["reached"] and b > 4:  # the final budget is the first that reaches the target (to the batch rounding)
            final = regime["points"][-1]["n_labeled"]
            assert math.ceil(final / 4) == b
    batches = [r["batch_size"] for r in entry["regimes"]]
    assert batches == sorted(batches)  # larger fraction of the gap, larger budget
    regimes = regimes_from(first)["cal-easy"]
    assert regimes[0] == Regime("low", batches[0], batches[0], 3)
    data = hub.load_benchmark("cal-easy", "0.0.1")
    assert (_order(data, 0) != _order(data, 1)).any()  # each seed draws its own random order


def test_unimodal_reference_uses_only_its_modality(tiny_suite):
    # On XOR each modality alone is at chance: the unimodal references must stay there.
    data = hub.load_benchmark("cal-xor", "0.0.1")
    point = _point(data, PROXY_MODEL, [0, 1], [_order(data, 0), _order(data, 1)], 200)
    assert all(abs(acc - 0.5) < 0.1 for acc in point["unimodal_accuracy"].values())


def test_learnability_gate_passes_an_easy_dataset_and_fails_an_unlearnable_one(tiny_suite):
    calibration = calibrate(tiny_suite, [0], grid_points=3, rounds=2)
    rows = {r["dataset"]: r for r in gate_rows(calibration)}
    assert rows["cal-easy@0.0.1"]["gate"] == "pass"
    # the proxy model has no fusion layer: XOR stays at chance even on the full pool
    assert rows["cal-xor@0.0.1"]["gate"] == "fail: full pool"
    assert gate_rows(calibration, "cal-easy")[0]["dataset"] == "cal-easy@0.0.1"
    with pytest.raises(ConfigError, match="not calibrated"):
        gate_rows(calibration, "nope")


def test_calibration_in_worker_processes_equals_the_inline_one(tmp_path, monkeypatch):
    monkeypatch.setenv("MMAL_BENCH_HOME", str(tmp_path / "home"))  # the workers build what they load, too
    hub._MEMO.clear()
    suite = Suite("tiny-real", "0.0.1", (Regime("low", 8, 8, 1),), (0,), ModelConfig(hidden_sizes=(4,), embed_dim=2, steps=3),
                  datasets=("unique@2.0.0", "redundant@2.0.0"))
    inline = calibrate(suite, [0], grid_points=2, rounds=1)
    assert calibrate(suite, [0], grid_points=2, rounds=1, jobs=2) == inline
    assert list(inline["datasets"]) == ["unique@2.0.0", "redundant@2.0.0"]  # suite order, whatever finished first


def test_regimes_with_identical_budgets_are_run_once(tiny_suite):
    calibration = calibrate(tiny_suite, [0], datasets=["cal-easy"], grid_points=3, rounds=2)
    entry = calibration["datasets"]["cal-easy@0.0.1"]
    low, mid, high = entry["regimes"]
    mid.update(initial=low["initial"], batch_size=low["batch_size"], points=low["points"])  # the floor made them equal
    high.update(initial=low["initial"] + 1, batch_size=low["batch_size"] + 1)
    assert duplicate_regimes(entry) == {"mid": "low"}
    assert [r.name for r in regimes_from(calibration)["cal-easy"]] == ["low", "high"]
    assert gate_rows(calibration)[0]["final budgets"].split(" / ")[1] == "=low"


def test_committed_standard_calibration_is_what_the_suite_runs_and_reproduces():
    calibration = load_calibration("standard", STANDARD.version)
    assert calibration["model"] == STANDARD.model.to_dict()  # re-run `datasets calibrate` after a model change
    assert sorted(calibration["datasets"]) == sorted(f"{n}@{v}" for n, v in STANDARD.dataset_refs())
    for name, regimes in regimes_from(calibration).items():
        assert STANDARD.regimes_for(name) == regimes
    # spot-check exact reproducibility on the cheapest point (the full file: `mmal-bench datasets calibrate`)
    ref, entry = "balanced@2.0.0", calibration["datasets"]["balanced@2.0.0"]
    data = hub.load_benchmark(*ref.split("@"))
    low = entry["regimes"][0]
    seeds = calibration["seeds"]
    assert _point(data, STANDARD.model, seeds, [_order(data, s) for s in seeds], low["points"][0]["n_labeled"]) == low["points"][0]


def test_missing_calibration_is_one_line():
    with pytest.raises(ConfigError, match="no calibration for suite nope@9.9.9"):
        load_calibration("nope", "9.9.9")
    assert not calibration_path("nope", "9.9.9").exists()


def test_a_suite_with_regime_spacing_gets_its_fractions_and_no_near_identical_regimes(tiny_suite):
    import dataclasses

    spaced = dataclasses.replace(tiny_suite, calibration_fractions={"low": 0.5, "mid": 0.55}, regime_spacing=1.5)
    entry = calibrate(spaced, [0], datasets=["cal-easy"], grid_points=3, rounds=3)["datasets"]["cal-easy@0.0.1"]
    low, mid = entry["regimes"]
    assert [low["name"], mid["name"]] == ["low", "mid"] and low["respaced"] is False
    # the label floor puts 0.5 and 0.55 of the gap at about the same budget: mid is moved 1.5x up (or to the pool cap)
    assert mid["batch_size"] >= min(math.ceil(1.5 * low["batch_size"]), 220 // 4)
    assert "respaced" not in calibrate(tiny_suite, [0], datasets=["cal-easy"], grid_points=3, rounds=3)["datasets"]["cal-easy@0.0.1"]["regimes"][0]
