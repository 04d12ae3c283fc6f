"""The synthetic pitfall generator: multimodal classification data with explicit, known structure.

Each knob isolates one pitfall of multimodal active learning (interaction structure, modality
difficulty, missingness); because the generative model is known, `ground_truth` can compute what
a Bayes-optimal classifier reaches with every modality subset.

Generative model (per row):
1. ``(y, u_1..u_M)`` is drawn from a joint table ``T[y, u_1, ..., u_M]``: a mixture (``interaction``
   weights) of *redundant* (``u_m = y``), *unique* (``u_m`` = m-th mixed-radix digit of ``y``: each
   modality sees a different part of the label) and *synergy* (``u_m`` uniform, ``y = sum u_m mod K``:
   no modality alone says anything). Classes are uniform in every component.
2. Modality m shows its factor ``u_m`` through ``informative`` dims: a cluster centre of ``u_m`` plus
   isotropic Gaussian noise (std ``noise``). ``linear`` geometry has one centre per value;
   ``nonlinear`` has ``clusters_per_class`` centres in ± pairs, so every value has the same mean
   and no linear classifier separates them. ``dim - informative`` nuisance dims are N(0,
   ``nuisance_scale``²); a fixed random rotation then mixes all dims.
3. Modality m is missing (all-zero vector, ``present=False``) with probability ``missing_pool`` /
   ``missing_test``: MCAR, or MNAR where the rate grows linearly with the class index (mean rate
   unchanged, spread ``mnar_strength``).
4. Pool only (the test split stays clean): ``pool_corruption`` of the rows (an exact count) get one
   modality, chosen uniformly, replaced by the vector of a random row of another class (a misaligned
   pair); ``pool_label_noise`` of the rows get a wrong oracle label, uniform over the other classes.
   The true classes and the corruption flags are kept for metrics (`Split.clean_labels`,
   `Split.corrupted`).

Knobs added for suite 3.0.0 (each defaults to "off", and a spec that leaves them off generates, and
serialises, exactly as before, so 1.0.0 and 2.0.0 datasets regenerate byte for byte):
- ``class_prior``: class weights (long-tailed classes); every interaction component is reweighted.
- ``ModalitySpec.copy_of``: the modality shows the *same* factor as another modality, through its own
  centres and noise (it is redundant with that modality, whatever the interaction).
- ``ModalitySpec.informative_classes``: only factor values below it have their own centre; the rest
  share one, so the modality tells only some classes apart.
- ``ModalitySpec.noise_spread``: heteroscedastic difficulty, the noise of factor value v is
  ``noise * linspace(1 - s, 1 + s)[v]`` (negative s reverses the order).
- ``label_noise_modality``: the pool's wrong oracle labels fall where that modality is ambiguous
  (rows drawn with weight 1 - max p(y | x_m)), and the wrong label is the class that modality
  makes most likely after the true one: an annotator who judges from that modality alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from mmal_bench.data.schema import Split

INTERACTIONS = ("redundant", "unique", "synergy")
GEOMETRIES = ("linear", "nonlinear")
MECHANISMS = ("mcar", "mnar")
_MAX_TABLE = 2_000_000


@dataclass(frozen=True)
class ModalitySpec:
    """How one modality shows its factor: size, difficulty and missingness.

    ``noise`` is the std of the Gaussian around each unit-distance cluster centre (the SNR knob:
    larger is harder). ``informative`` of the ``dim`` dims carry signal; the rest are nuisance.
    """

    name: str
    dim: int = 16
    informative: int = 4
    noise: float = 0.5
    geometry: str = "linear"
    clusters_per_class: int = 2
    nuisance_scale: float = 1.0
    missing_pool: float = 0.0
    missing_test: float = 0.0
    missing_mechanism: str = "mcar"
    mnar_strength: float = 0.9
    copy_of: str = ""
    informative_classes: int = 0
    noise_spread: float = 0.0


#: The 3.0.0 knobs and their "off" values: left out of `GeneratorSpec.to_dict` when off, so that the
#: manifests of earlier versions keep their bytes.
_NEW_MODALITY_KNOBS = {"copy_of": "", "informative_classes": 0, "noise_spread": 0.0}
_NEW_SPEC_KNOBS = {"class_prior": None, "label_noise_modality": ""}


@dataclass(frozen=True)
class GeneratorSpec:
    """Every knob of one synthetic dataset; the dataset is a pure function of this spec.

    ``interaction`` maps component names (`INTERACTIONS`) to mixture weights (normalised).
    """

    modalities: tuple[ModalitySpec, ...] = (ModalitySpec("a"), ModalitySpec("b"))
    n_classes: int = 2
    interaction: Mapping[str, float] = field(default_factory=lambda: {"redundant": 1.0})
    pool_size: int = 5000
    test_size: int = 2000
    seed: int = 0
    pool_corruption: float = 0.0
    pool_label_noise: float = 0.0
    class_prior: tuple[float, ...] | None = None
    label_noise_modality: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "modalities", tuple(self.modalities))
        object.__setattr__(self, "interaction", dict(self.interaction))
        if self.class_prior is not None:
            object.__setattr__(self, "class_prior", tuple(float(w) for w in self.class_prior))
        validate_spec(self)

    @property
    def modality_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.modalities)

    @property
    def factor_modalities(self) -> tuple[str, ...]:
        """Modalities with a factor of their own in the joint table (all but the copies)."""
        return tuple(m.name for m in self.modalities if not m.copy_of)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (stored in manifests and cards); `spec_from_dict` inverts it.

        3.0.0 knobs that are off are left out, so earlier versions' manifests keep their bytes.
        """
        out = asdict(self) | {"modalities": [_modality_dict(m) for m in self.modalities], "interaction": dict(self.interaction)}
        for knob, off in _NEW_SPEC_KNOBS.items():
            if out[knob] == off:
                del out[knob]
            elif knob == "class_prior":
                out[knob] = list(out[knob])
        return out


def _modality_dict(m: ModalitySpec) -> dict[str, Any]:
    return {k: v for k, v in asdict(m).items() if k not in _NEW_MODALITY_KNOBS or v != _NEW_MODALITY_KNOBS[k]}


def spec_from_dict(data: Mapping[str, Any]) -> GeneratorSpec:
    """Rebuild a `GeneratorSpec` from `GeneratorSpec.to_dict` output (e.g. a manifest)."""
    data = dict(data)
    data["modalities"] = tuple(ModalitySpec(**m) for m in data["modalities"])
    if data.get("class_prior") is not None:
        data["class_prior"] = tuple(data["class_prior"])
    return GeneratorSpec(**data)


def validate_spec(spec: GeneratorSpec) -> None:
    """Raise ``ValueError`` naming the bad knob; called once at construction (the boundary)."""
    names = [m.name for m in spec.modalities]
    if len(names) < 2:
        raise ValueError(f"need at least 2 modalities, got {len(names)}")
    if len(set(names)) != len(names):
        raise ValueError(f"modality names must be distinct, got {names}")
    if spec.n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {spec.n_classes}")
    if spec.pool_size < 1 or spec.test_size < 1:
        raise ValueError("pool_size and test_size must be >= 1")
    for knob in ("pool_corruption", "pool_label_noise"):
        if not 0.0 <= getattr(spec, knob) < 1.0:
            raise ValueError(f"{knob} must be in [0, 1), got {getattr(spec, knob)}")
    unknown = set(spec.interaction) - set(INTERACTIONS)
    if unknown:
        raise ValueError(f"unknown interaction {sorted(unknown)}; choose from {INTERACTIONS}")
    weights = list(spec.interaction.values())
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"interaction weights must be >= 0 with a positive sum, got {spec.interaction}")
    n_factors = len(spec.factor_modalities)
    if spec.n_classes ** (n_factors + 1) > _MAX_TABLE:
        raise ValueError(f"n_classes^(modalities+1) = {spec.n_classes ** (n_factors + 1)} exceeds {_MAX_TABLE}; use fewer classes or modalities")
    if spec.class_prior is not None and (len(spec.class_prior) != spec.n_classes or min(spec.class_prior) <= 0):
        raise ValueError(f"class_prior must give {spec.n_classes} positive weights, got {spec.class_prior}")
    if spec.label_noise_modality and spec.label_noise_modality not in names:
        raise ValueError(f"label_noise_modality {spec.label_noise_modality!r} is not one of the modalities {names}")
    if spec.label_noise_modality and not spec.pool_label_noise:
        raise ValueError("label_noise_modality needs a positive pool_label_noise")
    for m in spec.modalities:
        where = f"modality {m.name!r}"
        if not (1 <= m.informative <= m.dim):
            raise ValueError(f"{where}: informative must be in [1, dim={m.dim}], got {m.informative}")
        if m.noise <= 0 or m.nuisance_scale < 0:
            raise ValueError(f"{where}: noise must be > 0 and nuisance_scale >= 0")
        if m.geometry not in GEOMETRIES:
            raise ValueError(f"{where}: geometry {m.geometry!r} must be one of {GEOMETRIES}")
        if m.geometry == "nonlinear" and (m.clusters_per_class < 2 or m.clusters_per_class % 2):
            raise ValueError(f"{where}: nonlinear geometry needs an even clusters_per_class >= 2")
        for rate_name in ("missing_pool", "missing_test"):
            rate = getattr(m, rate_name)
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"{where}: {rate_name} must be in [0, 1), got {rate}")
        if m.missing_mechanism not in MECHANISMS:
            raise ValueError(f"{where}: missing_mechanism {m.missing_mechanism!r} must be one of {MECHANISMS}")
        if not 0.0 <= m.mnar_strength <= 1.0:
            raise ValueError(f"{where}: mnar_strength must be in [0, 1]")
        if m.copy_of and (m.copy_of == m.name or m.copy_of not in spec.factor_modalities):
            raise ValueError(f"{where}: copy_of {m.copy_of!r} must name another modality that is not itself a copy")
        if not 0 <= m.informative_classes <= spec.n_classes or m.informative_classes == 1:
            raise ValueError(f"{where}: informative_classes must be 0 (all) or in [2, {spec.n_classes}]")
        if not -1.0 < m.noise_spread < 1.0:
            raise ValueError(f"{where}: noise_spread must be in (-1, 1)")


@dataclass(frozen=True)
class ModalityParams:
    """Fixed random parameters of one modality: cluster centres and the mixing rotation."""

    centres: np.ndarray  # (K, J, informative) float64
    rotation: np.ndarray  # (dim, dim) orthogonal float64


@dataclass(frozen=True)
class GeneratorParams:
    """Everything random but fixed for a spec: the joint table and per-modality parameters."""

    joint: np.ndarray  # T[y, u_1, ..., u_M], sums to 1
    modalities: tuple[ModalityParams, ...]


@dataclass(frozen=True)
class Sample:
    """A generated split together with its latent variables (needed for the Bayes ground truth)."""

    split: Split
    latent: Mapping[str, np.ndarray]  # informative coordinates per modality, (n, informative)
    factors: np.ndarray  # (n, non-copy modalities) int64


@dataclass(frozen=True)
class Generated:
    """Output of `generate`: pool and test splits plus the fixed parameters that made them."""

    spec: GeneratorSpec
    params: GeneratorParams
    pool: Split
    test: Split


def _streams(seed: int) -> list[np.random.Generator]:
    # One independent PCG64 stream per purpose, so e.g. a larger test split never changes the pool.
    # Children are keyed by index, so the fifth (pool corruption) leaves the first four unchanged.
    children = np.random.SeedSequence(int(seed)).spawn(5)
    return [np.random.Generator(np.random.PCG64(c)) for c in children]


def generate(spec: GeneratorSpec, annotated: bool = True) -> Generated:
    """Generate the pool and test splits of ``spec`` (deterministic given ``spec.seed``).

    Fully vectorised: per split, one draw of the latent table and one rotation matmul per modality.
    Ids are ``0..n-1`` in row order in both splits. ``annotated`` (schema 2) applies the pool's
    corruption and label noise and records clean labels and corruption flags in both splits;
    ``False`` reproduces the schema-1 (1.0.0) splits, which have neither.
    """
    _, pool_rng, test_rng, _, quality_rng = _streams(spec.seed)
    params = params_for(spec)
    drawn = sample(spec, params, spec.pool_size, pool_rng, split="pool")
    pool = drawn.split
    test = sample(spec, params, spec.test_size, test_rng, split="test").split
    if annotated:
        pool = corrupt_pool(spec, pool, quality_rng, wrong_labels=_ambiguity_noise(spec, params, drawn) if spec.label_noise_modality else None)
        test = Split(test.features, test.present, test.ids, test.labels, test.labels.copy(), np.zeros(len(test.ids), bool))
    elif spec.pool_corruption or spec.pool_label_noise:
        raise ValueError("pool corruption and label noise need annotated=True (schema 2) to be recorded")
    return Generated(spec, params, pool, test)


def corrupt_pool(
    spec: GeneratorSpec, pool: Split, rng: np.random.Generator, wrong_labels: tuple[np.ndarray, np.ndarray] | None = None
) -> Split:
    """Apply ``spec``'s pool corruption and label noise; return the split with its quality record.

    See `corrupt_split`; ``wrong_labels`` comes from ``label_noise_modality``.
    """
    return corrupt_split(pool, spec.n_classes, spec.modality_names, spec.pool_corruption, spec.pool_label_noise, rng, wrong_labels)


def corrupt_split(
    pool: Split,
    n_classes: int,
    modalities: tuple[str, ...],
    corruption: float,
    label_noise: float,
    rng: np.random.Generator,
    wrong_labels: tuple[np.ndarray, np.ndarray] | None = None,
) -> Split:
    """Corrupt ``corruption`` and mislabel ``label_noise`` of ``pool``'s rows; keep the truth for metrics.

    Exactly ``round(share * n)`` rows each (so the share is known, not just expected). A corrupted
    row's modality takes the vector and presence flag of a random row of another class, so the
    modalities tell different classes; a noisy row's oracle label is a uniformly drawn wrong class,
    or, with ``wrong_labels = (row weights, wrong class per row)``, rows are drawn with those weights
    and get that class. Used on synthetic pools and on real views (`mmal_bench.data.real.injected`).
    """
    n, k = len(pool.ids), n_classes
    clean = pool.labels if pool.clean_labels is None else pool.clean_labels
    features = {m: x.copy() for m, x in pool.features.items()}
    present = {m: p.copy() for m, p in pool.present.items()}
    corrupted = np.zeros(n, dtype=bool)
    rows = rng.permutation(n)[: int(round(corruption * n))]
    which = rng.integers(0, len(modalities), len(rows))
    by_class = np.argsort(clean, kind="stable")
    counts = np.bincount(clean, minlength=k)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    donor_class = (clean[rows] + rng.integers(1, k, len(rows))) % k
    donors = by_class[starts[donor_class] + (rng.random(len(rows)) * counts[donor_class]).astype(np.int64)]
    for i, m in enumerate(modalities):
        hit = which == i
        features[m][rows[hit]] = pool.features[m][donors[hit]]
        present[m][rows[hit]] = pool.present[m][donors[hit]]
    corrupted[rows] = True
    oracle = clean.copy()
    n_noisy = int(round(label_noise * n))
    if wrong_labels is None:
        noisy = rng.permutation(n)[:n_noisy]
        oracle[noisy] = (clean[noisy] + rng.integers(1, k, len(noisy))) % k
    else:
        weights, wrong = wrong_labels
        # weighted draw without replacement: the n_noisy largest of u^(1/w) (Efraimidis-Spirakis)
        keys = np.log(rng.random(n)) / np.maximum(weights, 1e-12)
        noisy = np.argsort(-keys, kind="stable")[:n_noisy]
        oracle[noisy] = wrong[noisy]
    return Split(features, present, pool.ids, oracle, clean.copy(), corrupted)


def params_for(spec: GeneratorSpec) -> GeneratorParams:
    """The fixed random parameters of ``spec`` (drawn from its reserved parameter stream)."""
    return make_params(spec, _streams(spec.seed)[0])


def ground_truth_rng(spec: GeneratorSpec) -> np.random.Generator:
    """The stream reserved for ground-truth estimation (never used for the published splits)."""
    return _streams(spec.seed)[3]


def joint_table(n_classes: int, n_modalities: int, interaction: Mapping[str, float], class_prior: tuple[float, ...] | None = None) -> np.ndarray:
    """The mixture table ``T[y, u_1..u_M]`` of the interaction components (see module docstring),
    its classes reweighted to ``class_prior`` when one is given (each component's class marginal is uniform)."""
    k, m = n_classes, n_modalities
    total = sum(interaction.values())
    table = np.zeros((k,) * (m + 1))
    ys = np.arange(k)
    for name, weight in interaction.items():
        w = weight / total
        if w == 0:
            continue
        if name == "redundant":
            table[(ys,) * (m + 1)] += w / k
        elif name == "unique":
            table[(ys, *unique_digits(ys, k, m))] += w / k
        elif name == "synergy":
            grids = np.indices((k,) * m).reshape(m, -1)
            table[(grids.sum(0) % k, *grids)] += w / k**m
    if class_prior is not None:
        prior = np.asarray(class_prior, dtype=np.float64)
        table = table * (prior * k / prior.sum()).reshape((k,) + (1,) * m)
    return table


def unique_digits(y: np.ndarray, n_classes: int, n_modalities: int) -> list[np.ndarray]:
    """Mixed-radix digits of ``y`` (radix ``ceil(K^(1/M))``): what each modality sees under *unique*."""
    radix = 2
    while radix**n_modalities < n_classes:
        radix += 1
    return [(y // radix**i) % radix for i in range(n_modalities)]


def make_params(spec: GeneratorSpec, rng: np.random.Generator) -> GeneratorParams:
    """Draw cluster centres (unit radius, orthogonal where the dims allow) and rotations."""
    k = spec.n_classes
    out = []
    for m in spec.modalities:
        j = 1 if m.geometry == "linear" else m.clusters_per_class
        n_dirs = k * (j if j == 1 else j // 2)
        raw = rng.standard_normal((m.informative, n_dirs))
        if n_dirs <= m.informative:
            q, r = np.linalg.qr(raw)
            dirs = (q * np.sign(np.diag(r))).T
        else:
            dirs = (raw / np.linalg.norm(raw, axis=0)).T
        if j == 1:
            centres = dirs.reshape(k, 1, m.informative)
        else:
            half = dirs.reshape(k, j // 2, m.informative)
            centres = np.concatenate([half, -half], axis=1)
        if m.informative_classes:
            centres[m.informative_classes :] = centres[m.informative_classes]  # the rest share one centre
        q, r = np.linalg.qr(rng.standard_normal((m.dim, m.dim)))
        out.append(ModalityParams(centres=centres, rotation=q * np.sign(np.diag(r))))
    joint = joint_table(k, len(spec.factor_modalities), spec.interaction, spec.class_prior)
    return GeneratorParams(joint=joint, modalities=tuple(out))


def noise_by_value(m: ModalitySpec, n_classes: int) -> np.ndarray:
    """Noise std of modality ``m`` for each factor value (constant unless ``noise_spread``)."""
    return m.noise * np.linspace(1.0 - m.noise_spread, 1.0 + m.noise_spread, n_classes)


def factor_column(spec: GeneratorSpec, modality: ModalitySpec) -> int:
    """Which column of the factor table (one per non-copy modality) ``modality`` shows."""
    return spec.factor_modalities.index(modality.copy_of or modality.name)


def modality_log_likelihoods(spec: GeneratorSpec, params: GeneratorParams, latent: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """``log p(x_m | u_m = v)`` up to a per-row constant, shape (n, K) per modality.

    Nuisance dims and the rotation do not depend on ``u``, so only the informative coordinates matter.
    """
    out = []
    for m, p in zip(spec.modalities, params.modalities):
        z = latent[m.name]
        k, j, d = p.centres.shape
        c = p.centres.reshape(k * j, d)
        if m.noise_spread:
            # per-value variance: the ||z||^2 and log-sigma terms no longer cancel between values
            s2 = np.repeat(noise_by_value(m, k) ** 2, j)
            sq = np.sum(z * z, axis=1, keepdims=True) - 2.0 * (z @ c.T) + np.sum(c * c, axis=1)
            logits = -sq / (2.0 * s2) - 0.5 * d * np.log(s2)
        else:
            # -||z - c||^2 / (2 s^2), dropping ||z||^2 which is constant per row
            logits = (z @ c.T - 0.5 * np.sum(c * c, axis=1)) / m.noise**2
        logits = logits.reshape(len(z), k, j)
        top = logits.max(axis=2, keepdims=True)
        out.append((top[..., 0] + np.log(np.exp(logits - top).mean(axis=2))))
    return out


def _ambiguity_noise(spec: GeneratorSpec, params: GeneratorParams, drawn: Sample) -> tuple[np.ndarray, np.ndarray]:
    """Row weights and wrong labels of an annotator who judges from ``label_noise_modality`` alone.

    Weight = 1 - max_y p(y | x_m) (an ambiguous view is where such an annotator errs); the wrong label
    is the most probable class under p(y | x_m) other than the true one. A missing view gives the
    class prior, so those rows are weighted as fully ambiguous.
    """
    i = spec.modality_names.index(spec.label_noise_modality)
    m = spec.modalities[i]
    ll = modality_log_likelihoods(spec, params, drawn.latent)[i]
    lik = np.exp(ll - ll.max(axis=1, keepdims=True))
    col = factor_column(spec, m)
    # p(y, u_col): marginalise the joint over the other factors
    other = tuple(a + 1 for a in range(params.joint.ndim - 1) if a != col)
    table = params.joint.sum(axis=other) if other else params.joint
    post = lik @ table.T
    present = drawn.split.present[m.name]
    post = np.where(present[:, None], post, table.sum(axis=1)[None, :])
    post = post / post.sum(axis=1, keepdims=True)
    labels = drawn.split.labels
    others = post.copy()
    others[np.arange(len(labels)), labels] = -1.0
    return 1.0 - post.max(axis=1), np.argmax(others, axis=1).astype(np.int64)


def sample(spec: GeneratorSpec, params: GeneratorParams, n: int, rng: np.random.Generator, split: str) -> Sample:
    """Draw ``n`` rows with the missingness of ``split`` (``"pool"`` or ``"test"``)."""
    k = spec.n_classes
    flat = params.joint.ravel()
    cdf = np.cumsum(flat)
    cell = np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(flat) - 1)
    idx = np.unravel_index(cell, params.joint.shape)
    labels = idx[0].astype(np.int64)
    factors = np.stack(idx[1:], axis=1).astype(np.int64)
    features, present, latent = {}, {}, {}
    for m, p in zip(spec.modalities, params.modalities):
        j = p.centres.shape[1]
        u = factors[:, factor_column(spec, m)]
        which = rng.integers(0, j, n) if j > 1 else np.zeros(n, dtype=np.int64)
        if m.noise_spread:
            z = p.centres[u, which] + noise_by_value(m, k)[u, None] * rng.standard_normal((n, m.informative))
        else:
            z = p.centres[u, which] + m.noise * rng.standard_normal((n, m.informative))
        full = np.empty((n, m.dim))
        full[:, : m.informative] = z
        full[:, m.informative :] = m.nuisance_scale * rng.standard_normal((n, m.dim - m.informative))
        # float64 matmul then one rounding to float32: keeps bytes stable across BLAS kernels
        x = (full @ p.rotation.T).astype(np.float32)
        rate = missing_rate(m, split, labels, k)
        keep = rng.random(n) >= rate
        x[~keep] = 0.0
        features[m.name], present[m.name], latent[m.name] = x, keep, z
    ids = np.arange(n, dtype=np.int64)
    return Sample(Split(features, present, ids, labels), latent, factors)


def missing_rate(m: ModalitySpec, split: str, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-row probability that modality ``m`` is missing in ``split`` (MNAR: linear in the class)."""
    base = m.missing_pool if split == "pool" else m.missing_test
    return class_missing_rates(m, split, n_classes)[labels] if base else np.zeros(len(labels))


def class_missing_rates(m: ModalitySpec, split: str, n_classes: int) -> np.ndarray:
    """Missing probability of ``m`` per class in ``split`` (constant for MCAR; mean = the base rate)."""
    base = m.missing_pool if split == "pool" else m.missing_test
    if m.missing_mechanism == "mcar":
        return np.full(n_classes, base)
    slope = np.linspace(-1.0, 1.0, n_classes) * m.mnar_strength * min(base, 1.0 - base)
    return base + slope


def spec_summary(spec: GeneratorSpec) -> list[dict[str, Any]]:
    """One row per modality (for cards and ``datasets info``)."""
    return [
        {
            "modality": m.name,
            "dim": m.dim,
            "informative": m.informative,
            "noise": m.noise,
            "geometry": m.geometry if m.geometry == "linear" else f"nonlinear ({m.clusters_per_class} clusters/class)",
            "missing pool": f"{m.missing_pool:.0%} {m.missing_mechanism.upper()}" if m.missing_pool else "0%",
            "missing test": f"{m.missing_test:.0%} {m.missing_mechanism.upper()}" if m.missing_test else "0%",
        }
        for m in spec.modalities
    ]

