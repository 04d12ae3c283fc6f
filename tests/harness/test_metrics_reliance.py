"""Reliance against what the labels support: NaN at chance, ~0 over-reliance for exchangeable modalities.

(Kept apart from test_metrics.py, whose other functions another change edits.)
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mmal_bench.harness import metrics


def test_shares_at_chance_are_nan_never_one() -> None:
    shares = metrics.reliance_shares([0.001, 0.0])
    assert np.isnan(shares).all()
    assert np.isnan(metrics.imbalance([0.001, 0.0], threshold=metrics.RELIANCE_THRESHOLD))
    assert metrics.imbalance([0.001, 0.0]) == 1.0  # the legacy value the threshold exists to stop
    assert metrics.reliance_shares([0.3, 0.1]) == pytest.approx([0.75, 0.25])
    assert metrics.reliance_shares([-0.02, 0.02]) == pytest.approx([0.5, 0.5])


def test_supported_shares_follow_the_contract_formula() -> None:
    assert metrics.supported_shares([0.7, 0.4, 0.2], chance=0.25) == pytest.approx([0.45 / 0.6, 0.15 / 0.6, 0.0])
    assert np.isnan(metrics.supported_shares([0.26, 0.25], chance=0.25)).all()


def test_over_reliance_is_signed_and_nan_when_either_side_is_undefined() -> None:
    out = metrics.over_reliance([0.4, 0.0], [0.7, 0.45], chance=0.25)
    assert out == pytest.approx([1.0 - 0.45 / 0.65, 0.0 - 0.2 / 0.65])
    assert np.isnan(metrics.over_reliance([0.0, 0.0], [0.7, 0.45], chance=0.25)).all()


def _exchangeable(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two modalities drawn from the same class-conditional law (swapping them changes nothing)."""
    y = rng.integers(0, 4, n)
    centres = np.eye(4)[:, :4] * 1.2
    return centres[y] + rng.standard_normal((n, 4)), centres[y] + rng.standard_normal((n, 4)), y


def test_over_reliance_is_about_zero_for_a_model_trained_on_exchangeable_modalities() -> None:
    """A fused linear model and unimodal references (same learner, same n) on exchangeable modalities:
    the model's shares match what the labels support, so over-reliance averages ~0 per modality."""
    rng = np.random.default_rng(0)
    a_test, b_test, y_test = _exchangeable(rng, 4000)
    out = []
    for _ in range(20):
        a, b, y = _exchangeable(rng, 200)
        fused = LogisticRegression(max_iter=500).fit(np.hstack([a, b]), y)
        mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)  # a linear model's "absent" input: the mean
        acc = {
            "a+b": fused.score(np.hstack([a_test, b_test]), y_test),
            "a": fused.score(np.hstack([a_test, np.broadcast_to(mean_b, b_test.shape)]), y_test),
            "b": fused.score(np.hstack([np.broadcast_to(mean_a, a_test.shape), b_test]), y_test),
        }
        phi = metrics.shapley_values(acc, ["a", "b"], empty_value=0.25)
        uni = [LogisticRegression(max_iter=500).fit(x, y).score(xt, y_test) for x, xt in ((a, a_test), (b, b_test))]
        out.append(metrics.over_reliance([phi["a"], phi["b"]], uni, chance=0.25))
    mean = np.mean(out, axis=0)
    assert np.abs(mean).max() < 0.03
    assert np.std(np.array(out)[:, 0]) < 0.1
