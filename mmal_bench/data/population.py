"""The declared dataset population of suite 3.0.0: synthetic families, their knob distributions, their seeds.

A *family* is one data-generating process (a template over `GeneratorSpec`); its *variants* are drawn
from the family's declared knob distribution with the family's own seed sequence, so the population
is fixed before any 3.0.0 result exists and anybody can redraw it. Units of inference for the
leaderboard are datasets, and variants of one family are correlated (family ICC, see
``benchmarks/bench_power_3_0_0.py``), so the design favours many families with few variants each.

Knob distributions (`Knob`) are data: ``("uniform", lo, hi)``, ``("int", lo, hi)`` (inclusive),
``("choice", values)``, ``("const", value)``. ``draw_knobs(family, i)`` draws variant ``i`` from
``SeedSequence([POPULATION_SEED, family.seed, i])`` in the declared knob order; the variant's
generator seed is ``family.seed * 100 + i``. Real-data families are declared with their loaders
(`mmal_bench.data.real.uci_mfeat`, `multiview_mnist`, `injected`); `mmal_bench.data.catalog` lists all.

The design (variants per family = 2, 5 seeds) comes from the pilot and power analysis
(``benchmarks/pilot_3_0_0.py``, ``benchmarks/bench_power_3_0_0.py``, results in
``benchmarks/pilot_3_0_0/``): 17 synthetic families x 2 + 7 real families (18 datasets) = 52 datasets
from 24 families reach power >= 0.8 for a normalised dAUBC of 0.03 vs random under every SD/ICC
scenario measured (pilot and 2.0.0 re-analysis), within the 2.0.0 cost cap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec

POPULATION_VERSION = "3.0.0"
#: Root of every family's seed sequence (changing it redraws the whole population: a new version).
POPULATION_SEED = 30_000
#: Test rows of every synthetic variant (its accuracy is measured there; the Bayes truth on fresh rows).
TEST_SIZE = 2000

Knob = tuple[Any, ...]


@dataclass(frozen=True)
class Family:
    """One data-generating process: a template over drawn knobs, and how many variants it publishes.

    ``template(knobs, seed)`` returns the variant's `GeneratorSpec`; ``knobs`` maps knob names to
    `Knob` distributions (drawn in this order). ``variants`` is how many datasets the 3.0.0 suite
    publishes from the family (chosen by the power analysis).
    """

    name: str
    seed: int
    pitfall: str
    description: str
    knobs: Mapping[str, Knob]
    template: Callable[[Mapping[str, Any], int], GeneratorSpec]
    variants: int
    #: Draw indices the learnability gate removed. The rule, declared before any strategy ran: a draw
    #: whose full-pool model misses the gate is replaced by the family's next draw.
    gate_excluded: tuple[int, ...] = ()


def draw_knob(knob: Knob, rng: np.random.Generator) -> Any:
    """One draw of a declared knob distribution (see the module docstring for the forms)."""
    kind = knob[0]
    if kind == "uniform":
        return round(float(rng.uniform(knob[1], knob[2])), 3)
    if kind == "int":
        return int(rng.integers(knob[1], knob[2] + 1))
    if kind == "choice":
        return knob[1][int(rng.integers(0, len(knob[1])))]
    if kind == "const":
        return knob[1]
    raise ValueError(f"unknown knob distribution {knob!r}")


def draw_knobs(family: Family, index: int) -> dict[str, Any]:
    """The knobs of variant ``index`` of ``family`` (deterministic; independent across variants)."""
    rng = np.random.default_rng(np.random.SeedSequence([POPULATION_SEED, family.seed, index]))
    return {name: draw_knob(knob, rng) for name, knob in family.knobs.items()}


def variant_seed(family: Family, index: int) -> int:
    return family.seed * 100 + index


def variant_spec(family: Family, index: int) -> GeneratorSpec:
    """The generator spec of variant ``index`` of ``family``."""
    return family.template(draw_knobs(family, index), variant_seed(family, index))


def variant_name(family: Family, index: int) -> str:
    return f"{family.name}-v{index + 1}"


def _mod(name: str, knobs: Mapping[str, Any], prefix: str, **extra: Any) -> ModalitySpec:
    dim = knobs.get(f"{prefix}dim", knobs.get("dim", 16))
    informative = min(knobs.get(f"{prefix}informative", knobs.get("informative", 4)), dim)
    return ModalitySpec(name, dim=dim, informative=informative, noise=knobs.get(f"{prefix}noise", knobs.get("noise", 0.5)), **extra)


def _spec(knobs: Mapping[str, Any], seed: int, mods: tuple[ModalitySpec, ...], **kw: Any) -> GeneratorSpec:
    return GeneratorSpec(
        modalities=mods,
        n_classes=kw.pop("n_classes", knobs.get("n_classes", 4)),
        interaction=kw.pop("interaction", {"redundant": 1.0}),
        pool_size=knobs.get("pool_size", 4000),
        test_size=TEST_SIZE,
        seed=seed,
        **kw,
    )


def _two(knobs: Mapping[str, Any], seed: int, a: Mapping[str, Any] | None = None, b: Mapping[str, Any] | None = None, **kw: Any) -> GeneratorSpec:
    return _spec(knobs, seed, (_mod("a", knobs, "a_", **(a or {})), _mod("b", knobs, "b_", **(b or {}))), **kw)


#: Knobs most families share: dimensions, informative dims (>= classes where possible, so that the
#: class centres are orthogonal), 2-10 classes, the pool size.
_COMMON: dict[str, Knob] = {
    "n_classes": ("int", 2, 10),
    "dim": ("choice", (12, 16, 24)),
    "informative": ("int", 4, 10),
    "pool_size": ("choice", (4000, 6000, 8000)),
}


def _mixed(knobs: Mapping[str, Any], seed: int) -> GeneratorSpec:
    synergy = knobs["synergy"]
    rest = 1.0 - synergy
    mix = {"redundant": round(rest * knobs["redundant_share"], 3), "unique": round(rest * (1 - knobs["redundant_share"]), 3), "synergy": synergy}
    return _two(knobs, seed, interaction=mix)


def _many(knobs: Mapping[str, Any], seed: int) -> GeneratorSpec:
    mods = [_mod("a", knobs, "a_"), _mod("b", knobs, "b_"), ModalitySpec("c", dim=knobs["dim"], informative=4, noise=25.0)]
    if knobs["modalities"] == 4:
        mods.append(ModalitySpec("d", dim=knobs["dim"], informative=min(knobs["informative"], knobs["dim"]), noise=knobs["d_noise"], copy_of="a"))
    mix = {"redundant": knobs["redundant_share"], "unique": round(1 - knobs["redundant_share"], 3)}
    return _spec(knobs, seed, tuple(mods), interaction=mix)


def _zipf(n_classes: int, exponent: float) -> tuple[float, ...]:
    w = 1.0 / np.arange(1, n_classes + 1) ** exponent
    return tuple(round(float(x), 6) for x in w / w.sum())


FAMILIES: tuple[Family, ...] = (
    # -- the ten 2.0.0 generators, now families with drawn variants --------------------------------
    Family(
        "balanced", 301, "control",
        "Control: two linear, complete modalities of equal difficulty; each alone is fair, together better.",
        _COMMON | {"noise": ("uniform", 0.4, 0.6)},
        lambda k, s: _two(k, s), 2,
    ),
    Family(
        "redundant", 302, "redundancy",
        "Redundant interaction: each modality alone determines the label (a model may neglect either).",
        _COMMON | {"noise": ("uniform", 0.3, 0.5)},
        lambda k, s: _two(k, s), 2,
    ),
    Family(
        "unique", 303, "uniqueness",
        "Unique interaction: each modality sees a different digit of the label; each alone is partial, both needed.",
        _COMMON | {"n_classes": ("choice", (4, 6)), "noise": ("uniform", 0.25, 0.4)},
        lambda k, s: _two(k, s, interaction={"unique": 1.0}), 2,
    ),
    Family(
        "synergy", 304, "synergy",
        "Synergy: label = XOR of one binary factor per modality; each alone at chance, together near-perfect.",
        _COMMON | {"n_classes": ("const", 2), "informative": ("int", 2, 4), "noise": ("uniform", 0.2, 0.3), "pool_size": ("choice", (6000, 8000))},
        lambda k, s: _two(k, s, interaction={"synergy": 1.0}), 2, gate_excluded=(1,),
    ),
    Family(
        "difficulty-gap", 305, "difficulty gap",
        "Difficulty gap: a is linear, b non-linear (clusters in +/- pairs over 8 dims); b needs many more labels.",
        _COMMON | {"n_classes": ("int", 2, 6), "a_noise": ("uniform", 0.4, 0.55), "b_noise": ("uniform", 0.3, 0.45), "clusters": ("choice", (2, 4))},
        lambda k, s: _two(dict(k) | {"b_informative": 8, "b_dim": max(k["dim"], 8)}, s, b={"geometry": "nonlinear", "clusters_per_class": k["clusters"]}), 2,
    ),
    Family(
        "information-gap", 306, "information gap",
        "Information gap: easy linear a beside hard non-linear b that carries label information a lacks on some rows.",
        _COMMON | {"n_classes": ("choice", (4, 6)), "a_noise": ("uniform", 0.2, 0.35), "b_noise": ("uniform", 0.35, 0.5), "redundant_share": ("uniform", 0.4, 0.7)},
        lambda k, s: _two(
            dict(k) | {"b_informative": 8, "b_dim": max(k["dim"], 8)}, s, b={"geometry": "nonlinear", "clusters_per_class": 4},
            interaction={"redundant": k["redundant_share"], "unique": round(1 - k["redundant_share"], 3)},
        ), 2, gate_excluded=(1, 2),
    ),
    Family(
        "missing-mcar", 307, "missing (MCAR)",
        "Missing completely at random: each modality missing in a drawn share of pool and test rows.",
        _COMMON | {"noise": ("uniform", 0.4, 0.6), "a_missing": ("uniform", 0.1, 0.3), "b_missing": ("uniform", 0.3, 0.5)},
        lambda k, s: _two(
            k, s, a={"missing_pool": k["a_missing"], "missing_test": k["a_missing"]}, b={"missing_pool": k["b_missing"], "missing_test": k["b_missing"]}
        ), 2,
    ),
    Family(
        "missing-mnar", 308, "missing (MNAR)",
        "Missing not at random: b's missing rate grows with the class index; a is MCAR.",
        _COMMON | {"n_classes": ("int", 3, 10), "noise": ("uniform", 0.4, 0.6), "a_missing": ("uniform", 0.1, 0.3), "b_missing": ("uniform", 0.3, 0.5), "strength": ("uniform", 0.6, 0.95)},
        lambda k, s: _two(
            k, s, a={"missing_pool": k["a_missing"], "missing_test": k["a_missing"]},
            b={"missing_pool": k["b_missing"], "missing_test": k["b_missing"], "missing_mechanism": "mnar", "mnar_strength": k["strength"]},
        ), 2, gate_excluded=(1,),
    ),
    Family(
        "corrupted-modality", 309, "corrupted modality",
        "Corrupted modality: a drawn share of pool rows has one modality replaced by a row of another class; test is clean.",
        _COMMON | {"noise": ("uniform", 0.4, 0.6), "corruption": ("uniform", 0.1, 0.25)},
        lambda k, s: _two(k, s, pool_corruption=k["corruption"]), 2,
    ),
    Family(
        "noisy-labels", 310, "noisy labels",
        "Noisy labels: the oracle returns a uniformly wrong class for a drawn share of pool rows; test labels are clean.",
        _COMMON | {"noise": ("uniform", 0.4, 0.6), "label_noise": ("uniform", 0.08, 0.12), "pool_size": ("choice", (8000, 10000))},
        lambda k, s: _two(k, s, pool_label_noise=k["label_noise"]), 2,
    ),
    # -- new data-generating processes ---------------------------------------------------------------
    Family(
        "many-modalities", 311, "useless and redundant modalities",
        "Three or four modalities: a and b informative (redundant/unique mix), c useless (signal-to-noise ~0), d (if present) a second view of a's factor.",
        _COMMON | {"n_classes": ("choice", (4, 6, 9)), "modalities": ("choice", (3, 4)), "noise": ("uniform", 0.3, 0.5), "d_noise": ("uniform", 0.4, 0.7), "redundant_share": ("uniform", 0.3, 0.7)},
        _many, 2,
    ),
    Family(
        "long-tail", 312, "long-tailed classes",
        "Long-tailed classes: Zipf class prior in pool and test (the rarest class can be under 2% of rows).",
        _COMMON | {"n_classes": ("int", 4, 8), "noise": ("uniform", 0.35, 0.55), "exponent": ("uniform", 0.8, 1.6)},
        lambda k, s: _two(k, s, class_prior=_zipf(k["n_classes"], k["exponent"])), 2,
    ),
    Family(
        "class-selective", 313, "class-selective modality",
        "Class-selective modality: b tells only some classes apart (the others share one centre); a sees all classes but is noisier.",
        _COMMON | {"n_classes": ("int", 4, 10), "a_noise": ("uniform", 0.45, 0.65), "b_noise": ("uniform", 0.25, 0.4), "selective_share": ("uniform", 0.3, 0.6)},
        lambda k, s: _two(k, s, b={"informative_classes": max(2, int(round(k["selective_share"] * k["n_classes"])))}), 2,
    ),
    Family(
        "mixed-interaction", 314, "mixed interactions",
        "Mixed interactions in one dataset: redundant, unique and synergistic rows in drawn proportions (4 classes).",
        _COMMON | {"n_classes": ("const", 4), "noise": ("uniform", 0.25, 0.4), "synergy": ("uniform", 0.1, 0.3), "redundant_share": ("uniform", 0.3, 0.7)},
        _mixed, 2, gate_excluded=(1,),
    ),
    Family(
        "annotator-noise", 315, "modality-dependent label noise",
        "Modality-dependent label noise: wrong oracle labels fall where modality a is ambiguous, confused with a's likeliest wrong class; test labels are clean.",
        _COMMON | {"noise": ("uniform", 0.4, 0.6), "label_noise": ("uniform", 0.08, 0.12), "pool_size": ("choice", (8000, 10000))},
        lambda k, s: _two(k, s, pool_label_noise=k["label_noise"], label_noise_modality="a"), 2,
    ),
    Family(
        "heteroscedastic", 316, "heteroscedastic difficulty",
        "Heteroscedastic difficulty: the noise grows with the class index in a and falls with it in b, so each modality is hard for different classes.",
        _COMMON | {"noise": ("uniform", 0.45, 0.65), "spread": ("uniform", 0.3, 0.6)},
        lambda k, s: _two(k, s, a={"noise_spread": k["spread"]}, b={"noise_spread": -k["spread"]}), 2,
    ),
    Family(
        "shifted-test", 317, "test distribution shift",
        "Shifted test distribution: the pool is complete, but at test time b is missing in a drawn share of rows (deployment without one sensor).",
        _COMMON | {"noise": ("uniform", 0.4, 0.6), "b_missing_test": ("uniform", 0.3, 0.6)},
        lambda k, s: _two(k, s, b={"missing_test": k["b_missing_test"]}), 2,
    ),
)


def families() -> tuple[Family, ...]:
    return FAMILIES


def get_family(name: str) -> Family:
    for family in FAMILIES:
        if family.name == name:
            return family
    raise KeyError(f"unknown family {name!r}; choose from: {', '.join(f.name for f in FAMILIES)}")


def variant_indices(family: Family, count: int | None = None) -> list[int]:
    """Draw indices of the family's first ``count`` variants (default: its published count), skipping
    the draws the learnability gate excluded."""
    wanted = family.variants if count is None else count
    out, i = [], 0
    while len(out) < wanted:
        if i not in family.gate_excluded:
            out.append(i)
        i += 1
    return out


def variants(family: Family, count: int | None = None) -> list[tuple[str, GeneratorSpec]]:
    """``(dataset name, spec)`` of the family's variants (see `variant_indices`); names keep the draw
    index (``synergy-v3`` is draw 2), so a replaced draw never reuses a name."""
    return [(variant_name(family, i), variant_spec(family, i)) for i in variant_indices(family, count)]
