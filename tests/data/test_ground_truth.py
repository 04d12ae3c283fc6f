"""Tests of mmal_bench.data.ground_truth: the Bayes accuracies are right, and missingness counts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from mmal_bench.data.ground_truth import bayes_ground_truth, subset_posteriors
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec, generate, params_for, sample

BASE = GeneratorSpec(
    modalities=(ModalitySpec("a", dim=5, informative=3, noise=0.6), ModalitySpec("b", dim=5, informative=3, noise=0.8)),
    n_classes=3,
    pool_size=3000,
    test_size=3000,
    seed=21,
)


def test_estimate_matches_the_bayes_classifier_on_fresh_rows():
    truth = bayes_ground_truth(BASE, rows=20000)
    drawn = sample(BASE, params_for(BASE), 20000, np.random.default_rng(99), split="test")
    for key, post in subset_posteriors(BASE, params_for(BASE), drawn).items():
        empirical = float((post.argmax(axis=1) == drawn.split.labels).mean())
        tol = 4 * np.sqrt(empirical * (1 - empirical) / 20000) + 4 * truth.se[key]
        assert abs(empirical - truth.accuracy[key]) < tol, key
    assert truth.accuracy["a"] > truth.accuracy["b"]  # b is noisier
    assert truth.accuracy["a+b"] > truth.accuracy["a"]  # independent evidence adds up
    assert 0 < truth.se["a"] < 0.005


def test_a_trained_linear_classifier_gets_close_to_but_not_above_bayes():
    truth = bayes_ground_truth(BASE, rows=20000)
    g = generate(BASE)
    for mods, key in ((["a"], "a"), (["a", "b"], "a+b")):
        x = lambda s: np.hstack([s.features[m] for m in mods])  # noqa: E731
        acc = LogisticRegression().fit(x(g.pool), g.pool.labels).score(x(g.test), g.test.labels)
        assert truth.accuracy[key] - 0.05 < acc < truth.accuracy[key] + 0.025, key


def test_synergy_singletons_are_exactly_chance():
    spec = dataclasses.replace(BASE, interaction={"synergy": 1.0}, n_classes=4)
    truth = bayes_ground_truth(spec, rows=20000)
    assert abs(truth.accuracy["a"] - 0.25) < 1e-9 and abs(truth.accuracy["b"] - 0.25) < 1e-9
    assert truth.accuracy["a+b"] > 0.4  # chance is 0.25: only the pair is informative


def test_missing_modality_gives_no_information_unless_mnar():
    def spec(mechanism: str, rate: float) -> GeneratorSpec:
        a, b = BASE.modalities
        return dataclasses.replace(BASE, modalities=(a, dataclasses.replace(b, missing_test=rate, missing_mechanism=mechanism)))

    full = bayes_ground_truth(spec("mcar", 0.0), rows=20000).accuracy
    mcar = bayes_ground_truth(spec("mcar", 0.5), rows=20000).accuracy
    mnar = bayes_ground_truth(spec("mnar", 0.5), rows=20000).accuracy
    # MCAR: b alone is right on present rows, a guess (1/3) on missing ones
    assert abs(mcar["b"] - (0.5 * full["b"] + 0.5 / 3)) < 0.02
    assert mcar["a"] == full["a"]  # a untouched (same stream, same rows)
    assert mnar["b"] > mcar["b"] + 0.02  # the presence flag itself tells something about the class


def test_posteriors_with_absent_use_the_absence_only_when_it_is_informative() -> None:
    from mmal_bench.data.ground_truth import posteriors_with_absent, subset_posteriors
    from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec, params_for, sample

    def spec(mechanism: str) -> GeneratorSpec:
        b = ModalitySpec("b", dim=4, informative=2, noise=0.5, missing_pool=0.4, missing_test=0.4, missing_mechanism=mechanism, mnar_strength=0.9)
        return GeneratorSpec((ModalitySpec("a", dim=4, informative=2, noise=0.8), b), 4, {"redundant": 1.0}, 100, 3000, seed=4)

    for mechanism, informative in (("mcar", False), ("mnar", True)):
        s = spec(mechanism)
        params = params_for(s)
        drawn = sample(s, params, 3000, np.random.default_rng(0), split="test")
        post = posteriors_with_absent(s, params, drawn, ["b"])
        np.testing.assert_allclose(post.sum(axis=1), 1.0)
        a_only = subset_posteriors(s, params, drawn)["a"]
        same = np.array_equal(post.argmax(1), a_only.argmax(1))
        assert same != informative  # MCAR: absence says nothing; MNAR: it moves the posterior
    with pytest.raises(ValueError, match="unknown modalities"):
        posteriors_with_absent(s, params, drawn, ["c"])
