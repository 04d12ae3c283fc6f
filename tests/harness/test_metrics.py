"""Metrics against hand-computed values and brute force."""

from __future__ import annotations

from itertools import combinations, permutations
from math import factorial

import numpy as np
import pytest

from mmal_bench.harness import metrics


def brute_force_shapley(values: dict[frozenset, float], players: list[str]) -> dict[str, float]:
    """Shapley by averaging marginal contributions over every ordering of the players."""
    phi = dict.fromkeys(players, 0.0)
    for order in permutations(players):
        seen: frozenset = frozenset()
        for p in order:
            phi[p] += values[seen | {p}] - values[seen]
            seen = seen | {p}
    return {p: v / factorial(len(players)) for p, v in phi.items()}


def test_shapley_two_modalities_hand_computed() -> None:
    # v(∅)=0.25, v(a)=0.9, v(b)=0.5, v(ab)=0.95: phi_a = ½[(0.95-0.5) + (0.9-0.25)] = 0.55
    phi = metrics.shapley_values({"a": 0.9, "b": 0.5, "a+b": 0.95}, ("a", "b"), 0.25)
    assert phi["a"] == pytest.approx(0.55)
    assert phi["b"] == pytest.approx(0.15)
    assert phi["a"] + phi["b"] == pytest.approx(0.95 - 0.25)  # efficiency


@pytest.mark.parametrize("players", [["a", "b"], ["a", "b", "c"], ["x", "y", "z", "w"]])
def test_shapley_matches_brute_force(players: list[str]) -> None:
    rng = np.random.default_rng(len(players))
    empty = 0.1
    values = {frozenset(): empty}
    named = {}
    for k in range(1, len(players) + 1):
        for combo in combinations(players, k):
            v = float(rng.random())
            values[frozenset(combo)] = v
            named["+".join(combo)] = v
    expected = brute_force_shapley(values, players)
    got = metrics.shapley_values(named, players, empty)
    assert got == pytest.approx(expected, abs=1e-12)


def test_shapley_synergy_splits_evenly_and_missing_subset_is_named() -> None:
    phi = metrics.shapley_values({"a": 0.25, "b": 0.25, "a+b": 1.0}, ("a", "b"), 0.25)
    assert phi == pytest.approx({"a": 0.375, "b": 0.375})
    with pytest.raises(KeyError, match="'a\\+b'"):
        metrics.shapley_values({"a": 0.5, "b": 0.5}, ("a", "b"), 0.25)


def test_imbalance_two_modalities_is_share_difference() -> None:
    assert metrics.imbalance([0.55, 0.15]) == pytest.approx(0.55 / 0.7 - 0.15 / 0.7)
    assert metrics.imbalance([0.3, 0.3]) == 0.0
    assert metrics.imbalance([0.3, 0.0]) == pytest.approx(1.0)
    assert metrics.imbalance([0.0, 0.0]) == 0.0  # no contribution: nothing to be uneven about
    assert metrics.imbalance([-0.2, 0.2]) == 0.0  # absolute values: a harmful modality counts


def test_imbalance_three_modalities_normalised_tv() -> None:
    # shares (0.5, 0.5, 0): TV to uniform = ½(1/6 + 1/6 + 1/3) = 1/3; max = 2/3 → 0.5
    assert metrics.imbalance([1.0, 1.0, 0.0]) == pytest.approx(0.5)
    assert metrics.imbalance([1.0, 0.0, 0.0]) == pytest.approx(1.0)
    assert metrics.imbalance([0.2, 0.2, 0.2]) == pytest.approx(0.0)


def test_utilization_gap() -> None:
    assert metrics.utilization_gap([0.6, 0.2], [0.4, 0.4]) == pytest.approx(0.25)  # shares .75/.25 vs .5/.5
    assert metrics.utilization_gap([1.0, 0.0], [0.0, 1.0]) == pytest.approx(1.0)
    assert metrics.utilization_gap([0.1, 0.3, 0.6], [0.1, 0.3, 0.6]) == 0.0
    with pytest.raises(ValueError, match="different numbers of modalities"):
        metrics.utilization_gap([0.5, 0.5], [0.2, 0.3, 0.5])


def test_aubc() -> None:
    # (10,0.5) (20,0.7) (40,0.8): area = 10*0.6 + 20*0.75 = 21 over width 30
    assert metrics.aubc([10, 20, 40], [0.5, 0.7, 0.8]) == pytest.approx(21 / 30)
    assert metrics.aubc([5, 15, 25], [0.4, 0.4, 0.4]) == pytest.approx(0.4)
    assert metrics.aubc([5], [0.3]) == 0.3
    with pytest.raises(ValueError, match="strictly increasing"):
        metrics.aubc([5, 5], [0.1, 0.2])


@pytest.mark.parametrize("n_classes", [2, 4, 7])
def test_macro_f1_matches_scikit_learn(n_classes: int) -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(n_classes)
    for size in (1, 5, 300):
        y, pred = rng.integers(0, n_classes, size), rng.integers(0, n_classes - 1, size)  # a class never predicted
        expected = f1_score(y, pred, labels=np.arange(n_classes), average="macro", zero_division=0)
        assert metrics.macro_f1(y, pred, n_classes) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_accuracy_f1_empty_value_and_batch_makeup() -> None:
    y = np.array([0, 0, 1, 2])
    pred = np.array([0, 1, 1, 1])
    assert metrics.accuracy(y, pred) == 0.5
    # per-class F1: c0 = 2/3 (p=1, r=.5), c1 = 2/3 (p=1/3, r=1 → 0.5)... computed: c1 = 2*(1/3*1)/(4/3) = 0.5, c2 = 0
    assert metrics.macro_f1(y, pred, 4) == pytest.approx((2 / 3 + 0.5 + 0 + 0) / 4)
    assert metrics.empty_coalition_value(y, 3) == 0.5
    assert metrics.empty_coalition_value(np.array([0, 1, 2]), 3) == pytest.approx(1 / 3)
    assert metrics.class_counts(np.array([2, 2, 0]), 4) == [1, 0, 2, 0]
    share = metrics.missing_share({"a": np.array([True, True, False, True]), "b": np.array([False] * 4)})
    assert share == {"a": 0.25, "b": 1.0}
