"""Tests of the declared 3.0.0 population (`mmal_bench.data.population`), its new generator knobs,
the explicit catalog, and the 3.0.0 standard suite built from it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from mmal_bench.data import catalog, population
from mmal_bench.data.ground_truth import bayes_ground_truth
from mmal_bench.data.hub import committed_manifest
from mmal_bench.data.suite import SUITE, SUITE_3_0_0
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec, generate, spec_from_dict
from mmal_bench.errors import ConfigError
from mmal_bench.harness.suites import get_suite

TWO_0_0_FAMILIES = {
    "balanced", "redundant", "unique", "synergy", "difficulty-gap", "information-gap",
    "missing-mcar", "missing-mnar", "corrupted-modality", "noisy-labels",
}


def test_population_declares_twelve_plus_families_with_the_2_0_0_generators_among_them():
    names = [f.name for f in population.FAMILIES]
    assert len(names) == len(set(names)) >= 12
    assert TWO_0_0_FAMILIES <= set(names)
    assert len({f.seed for f in population.FAMILIES}) == len(names)  # independent seed sequences


def test_variant_draws_are_deterministic_and_inside_the_declared_distribution():
    for family in population.FAMILIES:
        for i in range(4):
            knobs = population.draw_knobs(family, i)
            assert knobs == population.draw_knobs(family, i)
            for name, knob in family.knobs.items():
                value = knobs[name]
                if knob[0] in ("uniform", "int"):
                    assert knob[1] <= value <= knob[2], (family.name, name, value)
                elif knob[0] == "choice":
                    assert value in knob[1]
            spec = population.variant_spec(family, i)
            assert 2 <= spec.n_classes <= 10 and spec.seed == family.seed * 100 + i
            assert spec_from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    # variants of one family differ (their knobs are drawn, not copied)
    family = population.get_family("balanced")
    assert population.draw_knobs(family, 0) != population.draw_knobs(family, 1)


def test_a_2_0_0_spec_serialises_without_the_3_0_0_knobs():
    # the new knobs are left out when off, so 2.0.0 manifests keep their bytes
    for entry in SUITE:
        spec = entry.build.args[0]
        assert spec.to_dict() == committed_manifest(entry.name, "2.0.0")["spec"]["spec"]


def _spec(**kw) -> GeneratorSpec:
    a = kw.pop("a", {})
    b = kw.pop("b", {})
    mods = (ModalitySpec("a", **({"dim": 6, "informative": 4, "noise": 0.4} | a)), ModalitySpec("b", **({"dim": 6, "informative": 4, "noise": 0.4} | b)))
    return GeneratorSpec(modalities=mods, n_classes=kw.pop("n_classes", 4), pool_size=3000, test_size=1000, seed=3, **kw)


def test_class_prior_gives_long_tailed_classes():
    prior = (0.6, 0.25, 0.1, 0.05)
    g = generate(_spec(class_prior=prior))
    shares = np.bincount(g.pool.labels, minlength=4) / 3000
    assert np.allclose(shares, prior, atol=0.03)


def test_copy_of_makes_a_modality_redundant_with_its_source_whatever_the_interaction():
    mods = (
        ModalitySpec("a", dim=6, informative=4, noise=0.3),
        ModalitySpec("b", dim=6, informative=4, noise=0.3),
        ModalitySpec("d", dim=6, informative=4, noise=0.3, copy_of="a"),
    )
    spec = GeneratorSpec(modalities=mods, n_classes=4, interaction={"unique": 1.0}, pool_size=500, test_size=500, seed=4)
    truth = bayes_ground_truth(spec, rows=20_000).accuracy
    # a and d see the same digit of the label: together they add nothing that b holds
    assert abs(truth["a"] - truth["d"]) < 0.02 and truth["a+d"] < 0.55 < truth["a+b"]


def test_informative_classes_makes_a_modality_blind_to_the_other_classes():
    spec = _spec(b={"informative_classes": 2})
    g = generate(spec)
    x, y = g.test.features["b"], g.test.labels
    centre = {c: x[y == c].mean(axis=0) for c in range(4)}
    assert np.linalg.norm(centre[2] - centre[3]) < 0.15 < np.linalg.norm(centre[0] - centre[1])


def test_noise_spread_makes_difficulty_depend_on_the_class():
    spec = _spec(a={"noise_spread": 0.6})
    g = generate(spec)
    x, y = g.test.features["a"], g.test.labels
    spread = [np.linalg.norm(x[y == c] - x[y == c].mean(axis=0), axis=1).mean() for c in range(4)]
    assert spread[0] < spread[1] < spread[2] < spread[3]


def test_annotator_noise_falls_on_ambiguous_rows_and_keeps_the_exact_share():
    uniform = generate(_spec(pool_label_noise=0.15, a={"noise": 0.8}))
    annotator = generate(_spec(pool_label_noise=0.15, label_noise_modality="a", a={"noise": 0.8}))
    for g in (uniform, annotator):
        assert np.mean(g.pool.labels != g.pool.clean_labels) == pytest.approx(0.15)
    # an annotator who judges from a errs where a points to another class: a nearest-centroid reader of
    # a agrees with the wrong labels far more often than with uniformly drawn wrong labels
    def agreement(g):
        x, y, wrong = g.pool.features["a"], g.pool.clean_labels, g.pool.labels != g.pool.clean_labels
        centres = np.stack([x[y == c].mean(axis=0) for c in range(4)])
        read = np.argmin(((x[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        return np.mean(read[wrong] == g.pool.labels[wrong])

    assert agreement(annotator) > agreement(uniform) + 0.2


def test_bad_new_knobs_are_refused_at_the_boundary():
    with pytest.raises(ValueError, match="class_prior"):
        _spec(class_prior=(1.0, 1.0))
    with pytest.raises(ValueError, match="copy_of"):
        _spec(b={"copy_of": "zzz"})
    with pytest.raises(ValueError, match="label_noise_modality"):
        _spec(label_noise_modality="a")  # without label noise


def test_declaration_modules_register_nothing_on_import():
    code = (
        "import mmal_bench.data.suite, mmal_bench.data.population, mmal_bench.data.real.injected, mmal_bench.data.catalog;"
        "import mmal_bench.data.registry as r; print(len(r._REGISTRY))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_catalog_lists_every_3_0_0_dataset_once():
    refs = [e.ref for e in catalog.static_entries()]
    assert len(refs) == len(set(refs))
    assert {e.ref for e in SUITE_3_0_0} <= set(refs)
    expected = sum(f.variants for f in population.FAMILIES)
    assert len(SUITE_3_0_0) == expected


def test_standard_is_the_3_0_0_suite_of_the_population_and_2_0_0_stays_available():
    suite = get_suite("standard@3.0.0")
    assert get_suite("standard") is suite  # the current release
    assert suite.version == "3.0.0" and suite.seeds == (0, 1, 2, 3, 4)
    entries = [population_entry for population_entry in catalog.static_entries() if f"{population_entry.name}@{population_entry.version}" in suite.datasets]
    assert len(entries) == len(suite.datasets) >= 40
    assert len({e.pitfall for e in entries}) >= 12
    real_pitfalls = {e.pitfall for e in entries if e.kind == "real"}
    assert len(real_pitfalls) >= 3
    archived = get_suite("standard@2.0.0")  # the archived suite, by name@version
    assert archived.version == "2.0.0" and archived is not suite and archived.seeds == tuple(range(20))
    assert archived.datasets and all(ref.endswith("@2.0.0") for ref in archived.datasets)
    with pytest.raises(ConfigError, match="unknown suite 'standard@9.9.9'"):
        get_suite("standard@9.9.9")


def test_a_population_variant_builds_with_its_schema():
    from mmal_bench.data.entry import check_built

    entry = next(e for e in SUITE_3_0_0 if e.name == "class-selective-v1")
    small = dataclasses.replace(entry.build.args[0], pool_size=300, test_size=200)
    from mmal_bench.data.suite import synthetic_entry

    tiny = synthetic_entry("tiny-selective", small, pitfall=entry.pitfall, description="t", version="3.0.0", ground_truth_rows=2000, cold_start_seeds=(0, 1))
    built = tiny.build()
    check_built(tiny, built)
    assert sorted(built.cold_start_order) == [0, 1] and built.pool.annotated


def test_recorded_3_0_0_manifests_and_cards_match_their_entries():
    from mmal_bench.data.hub import committed_dir

    recorded = 0
    for entry in catalog.static_entries():
        if entry.version != "3.0.0" or committed_manifest(entry.name, entry.version) is None:
            continue
        recorded += 1
        manifest = committed_manifest(entry.name, entry.version)
        card = (committed_dir(entry.name, entry.version) / "README.md").read_text()
        assert manifest["fingerprint_scheme"] == "mmal-bench-content-v2" and card.count(manifest["fingerprint"]) == 1
        assert manifest["cold_start"]["seeds"] == list(range(10)) and tuple(manifest["modalities"]) == entry.modalities
        if entry.kind == "synthetic":
            assert spec_from_dict(manifest["spec"]["spec"]) == entry.build.args[0]
        else:
            assert "derive from one image" in card
    assert recorded >= 12


def test_committed_3_0_0_calibration_covers_the_suite_with_two_spaced_regimes():
    from mmal_bench.harness.calibration import load_calibration

    suite = get_suite("standard@3.0.0")
    calibration = load_calibration("standard", "3.0.0")
    assert calibration["fractions"] == {"low": 0.5, "mid": 0.8} and calibration["seeds"] == [0, 1]
    assert list(calibration["datasets"]) == list(suite.datasets)
    for ref, entry in calibration["datasets"].items():
        low, mid = entry["regimes"]
        pool = next(e for e in catalog.static_entries() if e.ref == ref).pool_size
        assert mid["batch_size"] >= min(1.5 * low["batch_size"], pool // 11), ref  # no near-identical regimes
        assert suite.regimes_for(ref.split("@")[0])[1].batch_size == mid["batch_size"]


def test_gate_excluded_draws_are_replaced_by_the_next_draw_and_every_dataset_passes_the_gate():
    from mmal_bench.harness.calibration import gate_rows, load_calibration

    family = dataclasses.replace(population.get_family("balanced"), gate_excluded=(0, 2))
    assert population.variant_indices(family) == [1, 3]
    assert [name for name, _ in population.variants(family)] == ["balanced-v2", "balanced-v4"]
    rows = gate_rows(load_calibration("standard", "3.0.0"))
    assert len(rows) == len(get_suite("standard@3.0.0").datasets) and all(r["gate"] == "pass" for r in rows)
