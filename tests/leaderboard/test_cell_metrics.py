"""Per-cell reliance against the finite-sample reference, noise purchase, class mix and query cost."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from leaderboard_factory import make_result
from mmal_bench.leaderboard.cell_metrics import cell_metrics, energy_joules, energy_method, strategy_costs
from mmal_bench.leaderboard.reference import Reference, reference_from_calibration

CALIBRATION = {
    "datasets": {
        "redundant@1.0.0": {
            "chance": 0.5,
            "full_pool_accuracy": 0.95,
            "regimes": [
                {"name": "low", "initial": 10, "batch_size": 10, "rounds": 2,
                 "budgets": [{"n_labeled": n, "random_accuracy": 0.7, "unimodal_accuracy": {"a": 0.8, "b": 0.6}} for n in (10, 20, 30)]},
            ],
        }
    }
}  # fmt: skip


def test_calibration_document_becomes_a_reference() -> None:
    ref = reference_from_calibration(CALIBRATION)
    assert ref.full_pool == {"redundant@1.0.0": 0.95} and ref.supported("redundant@1.0.0", "low", 20) == {"a": 0.8, "b": 0.6}
    assert ref.lookup(ref.chance, "redundant@1.0.0") == 0.5
    with pytest.raises(ValueError, match="redundant"):
        reference_from_calibration({"redundant": {"chance": 0.5}})


def stamped(result, version: str):
    """``result`` as benchmark ``version`` wrote it (which measures read it depends on the version)."""
    return result.model_copy(update={"provenance": result.provenance.model_copy(update={"benchmark_version": version})})


def test_over_reliance_against_supported_shares_and_the_truth_gap() -> None:
    result = stamped(make_result("entropy"), "2.0.0")  # phi = (0.3 + 0.1 r, 0.1) over 3 rounds; 2.0.0's main-effect measure
    row = cell_metrics(result, reference_from_calibration(CALIBRATION))
    supported_a = 0.3 / 0.4
    model_a = np.array([0.3, 0.4, 0.5]) / np.array([0.4, 0.5, 0.6])
    assert row["over_reliance"] == pytest.approx(np.mean(np.abs(model_a - supported_a)))
    assert row["over_reliance_by_modality"]["a"] == pytest.approx(np.mean(model_a - supported_a))
    assert row["over_reliance_by_modality"]["b"] == pytest.approx(-np.mean(model_a - supported_a))
    assert np.isfinite(row["truth_gap"]) and row["shares_na_rounds"] == 0


def test_without_calibration_over_reliance_is_nan_and_chance_rounds_are_counted() -> None:
    result = make_result("entropy")
    rounds = [result.rounds[0].model_copy(update={"shapley": {"a": 0.001, "b": 0.0}})] + result.rounds[1:]
    row = cell_metrics(result.model_copy(update={"rounds": rounds}), Reference(reason="none"))
    assert np.isnan(row["over_reliance"]) and row["shares_na_rounds"] == 1


def test_noise_purchase_class_mix_and_cost_from_contract_3_fields() -> None:
    base = make_result("entropy")
    rounds = [
        SimpleNamespace(**(rd.model_dump() | dict(batch_corrupted_share=0.2 if rd.batch_class_counts else None, batch_noisy_label_share=0.0 if rd.batch_class_counts else None,
                        query_cpu_seconds=0.5 + i, query_peak_bytes=1000 * (i + 1))))
        for i, rd in enumerate(base.rounds)
    ]  # fmt: skip
    cell = SimpleNamespace(
        provenance=base.provenance, ground_truth=base.ground_truth, rounds=rounds,
        pool_shares={"missing": {"a": 0.0, "b": 0.2}, "corrupted": 0.1, "noisy_label": 0.05, "class_counts": [30, 10]},
    )  # fmt: skip
    row = cell_metrics(cell, Reference())
    assert row["corrupted_rate"] == pytest.approx(2.0)  # bought corrupted rows at twice the pool's rate
    assert row["noisy_label_rate"] == 0.0
    assert row["missing_rate"] == pytest.approx(0.05 / 0.1)  # batch missing (0 + 0.1)/2 vs pool (0 + 0.2)/2
    assert row["class_tv"] == pytest.approx(0.25)  # bought 50/50 vs pool 75/25
    assert row["query_cpu_seconds"] == pytest.approx(0.5 + 1.5 + 2.5) and row["query_peak_bytes"] == 3000
    costs = strategy_costs(pd.DataFrame([row, {**row, "seed": 1}]))
    assert costs.loc["entropy", "query_cpu_seconds_total"] == pytest.approx(9.0)
    assert costs.loc["entropy", "energy_joules"] == pytest.approx(energy_joules(9.0))
    assert "estimate" in energy_method() and "estimate" in energy_method(costs)


def test_energy_is_measured_when_every_query_has_a_rapl_reading() -> None:
    base = make_result("entropy")
    rounds = [
        rd.model_copy(update={"query_cpu_seconds": 1.0, "query_energy_joules": 2.0 + i} if rd.batch_class_counts else {})
        for i, rd in enumerate(base.rounds)
    ]
    measured = cell_metrics(base.model_copy(update={"rounds": rounds}), Reference())
    assert measured["query_energy_joules"] == pytest.approx(sum(2.0 + i for i, rd in enumerate(base.rounds) if rd.batch_class_counts))
    both = pd.DataFrame([measured, {**measured, "seed": 1}])
    assert strategy_costs(both).loc["entropy", "energy_joules"] == pytest.approx(2 * measured["query_energy_joules"])
    assert energy_method(both).startswith("measured: RAPL")
    # One cell without readings: the whole table falls back to the labelled estimate.
    unmeasured = {**measured, "seed": 2, "query_energy_joules": float("nan")}
    mixed = pd.DataFrame([measured, unmeasured])
    assert "estimate" in energy_method(mixed)
    assert strategy_costs(mixed).loc["entropy", "energy_joules"] == pytest.approx(energy_joules(mixed["query_cpu_seconds"].sum()))


def test_one_game_over_reliance_against_the_reference_game_and_3_0_0_reads_it() -> None:
    from mmal_bench.harness.metrics import reference_game_shares, shapley_values

    result = stamped(make_result("entropy"), "2.0.0")
    ref = reference_from_calibration(CALIBRATION)
    row = cell_metrics(result, ref)
    expected = []  # v(∅) is recovered from the model's round (efficiency), the same in both games
    for rd in result.rounds:
        empty = rd.subset_accuracy["a+b"] - sum(rd.shapley.values())
        phi = shapley_values(rd.subset_accuracy, ["a", "b"], empty)
        expected.append(phi["a"] / (abs(phi["a"]) + abs(phi["b"])) - reference_game_shares([0.8, 0.6], 0.7, empty)[0])
    assert row["over_reliance_game_by_modality"]["a"] == pytest.approx(np.mean(expected))
    assert row["over_reliance"] != pytest.approx(row["over_reliance_game"])  # 2.0.0 results keep 2.0.0's measure
    three = stamped(result, "3.0.0")
    row3 = cell_metrics(three, ref)
    # 3.0.0 reads the one game, signed toward the modality the truth favours: for two modalities its size is the distance
    assert row3["over_reliance"] == pytest.approx(row3["over_reliance_oriented"]) and abs(row3["over_reliance"]) == pytest.approx(row["over_reliance_game"])
    assert row3["over_reliance_by_modality"] == pytest.approx(row["over_reliance_game_by_modality"])


def test_oriented_over_reliance_reads_the_truth_favoured_modality_signed() -> None:
    """Signed, with the orientation fixed by the ground truth: symmetric noise averages out (a distance would not)."""
    from mmal_bench.leaderboard.cell_metrics import _oriented

    signed = np.array([[0.02, -0.02], [-0.03, 0.03], [np.nan, np.nan]])
    assert _oriented(signed, np.array([0.3, 0.7])) == pytest.approx(0.005)  # b leads: mean of (-0.02, 0.03)
    assert _oriented(signed, np.array([0.5, 0.5])) == pytest.approx(-0.005)  # a tie takes the first: mean of (0.02, -0.03)
    assert np.mean(0.5 * np.abs(signed[:2]).sum(axis=1)) == pytest.approx(0.025)  # the distance reads the noise as reliance
    assert np.isnan(_oriented(np.zeros((2, 3)), np.array([0.2, 0.3, 0.5])))  # one game: two modalities only
