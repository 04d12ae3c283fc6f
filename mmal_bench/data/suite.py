"""The synthetic pitfall suite, registered declaratively: version 2.0.0 and the archived 1.0.0.

Every dataset: modalities ``a`` and ``b`` (16 dims each), 5,000 pool and 2,000 test rows, its Bayes
ground truth per modality subset, and class-balanced cold-start orders (seeds 0-19 in 2.0.0, 0-9 in
1.0.0). 2.0.0 datasets carry the metric-only columns ``clean_label`` and ``corrupted`` (schema 2).

What changed in 2.0.0 (each card's "Changes" section says it per dataset): ``synergy`` is binary XOR
(learnable with a fusion layer); the difficulty pitfall is split into ``difficulty-gap`` (equal Bayes
information, one modality much harder to learn) and ``information-gap`` (1.0.0's difficulty-gap); the
noisy-data pitfall is new (``corrupted-modality``, ``noisy-labels``).
"""

from __future__ import annotations

from functools import partial

from tabulate import tabulate

from mmal_bench.data.citation import MMAL_BENCH_CITATION, citation_for  # noqa: F401 - re-exported
from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.ground_truth import GROUND_TRUTH_ROWS, bayes_ground_truth
from mmal_bench.data.entry import BuiltDataset, DatasetEntry
from mmal_bench.data.population import FAMILIES, POPULATION_VERSION, draw_knobs, variant_indices, variants
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec, generate, spec_summary

SUITE_VERSION = "2.0.0"
#: The archived suite version (its datasets stay registered and loadable, schema 1).
LEGACY_VERSION = "1.0.0"
SYNTHETIC_LICENSE = "cc-by-4.0"
#: Cold-start seeds published with every 2.0.0 dataset (the standard suite runs 20 seeds).
COLD_START_SEEDS_2_0_0 = tuple(range(20))



def build_synthetic(
    spec: GeneratorSpec,
    ground_truth_rows: int = GROUND_TRUTH_ROWS,
    schema_version: int = 2,
    cold_start_seeds: tuple[int, ...] = COLD_START_SEEDS_2_0_0,
    changes: str = "",
) -> BuiltDataset:
    """Build the full content of a synthetic dataset: splits, cold-start orders, Bayes ground truth.

    ``schema_version`` 2 records clean labels and corruption flags (`generate` with ``annotated``);
    1 rebuilds the 1.0.0 content byte for byte. Cold starts balance the *true* classes.
    """
    generated = generate(spec, annotated=schema_version >= 2)
    truth = bayes_ground_truth(spec, rows=ground_truth_rows)
    quality = ""
    if spec.pool_corruption or spec.pool_label_noise:
        quality = (
            f"Pool only (test rows are clean): {spec.pool_corruption:.0%} of rows have one modality replaced by the "
            f"vector of a random row of another class (`corrupted` = true); {spec.pool_label_noise:.0%} have a wrong "
            "oracle `label` (uniform over the other classes; `clean_label` holds the truth). Both columns are for "
            "metrics only: the harness reveals and trains on `label`, and never shows a strategy either column.\n\n"
        )
    notes = (
        (f"### Changes\n\n{changes}\n\n" if changes else "")
        + "### Generator\n\n"
        f"`mmal_bench.data.synthetic.generate` with {spec.n_classes} classes, interaction mixture "
        f"`{dict(spec.interaction)}`, seed {spec.seed}:\n\n"
        + tabulate(spec_summary(spec), headers="keys", tablefmt="github")
        + "\n\n"
        + quality
        + f"### Ground truth method\n\n{truth.method}\n"
    )
    balance_on = generated.pool.clean_labels if generated.pool.clean_labels is not None else generated.pool.labels
    return BuiltDataset(
        pool=generated.pool,
        test=generated.test,
        cold_start_order=cold_start_orders(balance_on, base_seed=spec.seed, seeds=cold_start_seeds),
        ground_truth=truth.accuracy,
        ground_truth_se=truth.se,
        spec={"generator": "mmal_bench.data.synthetic", "seed": spec.seed, "ground_truth_rows": ground_truth_rows, "spec": spec.to_dict()},
        card_notes=notes,
    )


def synthetic_entry(
    name: str,
    spec: GeneratorSpec,
    pitfall: str,
    description: str,
    version: str = SUITE_VERSION,
    class_names: tuple[str, ...] | None = None,
    ground_truth_rows: int = GROUND_TRUTH_ROWS,
    hub_repo_id: str | None = None,
    schema_version: int = 2,
    cold_start_seeds: tuple[int, ...] = COLD_START_SEEDS_2_0_0,
    changes: str = "",
) -> DatasetEntry:
    """A `DatasetEntry` whose builder is `build_synthetic(spec, ...)` (not registered; see `register`).

    ``changes`` says on the card what differs from the previous version of the dataset.
    """
    return DatasetEntry(
        name=name,
        version=version,
        kind="synthetic",
        pitfall=pitfall,
        description=description,
        modalities=spec.modality_names,
        class_names=class_names or tuple(f"c{i}" for i in range(spec.n_classes)),
        pool_size=spec.pool_size,
        test_size=spec.test_size,
        # the dataset's own version, not the package's: a 2.0.0 card keeps citing 2.0.0 after a bump
        citation=citation_for(version),
        license=SYNTHETIC_LICENSE,
        build=partial(build_synthetic, spec, ground_truth_rows, schema_version, tuple(cold_start_seeds), changes),
        modality_dims=tuple(m.dim for m in spec.modalities),
        hub_repo_id=hub_repo_id,
        schema_version=schema_version,
    )


def _pair(a: dict, b: dict) -> tuple[ModalitySpec, ModalitySpec]:
    base = {"dim": 16, "informative": 4}
    return ModalitySpec("a", **(base | a)), ModalitySpec("b", **(base | b))


def _suite_spec(
    seed: int, a: dict, b: dict, interaction: dict | None = None, n_classes: int = 4, pool_size: int = 5000, **quality: float
) -> GeneratorSpec:
    return GeneratorSpec(
        modalities=_pair(a, b),
        n_classes=n_classes,
        interaction=interaction or {"redundant": 1.0},
        pool_size=pool_size,
        test_size=2000,
        seed=seed,
        **quality,
    )


#: The 1.0.0 pitfall settings that 2.0.0 keeps (name → spec, pitfall, description).
_KEPT = {
    "balanced": (
        _suite_spec(1001, {"noise": 0.6}, {"noise": 0.6}),
        "control",
        "Control: both modalities equally hard, linear and complete; each alone is fair, together better.",
    ),
    "redundant": (
        _suite_spec(1002, {"noise": 0.35}, {"noise": 0.35}),
        "redundancy",
        "Redundant interaction: each modality alone determines the label (a model may neglect either).",
    ),
    "unique": (
        _suite_spec(1003, {"noise": 0.35}, {"noise": 0.35}, {"unique": 1.0}),
        "uniqueness",
        "Unique interaction: a sees one binary digit of the label, b the other; each alone ~50%, both needed.",
    ),
    "missing-mcar": (
        _suite_spec(
            1006,
            {"noise": 0.5, "missing_pool": 0.2, "missing_test": 0.2},
            {"noise": 0.5, "missing_pool": 0.4, "missing_test": 0.4},
        ),
        "missing (MCAR)",
        "Missing completely at random: a missing in 20% and b in 40% of pool and test rows.",
    ),
    "missing-mnar": (
        _suite_spec(
            1007,
            {"noise": 0.5, "missing_pool": 0.2, "missing_test": 0.2},
            {"noise": 0.5, "missing_pool": 0.4, "missing_test": 0.4, "missing_mechanism": "mnar", "mnar_strength": 0.9},
        ),
        "missing (MNAR)",
        "Missing not at random: b's missing rate (40% on average) grows with the class index; a 20% MCAR.",
    ),
}
_INFORMATION_GAP_SPEC = _suite_spec(
    1005,
    {"noise": 0.25},
    {"noise": 0.4, "informative": 8, "geometry": "nonlinear", "clusters_per_class": 4},
    {"redundant": 0.5, "unique": 0.5},
)
_SYNERGY_1_0_0_SPEC = _suite_spec(1004, {"noise": 0.35}, {"noise": 0.35}, {"synergy": 1.0})

_SCHEMA_CHANGE = (
    "Same generator spec and seed as 1.0.0, so the same features and labels; 2.0.0 adds the metric-only "
    "columns `clean_label` and `corrupted` (here equal to `label` and all false), cold-start orders for "
    "seeds 0-19 (1.0.0: 0-9) and a fingerprint that also covers the ground truth and class names."
)

#: The archived 1.0.0 suite (schema 1): still loadable, byte-identical to its committed manifests.
SUITE_1_0_0: tuple[DatasetEntry, ...] = tuple(
    synthetic_entry(
        name, spec, pitfall=pitfall, description=description, version=LEGACY_VERSION, schema_version=1, cold_start_seeds=tuple(range(10))
    )
    for name, (spec, pitfall, description) in (
        ("balanced", _KEPT["balanced"]),
        ("redundant", _KEPT["redundant"]),
        ("unique", _KEPT["unique"]),
        (
            "synergy",
            (_SYNERGY_1_0_0_SPEC, "synergy", "Synergy: label = (u_a + u_b) mod 4; each modality alone is at chance, together near-perfect."),
        ),
        (
            "difficulty-gap",
            (
                _INFORMATION_GAP_SPEC,
                "difficulty gap",
                "Easy linear a beside hard non-linear noisy b; b carries label information that a lacks on half the rows.",
            ),
        ),
        ("missing-mcar", _KEPT["missing-mcar"]),
        ("missing-mnar", _KEPT["missing-mnar"]),
    )
)

SUITE: tuple[DatasetEntry, ...] = (
    *(
        synthetic_entry(name, spec, pitfall=pitfall, description=description, changes=_SCHEMA_CHANGE)
        for name, (spec, pitfall, description) in _KEPT.items()
    ),
    synthetic_entry(
        "synergy",
        _suite_spec(2004, {"noise": 0.3}, {"noise": 0.3}, {"synergy": 1.0}, n_classes=2),
        pitfall="synergy",
        description="Synergy: label = u_a XOR u_b (binary factors); each modality alone is exactly at chance, together near-perfect.",
        changes=(
            "Redesigned. 1.0.0 used 4 classes, label = (u_a + u_b) mod 4, which the benchmark model could not learn at any "
            "budget (all pool labels: 0.256 test accuracy vs 0.895 Bayes). 2.0.0 is binary XOR of one binary factor per "
            "modality with lower noise, learnable by a model with a fusion interaction layer."
        ),
    ),
    synthetic_entry(
        "difficulty-gap",
        _suite_spec(
            2005,
            {"noise": 0.45},
            {"noise": 0.35, "informative": 8, "geometry": "nonlinear", "clusters_per_class": 4},
        ),
        pitfall="difficulty gap",
        description=(
            "Difficulty gap at equal information: a and b each determine the label with the same Bayes accuracy, "
            "but a is linear (4 informative dims) while b is non-linear (4 clusters per class in ± pairs over 8 dims): "
            "b needs many more labels for the same accuracy."
        ),
        changes=(
            "Redesigned. 1.0.0's difficulty-gap mixed two things (b harder to learn *and* less informative: Bayes 0.53 vs "
            "0.75); that dataset continues, unchanged, as `information-gap` 2.0.0. Here both modalities have the same "
            "Bayes accuracy (b's noise chosen to match a's within 0.01) and only the learning difficulty differs."
        ),
    ),
    synthetic_entry(
        "information-gap",
        _INFORMATION_GAP_SPEC,
        pitfall="information gap",
        description="Easy linear a beside hard non-linear noisy b; b carries label information that a lacks on half the rows.",
        changes="Renamed from difficulty-gap 1.0.0 (its pitfall is an information gap, not only a difficulty gap). " + _SCHEMA_CHANGE,
    ),
    synthetic_entry(
        "corrupted-modality",
        _suite_spec(2008, {"noise": 0.5}, {"noise": 0.5}, pool_corruption=0.15),
        pitfall="corrupted modality",
        description=(
            "Noisy data: 15% of pool rows have one modality (a or b, uniformly) replaced by the vector of a random row of "
            "another class (misaligned pair); test rows are clean. Uncertainty sampling is drawn to these rows."
        ),
        changes="New in 2.0.0 (the noisy-data pitfall).",
    ),
    synthetic_entry(
        "noisy-labels",
        _suite_spec(2009, {"noise": 0.5}, {"noise": 0.5}, pool_size=10_000, pool_label_noise=0.15),
        pitfall="noisy labels",
        description=(
            "Noisy data: the oracle returns a wrong label (uniform over the other classes) for 15% of pool rows; "
            "test labels are clean. The harness trains on what the oracle says. The pool has 10,000 rows."
        ),
        changes=(
            "New in 2.0.0 (the noisy-data pitfall). Its pool has 10,000 rows, twice the other synthetic sets: with "
            "5,000 rows the benchmark model trained on every (15% wrong) pool label stayed 0.035 under the clean Bayes "
            "accuracy and failed the learnability gate (0.03), while on the clean labels it was 0.011 under; with "
            "10,000 rows it averages the noise out (0.016 under, 3 seeds). The noise rate was not changed."
        ),
    ),
)

#: Cold-start seeds published with every 3.0.0 dataset (the 3.0.0 standard suite runs seeds 0-4).
COLD_START_SEEDS_3_0_0 = tuple(range(10))
#: Fresh rows behind each 3.0.0 Bayes ground truth (SE <= 0.0016): 50+ datasets, built on every cold cache.
GROUND_TRUTH_ROWS_3_0_0 = 100_000


def _population_entries() -> tuple[DatasetEntry, ...]:
    out = []
    for family in FAMILIES:
        for index, (name, spec) in zip(variant_indices(family), variants(family)):
            knobs = ", ".join(f"{k}={v}" for k, v in draw_knobs(family, index).items())
            out.append(
                synthetic_entry(
                    name,
                    spec,
                    pitfall=family.pitfall,
                    description=f"{family.description} Variant {index + 1} of family `{family.name}`.",
                    version=POPULATION_VERSION,
                    ground_truth_rows=GROUND_TRUTH_ROWS_3_0_0,
                    cold_start_seeds=COLD_START_SEEDS_3_0_0,
                    changes=(
                        f"New in 3.0.0: variant {index + 1} of family `{family.name}` of the declared population "
                        f"(`mmal_bench.data.population`, family seed {family.seed}), knobs drawn from the family's "
                        f"distribution: {knobs}."
                    ),
                )
            )
    return tuple(out)


#: The synthetic datasets of 3.0.0: every variant of every family of `mmal_bench.data.population`.
SUITE_3_0_0: tuple[DatasetEntry, ...] = _population_entries()
