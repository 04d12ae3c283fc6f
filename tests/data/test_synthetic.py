"""Tests of mmal_bench.data.synthetic: determinism, and that each knob does what it claims.

Each knob is measured with a simple scikit-learn classifier trained on the pool, scored on the test.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.fingerprint import content_fingerprint
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec, generate, spec_from_dict


def _spec(interaction, n_classes=2, noise=0.3, **kw) -> GeneratorSpec:
    mods = (ModalitySpec("a", dim=4, informative=2, noise=noise), ModalitySpec("b", dim=4, informative=2, noise=noise))
    return GeneratorSpec(modalities=mods, n_classes=n_classes, interaction=interaction, pool_size=1500, test_size=1000, seed=11, **kw)


def _score(clf, gen, modalities) -> float:
    def xs(split):
        return np.hstack([split.features[m] for m in modalities])

    clf.fit(xs(gen.pool), gen.pool.labels)
    return float(clf.score(xs(gen.test), gen.test.labels))


def _fingerprint(spec: GeneratorSpec) -> str:
    g = generate(spec)
    return content_fingerprint(g.pool, g.test, cold_start_orders(g.pool.labels, spec.seed, length=50), ["x", "y", "z"][: spec.n_classes])


def test_same_spec_same_bytes_also_in_another_process():
    spec = dataclasses.replace(_spec({"redundant": 1, "synergy": 1}, n_classes=3), seed=123)
    here = _fingerprint(spec)
    assert here == _fingerprint(spec)
    code = (
        "import json,sys; from mmal_bench.data.synthetic import spec_from_dict;"
        "sys.path.insert(0, %r); from test_synthetic import _fingerprint;"
        "print(_fingerprint(spec_from_dict(json.loads(sys.argv[1]))))" % str(__import__("pathlib").Path(__file__).parent)
    )
    out = subprocess.run([sys.executable, "-c", code, json.dumps(spec.to_dict())], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == here
    assert _fingerprint(dataclasses.replace(spec, seed=124)) != here
    assert spec_from_dict(spec.to_dict()) == spec


def test_ids_labels_dtypes_and_balance():
    g = generate(_spec({"redundant": 1}, n_classes=3))
    assert np.array_equal(g.pool.ids, np.arange(1500)) and np.array_equal(g.test.ids, np.arange(1000))
    assert g.pool.features["a"].dtype == np.float32 and g.pool.features["a"].shape == (1500, 4)
    assert np.bincount(g.pool.labels).min() > 400


def test_redundant_each_modality_alone_is_high():
    g = generate(_spec({"redundant": 1}))
    for m in ("a", "b"):
        assert _score(LogisticRegression(), g, [m]) > 0.95


def test_synergy_each_alone_at_chance_both_high():
    g = generate(_spec({"synergy": 1}))
    for m in ("a", "b"):
        assert abs(_score(LogisticRegression(), g, [m]) - 0.5) < 0.06
        assert abs(_score(KNeighborsClassifier(15), g, [m]) - 0.5) < 0.06
    assert _score(KNeighborsClassifier(15), g, ["a", "b"]) > 0.9


def test_unique_each_alone_in_between_both_high():
    g = generate(_spec({"unique": 1}, n_classes=4))
    for m in ("a", "b"):
        assert 0.4 < _score(LogisticRegression(), g, [m]) < 0.6  # chance 0.25, perfect 1.0
    assert _score(LogisticRegression(), g, ["a", "b"]) > 0.9


def test_mixture_weights_interpolate():
    acc = [_score(LogisticRegression(), generate(_spec({"redundant": w, "synergy": 1 - w})), ["a"]) for w in (0.0, 0.5, 1.0)]
    assert acc[0] < 0.56 and 0.65 < acc[1] < 0.85 and acc[2] > 0.95


def test_noise_and_nonlinear_geometry():
    easy = generate(_spec({"redundant": 1}, noise=0.2))
    hard = generate(_spec({"redundant": 1}, noise=1.2))
    assert _score(LogisticRegression(), easy, ["a"]) > _score(LogisticRegression(), hard, ["a"]) + 0.2
    nl = GeneratorSpec(
        modalities=(ModalitySpec("a", dim=4, informative=2, noise=0.2, geometry="nonlinear"), ModalitySpec("b", dim=4, informative=2)),
        pool_size=1500,
        test_size=1000,
        seed=3,
    )
    g = generate(nl)
    assert _score(LogisticRegression(), g, ["a"]) < 0.6  # same class means: linear fails
    assert _score(KNeighborsClassifier(15), g, ["a"]) > 0.9  # but the classes are separable


def test_difficulty_gap_easy_beats_hard_and_both_beat_easy():
    # The suite's difficulty-gap recipe (easy linear a; hard non-linear noisy b holding information
    # a lacks on the "unique" half), without nuisance dims so that kNN can measure it quickly.
    spec = GeneratorSpec(
        modalities=(
            ModalitySpec("a", dim=4, informative=4, noise=0.25),
            ModalitySpec("b", dim=4, informative=4, noise=0.3, geometry="nonlinear", clusters_per_class=4),
        ),
        n_classes=4,
        interaction={"redundant": 0.5, "unique": 0.5},
        pool_size=3000,
        test_size=1500,
        seed=2,
    )
    g = generate(spec)
    easy, hard, both = (_score(KNeighborsClassifier(25), g, m) for m in (["a"], ["b"], ["a", "b"]))
    assert easy > hard + 0.15
    assert both > easy + 0.05


def test_missing_rates_mcar_and_mnar():
    def spec(mech):
        return GeneratorSpec(
            modalities=(
                ModalitySpec("a", dim=3, informative=1, missing_pool=0.3, missing_test=0.0),
                ModalitySpec("b", dim=3, informative=1, missing_pool=0.1, missing_test=0.4, missing_mechanism=mech, mnar_strength=0.9),
            ),
            n_classes=4,
            pool_size=20000,
            test_size=20000,
            seed=9,
        )

    mcar, mnar = generate(spec("mcar")), generate(spec("mnar"))
    for g in (mcar, mnar):
        assert abs(1 - g.pool.present["a"].mean() - 0.3) < 0.015
        assert g.test.present["a"].all()
        assert abs(1 - g.pool.present["b"].mean() - 0.1) < 0.015
        assert abs(1 - g.test.present["b"].mean() - 0.4) < 0.015
        for split in (g.pool, g.test):
            for m in ("a", "b"):
                assert not split.features[m][~split.present[m]].any()  # missing => all-zero
    per_class = lambda g: np.array([1 - g.test.present["b"][g.test.labels == c].mean() for c in range(4)])  # noqa: E731
    assert np.ptp(per_class(mcar)) < 0.05  # MCAR: independent of the label
    assert per_class(mnar)[3] - per_class(mnar)[0] > 0.4  # MNAR: grows with the class
    assert np.all(np.diff(per_class(mnar)) > 0)


def test_three_modalities_and_many_classes():
    spec = GeneratorSpec(modalities=tuple(ModalitySpec(f"m{i}", dim=3, informative=2, noise=0.2) for i in range(3)), n_classes=5, interaction={"synergy": 1}, pool_size=100, test_size=50)
    g = generate(spec)
    assert g.pool.modalities == ("m0", "m1", "m2") and g.pool.labels.max() == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"modalities": (ModalitySpec("a"),)}, "at least 2 modalities"),
        ({"n_classes": 1}, "n_classes must be >= 2"),
        ({"interaction": {"xor": 1}}, "unknown interaction"),
        ({"interaction": {"synergy": 0}}, "positive sum"),
        ({"modalities": (ModalitySpec("a", informative=20), ModalitySpec("b"))}, "informative must be in"),
        ({"modalities": (ModalitySpec("a", missing_pool=1.0), ModalitySpec("b"))}, "missing_pool must be in"),
        ({"modalities": (ModalitySpec("a", geometry="curvy"), ModalitySpec("b"))}, "geometry 'curvy'"),
        ({"modalities": (ModalitySpec("a", geometry="nonlinear", clusters_per_class=3), ModalitySpec("b"))}, "even clusters_per_class"),
        ({"pool_corruption": 1.0}, "pool_corruption must be in"),
        ({"pool_label_noise": -0.1}, "pool_label_noise must be in"),
    ],
)
def test_bad_spec_is_rejected_with_the_knob_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GeneratorSpec(**kwargs)


def test_corruption_replaces_one_modality_of_an_exact_share_by_another_class_row():
    spec = _spec({"redundant": 1}, n_classes=3, pool_corruption=0.2)
    g, clean = generate(spec), generate(dataclasses.replace(spec, pool_corruption=0.0))
    hit = g.pool.corrupted
    assert hit.sum() == 300 and not g.test.corrupted.any()  # exactly 20 % of the pool, test clean
    changed = np.stack([np.any(g.pool.features[m] != clean.pool.features[m], axis=1) for m in "ab"], axis=1)
    assert np.array_equal(changed.sum(axis=1) == 1, hit)  # one modality per corrupted row, none elsewhere
    assert 0.35 < changed[hit, 0].mean() < 0.65  # a or b, uniformly
    # the replacement is another pool row's vector, of a different class
    pool_a = {tuple(v): y for v, y in zip(clean.pool.features["a"], clean.pool.labels)}
    rows = np.flatnonzero(changed[:, 0])
    assert all(pool_a[tuple(g.pool.features["a"][r])] != g.pool.labels[r] for r in rows)
    assert np.array_equal(g.pool.labels, g.pool.clean_labels) and np.array_equal(g.test.features["a"], clean.test.features["a"])


def test_label_noise_flips_an_exact_share_to_another_class_and_keeps_test_clean():
    spec = _spec({"redundant": 1}, n_classes=3, pool_label_noise=0.1)
    g, clean = generate(spec), generate(dataclasses.replace(spec, pool_label_noise=0.0))
    noisy = g.pool.noisy_label
    assert noisy.sum() == 150 and np.array_equal(g.pool.clean_labels, clean.pool.labels)
    assert np.all(g.pool.labels[noisy] != g.pool.clean_labels[noisy]) and np.array_equal(g.pool.labels[~noisy], clean.pool.labels[~noisy])
    assert np.bincount((g.pool.labels[noisy] - g.pool.clean_labels[noisy]) % 3, minlength=3)[1:].min() > 50  # uniform wrong class
    assert np.array_equal(g.test.labels, g.test.clean_labels) and not g.pool.corrupted.any()
    assert np.array_equal(g.pool.features["a"], clean.pool.features["a"])


def test_unannotated_generation_reproduces_the_schema_1_splits():
    spec = _spec({"redundant": 1})
    legacy, annotated = generate(spec, annotated=False), generate(spec)
    assert legacy.pool.clean_labels is None and legacy.pool.corrupted is None
    assert np.array_equal(legacy.pool.features["b"], annotated.pool.features["b"]) and np.array_equal(legacy.pool.labels, annotated.pool.labels)
    with pytest.raises(ValueError, match="annotated=True"):
        generate(dataclasses.replace(spec, pool_label_noise=0.1), annotated=False)
