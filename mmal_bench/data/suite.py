"""The standard synthetic pitfall suite (version 1.0.0), registered declaratively.

Every dataset: modalities ``a`` and ``b`` (16 dims each), 4 classes, 5,000 pool and 2,000 test rows,
its Bayes ground truth per modality subset, and cold-start orders for seeds 0-9.
"""

from __future__ import annotations

from functools import partial

from tabulate import tabulate

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.ground_truth import GROUND_TRUTH_ROWS, bayes_ground_truth
from mmal_bench.data.registry import BuiltDataset, DatasetEntry, register
from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec, generate, spec_summary

SUITE_VERSION = "1.0.0"
SYNTHETIC_LICENSE = "cc-by-4.0"

#: The paper the benchmark rests on (also printed by `mmal-bench cite`).
MIND_THE_GAP_BIBTEX = """@article{eisenhardt2026mind,
  title={Mind the Gap: A Framework for Assessing Pitfalls in Multimodal Active Learning},
  author={Eisenhardt, Dustin and Jeong, Yunhee and Buettner, Florian},
  year={2026},
  eprint={2603.29677},
  archivePrefix={arXiv},
  primaryClass={cs.LG}
}"""

MMAL_BENCH_CITATION = """@misc{mmalbench2026,
  title={mmal-bench: an open benchmark for multimodal active learning},
  author={{mmal-bench contributors}},
  year={2026},
  note={Synthetic pitfall datasets, version 1.0.0}
}
""" + MIND_THE_GAP_BIBTEX


def build_synthetic(spec: GeneratorSpec, ground_truth_rows: int = GROUND_TRUTH_ROWS) -> BuiltDataset:
    """Build the full content of a synthetic dataset: splits, cold-start orders, Bayes ground truth."""
    generated = generate(spec)
    truth = bayes_ground_truth(spec, rows=ground_truth_rows)
    notes = (
        "### Generator\n\n"
        f"`mmal_bench.data.synthetic.generate` with {spec.n_classes} classes, interaction mixture "
        f"`{dict(spec.interaction)}`, seed {spec.seed}:\n\n"
        + tabulate(spec_summary(spec), headers="keys", tablefmt="github")
        + f"\n\n### Ground truth method\n\n{truth.method}\n"
    )
    return BuiltDataset(
        pool=generated.pool,
        test=generated.test,
        cold_start_order=cold_start_orders(generated.pool.labels, base_seed=spec.seed),
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
) -> DatasetEntry:
    """A `DatasetEntry` whose builder is `build_synthetic(spec)` (not registered; see `register`)."""
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
        citation=MMAL_BENCH_CITATION,
        license=SYNTHETIC_LICENSE,
        build=partial(build_synthetic, spec, ground_truth_rows),
        modality_dims=tuple(m.dim for m in spec.modalities),
        hub_repo_id=hub_repo_id,
    )


def _pair(a: dict, b: dict) -> tuple[ModalitySpec, ModalitySpec]:
    base = {"dim": 16, "informative": 4}
    return ModalitySpec("a", **(base | a)), ModalitySpec("b", **(base | b))


def _suite_spec(seed: int, a: dict, b: dict, interaction: dict | None = None) -> GeneratorSpec:
    return GeneratorSpec(
        modalities=_pair(a, b),
        n_classes=4,
        interaction=interaction or {"redundant": 1.0},
        pool_size=5000,
        test_size=2000,
        seed=seed,
    )


SUITE: tuple[DatasetEntry, ...] = (
    synthetic_entry(
        "balanced",
        _suite_spec(1001, {"noise": 0.6}, {"noise": 0.6}),
        pitfall="control",
        description="Control: both modalities equally hard, linear and complete; each alone is fair, together better.",
    ),
    synthetic_entry(
        "redundant",
        _suite_spec(1002, {"noise": 0.35}, {"noise": 0.35}),
        pitfall="redundancy",
        description="Redundant interaction: each modality alone determines the label (a model may neglect either).",
    ),
    synthetic_entry(
        "unique",
        _suite_spec(1003, {"noise": 0.35}, {"noise": 0.35}, {"unique": 1.0}),
        pitfall="uniqueness",
        description="Unique interaction: a sees one binary digit of the label, b the other; each alone ~50%, both needed.",
    ),
    synthetic_entry(
        "synergy",
        _suite_spec(1004, {"noise": 0.35}, {"noise": 0.35}, {"synergy": 1.0}),
        pitfall="synergy",
        description="Synergy: label = (u_a + u_b) mod 4; each modality alone is at chance, together near-perfect.",
    ),
    synthetic_entry(
        "difficulty-gap",
        _suite_spec(
            1005,
            {"noise": 0.25},
            {"noise": 0.4, "informative": 8, "geometry": "nonlinear", "clusters_per_class": 4},
            {"redundant": 0.5, "unique": 0.5},
        ),
        pitfall="difficulty gap",
        description="Easy linear a beside hard non-linear noisy b; b carries label information that a lacks on half the rows.",
    ),
    synthetic_entry(
        "missing-mcar",
        _suite_spec(
            1006,
            {"noise": 0.5, "missing_pool": 0.2, "missing_test": 0.2},
            {"noise": 0.5, "missing_pool": 0.4, "missing_test": 0.4},
        ),
        pitfall="missing (MCAR)",
        description="Missing completely at random: a missing in 20% and b in 40% of pool and test rows.",
    ),
    synthetic_entry(
        "missing-mnar",
        _suite_spec(
            1007,
            {"noise": 0.5, "missing_pool": 0.2, "missing_test": 0.2},
            {"noise": 0.5, "missing_pool": 0.4, "missing_test": 0.4, "missing_mechanism": "mnar", "mnar_strength": 0.9},
        ),
        pitfall="missing (MNAR)",
        description="Missing not at random: b's missing rate (40% on average) grows with the class index; a 20% MCAR.",
    ),
)

for _entry in SUITE:
    register(_entry)
