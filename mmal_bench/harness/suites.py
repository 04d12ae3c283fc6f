"""The benchmark's named suites (`standard` v2.0.0, `quick`): which datasets, budgets, seeds, model.

A suite expands into one `Protocol` per (dataset, regime); nobody tunes it per submission.

Budget regimes of `standard` 2.0.0 are calibrated per dataset, not fixed counts (issue 8): the
committed calibration (`mmal_bench/harness/calibration/standard-2.0.0.json`, written by
``mmal-bench datasets calibrate``) puts each regime's final budget where random sampling reaches a
fixed fraction of the gap between chance and the benchmark model's full-pool accuracy (low 0.5,
mid 0.75, high 0.9). Following Lüth et al. (NeurIPS 2023), the cold start equals the query size and
every regime runs 10 query rounds, so the budget curve has 11 points. Saturated or unlearnable
regimes therefore cannot arise. The calibration is read (and its fingerprint verified) when the suite
is first expanded: without a valid one, `standard` is a one-line error, never the 1.0.0 budgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from mmal_bench.data.registry import get_entry, list_entries
from mmal_bench.errors import ConfigError
from mmal_bench.harness.calibration.store import CalibratedRegimes
from mmal_bench.harness.protocol import Protocol, Regime
from mmal_bench.models.config import ModelConfig

STANDARD_REGIMES = (
    Regime("low", initial=20, batch_size=20, rounds=10),
    Regime("mid", initial=100, batch_size=100, rounds=10),
    Regime("high", initial=200, batch_size=200, rounds=10),
)

#: Per-dataset budgets where the standard ones do not fit. UCI Multiple Features (`uci-mfeat`, six
#: views, and its two-view `uci-mfeat-gap` config) has a 1,500-row pool, too small for ``high``
#: (2,200 labels): ``low`` stays 20 + 20 × 10, ``mid`` becomes 60 + 60 × 10 (→ 660) and ``high``
#: 120 + 120 × 10 (→ 1,320, 88 % of the pool), keeping 11 budget points per regime.
_SMALL_POOL_REGIMES = (
    Regime("low", initial=20, batch_size=20, rounds=10),
    Regime("mid", initial=60, batch_size=60, rounds=10),
    Regime("high", initial=120, batch_size=120, rounds=10),
)
DATASET_REGIMES: dict[str, tuple[Regime, ...]] = {
    "uci-mfeat": _SMALL_POOL_REGIMES,
    "uci-mfeat-gap": _SMALL_POOL_REGIMES,
}


@dataclass(frozen=True)
class Suite:
    """A named, versioned grid of datasets × regimes × seeds with one model configuration.

    ``datasets`` lists dataset names pinned to a version (``"redundant@1.0.0"``) or bare names (latest
    registered version); ``None`` means every registered dataset of ``kinds``. ``regime_overrides``
    maps a dataset name to its own regimes (defaults: `DATASET_REGIMES`).
    """

    name: str
    version: str
    regimes: tuple[Regime, ...]
    seeds: tuple[int, ...]
    model: ModelConfig = field(default_factory=ModelConfig)
    datasets: tuple[str, ...] | None = None
    kinds: tuple[str, ...] = ("synthetic", "real")
    regime_overrides: Mapping[str, tuple[Regime, ...]] = field(default_factory=lambda: dict(DATASET_REGIMES))
    description: str = ""
    #: Regime name → share of the chance → full-pool gap random reaches at its final budget, for
    #: ``mmal-bench datasets calibrate`` (``None``: low/mid/high at 0.5/0.75/0.9, as 2.0.0).
    calibration_fractions: Mapping[str, float] | None = None
    #: Minimum budget ratio between consecutive calibrated regimes (``None``: 2.0.0's rule).
    regime_spacing: float | None = None

    def dataset_refs(self) -> list[tuple[str, str]]:
        """``(name, version)`` of every dataset in the suite, in registry order."""
        if self.datasets is None:
            latest: dict[str, str] = {}
            for entry in list_entries():
                if entry.kind in self.kinds:
                    latest[entry.name] = entry.version  # list_entries sorts versions ascending
            return list(latest.items())
        refs = []
        for ref in self.datasets:
            entry = get_entry(ref)
            refs.append((entry.name, entry.version))
        return refs

    def regimes_for(self, dataset: str) -> tuple[Regime, ...]:
        return tuple(self.regime_overrides.get(dataset, self.regimes))

    def protocols(self, datasets: Sequence[str] | None = None, regimes: Sequence[str] | None = None) -> list[Protocol]:
        """One `Protocol` per selected (dataset, regime); unknown names raise a one-line `ConfigError`."""
        refs = self.dataset_refs()
        if datasets is not None:
            wanted = _dedupe(datasets)
            by_name = {name: (name, version) for name, version in refs}
            by_ref = {f"{name}@{version}": (name, version) for name, version in refs}
            unknown = [d for d in wanted if d not in by_name and d not in by_ref]
            if unknown:
                known = ", ".join(by_name) or "(none registered)"
                raise ConfigError(f"unknown dataset(s) {', '.join(unknown)} for suite {self.name!r}; choose from: {known}")
            refs = [by_name.get(d) or by_ref[d] for d in wanted]
        names = {r.name for name, _ in refs for r in self.regimes_for(name)} | {r.name for r in self.regimes}
        if regimes is not None:
            unknown = [r for r in _dedupe(regimes) if r not in names]
            if unknown:
                raise ConfigError(f"unknown regime(s) {', '.join(unknown)} for suite {self.name!r}; choose from: {', '.join(sorted(names))}")
        out = []
        for name, version in refs:
            for regime in self.regimes_for(name):
                if regimes is None or regime.name in regimes:
                    out.append(Protocol(self.name, self.version, name, version, regime, self.seeds, self.model))
        return out


def _dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


#: The benchmark model 2.0.0: one 32-unit hidden layer and 16-dim embeddings per modality (synthetic
#: modalities have 16 dims; wider encoders only add cost), a learned absent embedding per modality (the
#: one path for missing data and ablation) and a 128-unit fusion interaction block beside the fused
#: embedding, so cross-modal synergy is learnable. Measured with benchmarks/bench_model_fusion.py on the
#: full pools of the 1.0.0 suite (2 seeds): synergy 0.259 -> 0.768 (1.0.0 model -> this one); the other
#: datasets within 0.01 of the 1.0.0 model (64 units: synergy 0.685; 200 steps overfit the others).
BENCHMARK_MODEL = ModelConfig(hidden_sizes=(32,), embed_dim=16, fusion_hidden=128)

#: The benchmark model of suite 3.0.0: the 2.0.0 architecture, loss and optimiser, trained by the fused
#: trainer (issue 25: hand-written backward, merged matmuls, shared dropout masks; other float rounding)
#: for 75 steps: benchmarks/bench_schedule.py (4 datasets x 3 regimes x 5 seeds x random/entropy) puts
#: 75 steps within 0.35 seed SD of 100 on every dataset, as close as 2.0.0's trainer at 100 (0.34: the
#: comparison's noise); 60 and 50 steps moved balanced and synergy by 0.41-0.47 SD in opposite directions.
#: With modality dropout 0.2 (issue 23): Shapley ablation feeds the head the learned absent embedding,
#: which 2.0.0 trained only where rows miss a modality (2 of 10 datasets); dropout trains it everywhere,
#: so v(S) is the model's own prediction without the other modality (the path missing data takes too).
#: Measured once at 100 steps on balanced (3 instances x 6 seeds x budgets 100/200/400, random labels,
#: the control of tests/harness/test_reliance.py): the one-game over-reliance interval over instances
#: had half-width 0.009 with it, 0.017 without.
BENCHMARK_MODEL_3 = replace(BENCHMARK_MODEL, trainer="fused", steps=75, modality_dropout=0.2)

STANDARD_VERSION = "2.0.0"

#: The datasets of `standard` 2.0.0, pinned: a versioned suite never grows by itself (a user's own
#: converted datasets register as ``real`` too, and must not join the leaderboard suite silently).
#: The real UCI Multiple Features sets publish cold starts for 10 seeds only (1.0.0), so they stay out
#: of the 20-seed suite until a 2.0.0 of them publishes 20.
STANDARD_DATASETS = (
    "balanced@2.0.0",
    "corrupted-modality@2.0.0",
    "difficulty-gap@2.0.0",
    "information-gap@2.0.0",
    "missing-mcar@2.0.0",
    "missing-mnar@2.0.0",
    "noisy-labels@2.0.0",
    "redundant@2.0.0",
    "synergy@2.0.0",
    "unique@2.0.0",
)


def calibrated_regimes(suite: str, version: str) -> CalibratedRegimes:
    """Per-dataset regimes from the committed calibration of ``suite@version``, read and verified on first
    use (`CalibratedRegimes`): a missing or damaged calibration fails this suite only."""
    return CalibratedRegimes(suite, version)


STANDARD = Suite(
    name="standard",
    version=STANDARD_VERSION,
    regimes=STANDARD_REGIMES,
    seeds=tuple(range(20)),
    datasets=STANDARD_DATASETS,
    model=BENCHMARK_MODEL,
    regime_overrides=calibrated_regimes("standard", STANDARD_VERSION),
    description="the 10 pitfall datasets 2.0.0 x calibrated regimes low/mid/high x seeds 0-19 (the leaderboard suite)",
)

#: The demo suite: the README's main job and the smoke test of every strategy. Two pitfall datasets
#: where strategies and modality reliance visibly differ (an easy modality beside a hard necessary one;
#: label-dependent missingness), the low and mid regimes cut to 5 rounds, 2 seeds, the benchmark model:
#: all built-in strategies finish in well under the 2-3 minute budget on 2 cores.
QUICK = Suite(
    name="quick",
    version="2.0.0",
    regimes=(Regime("low", initial=20, batch_size=20, rounds=5), Regime("mid", initial=100, batch_size=100, rounds=5)),
    seeds=(0, 1),
    model=BENCHMARK_MODEL,
    datasets=("difficulty-gap@2.0.0", "missing-mnar@2.0.0"),
    regime_overrides={},
    description="2 datasets x regimes low (20+20x5), mid (100+100x5) x seeds 0-1 (demo and smoke test)",
)

STANDARD_3_VERSION = "3.0.0"
#: Seeds of `standard` 3.0.0: seeds carry ~5 % of the variance of dataset-level means (2.0.0's cells),
#: so 5 seeds (2.0.0: 20) pay for four times the datasets at the same cost.
STANDARD_3_SEEDS = tuple(range(5))


def _standard_3_datasets() -> tuple[str, ...]:
    from mmal_bench.data.real import injected, multiview_mnist, uci_mfeat
    from mmal_bench.data.suite import SUITE_3_0_0

    entries = (*SUITE_3_0_0, *uci_mfeat.ENTRIES_3_0_0, *multiview_mnist.ENTRIES, *injected.ENTRIES)
    return tuple(f"{e.name}@{e.version}" for e in entries)


#: The datasets of `standard` 3.0.0, pinned: every variant of the declared population
#: (`mmal_bench.data.population`) and the real and semi-synthetic real families.
STANDARD_3_DATASETS = _standard_3_datasets()

STANDARD_3 = Suite(
    name="standard",
    version=STANDARD_3_VERSION,
    regimes=STANDARD_REGIMES[:2],
    seeds=STANDARD_3_SEEDS,
    datasets=STANDARD_3_DATASETS,
    model=BENCHMARK_MODEL_3,
    # two regimes, at least 1.5x apart in budget: 2.0.0's three had near-identical pairs (unique 88/99,
    # balanced 88/132) and settings of one dataset correlate (median ICC 0.22), so datasets buy more
    calibration_fractions={"low": 0.5, "mid": 0.8},
    regime_spacing=1.5,
    # until its calibration is committed, the 1,500-row UCI pools get the small-pool regimes
    regime_overrides=calibrated_regimes("standard", STANDARD_3_VERSION)
    or {ref.split("@")[0]: _SMALL_POOL_REGIMES for ref in STANDARD_3_DATASETS if ref.startswith("mfeat-") or ref.split("@")[0].endswith("-mfeat")},
    description=(
        f"the declared 3.0.0 population: {len(STANDARD_3_DATASETS)} datasets (synthetic families, real and semi-synthetic real "
        "families) x calibrated regimes x seeds 0-4"
    ),
)

#: Every registered real dataset, whatever this machine holds: the offline sets and any recipe output
#: (Food-101, CREMA-D, ...) converted into the dataset cache. Unpinned on purpose (its dataset list
#: depends on the raw data a maintainer has), so it is never the leaderboard's suite.
REAL_3 = Suite(
    name="real",
    version=STANDARD_3_VERSION,
    regimes=(Regime("low", initial=20, batch_size=20, rounds=10), Regime("mid", initial=60, batch_size=60, rounds=10)),
    seeds=STANDARD_3_SEEDS,
    model=BENCHMARK_MODEL_3,
    datasets=None,
    kinds=("real",),
    regime_overrides={},
    description="every registered real dataset (offline sets + converted recipes on this machine) x low/mid x seeds 0-4",
)

SUITES: dict[str, Suite] = {s.name: s for s in (QUICK, STANDARD_3, REAL_3)}
#: Every suite version by ``name@version`` (``get_suite("standard")`` is 3.0.0, the current release).
SUITE_VERSIONS: dict[str, Suite] = {f"{s.name}@{s.version}": s for s in (QUICK, STANDARD, STANDARD_3, REAL_3)}


def get_suite(name: str) -> Suite:
    """The suite called ``name`` (its current version) or ``name@version``; an unknown one is a
    one-line `ConfigError` listing the known ones."""
    if "@" in name:
        try:
            return SUITE_VERSIONS[name]
        except KeyError:
            raise ConfigError(f"unknown suite {name!r}; choose from: {', '.join([*SUITES, *SUITE_VERSIONS])}") from None
    try:
        return SUITES[name]
    except KeyError:
        raise ConfigError(f"unknown suite {name!r}; choose from: {', '.join([*SUITES, *SUITE_VERSIONS])}") from None


__all__ = ["BENCHMARK_MODEL", "BENCHMARK_MODEL_3", "DATASET_REGIMES", "QUICK", "STANDARD", "STANDARD_DATASETS", "STANDARD_REGIMES", "STANDARD_3", "STANDARD_3_DATASETS", "SUITES", "SUITE_VERSIONS", "Suite", "get_suite"]
