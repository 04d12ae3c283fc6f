"""Ground truth of a synthetic dataset: Bayes-optimal accuracy with every modality subset.

The generator's model is known, so the Bayes posterior ``p(y | what subset S shows)`` is exact;
its expected accuracy ``E[max_y p(y | x_S)]`` is averaged over a large fresh test-distribution sample.
"""

from __future__ import annotations

import string
from collections.abc import Collection
from dataclasses import dataclass, replace

import numpy as np

from mmal_bench.data.schema import all_subsets, subset_key
from mmal_bench.data.synthetic import (
    GeneratorParams,
    GeneratorSpec,
    Sample,
    class_missing_rates,
    factor_column,
    ground_truth_rng,
    modality_log_likelihoods,
    params_for,
    sample,
)

#: Fresh test-distribution rows used to estimate the ground truth (SE ~ 0.001 at these sizes).
GROUND_TRUTH_ROWS = 200_000

METHOD = (
    "Bayes-optimal accuracy under the known generative model: for each modality subset S, the exact "
    "posterior p(y | features and presence flags of S) (a missing modality contributes only its presence "
    "flag, which is informative under MNAR), averaged as E[max_y p(y | x_S)] over {rows:,} fresh rows from "
    "the test distribution; the standard error is that of this mean."
)


@dataclass(frozen=True)
class GroundTruth:
    """Per-subset accuracy and its standard error, keyed by `schema.subset_key`."""

    accuracy: dict[str, float]
    se: dict[str, float]
    method: str


def subset_posteriors(spec: GeneratorSpec, params: GeneratorParams, drawn: Sample) -> dict[str, np.ndarray]:
    """Unnormalised Bayes posteriors over classes, shape (n, K), for every modality subset."""
    names = spec.modality_names
    n, k = len(drawn.split.labels), spec.n_classes
    loglik = modality_log_likelihoods(spec, params, dict(drawn.latent))
    lik = [np.exp(ll - ll.max(axis=1, keepdims=True)) for ll in loglik]
    n_factors = len(spec.factor_modalities)
    letters = string.ascii_letters[: n_factors + 1]
    y_letter, u_letters = letters[0], letters[1:]
    out = {}
    for subset in all_subsets(names):
        factors, flag = [np.ones((n, k)) for _ in range(n_factors)], np.ones((n, k))
        for i, m in enumerate(spec.modalities):
            if m.name not in subset:
                continue
            present = drawn.split.present[m.name]
            # a copy multiplies its evidence into the factor it shares with its source
            col = factor_column(spec, m)
            factors[col] = factors[col] * np.where(present[:, None], lik[i], 1.0)
            missing = class_missing_rates(m, "test", k)
            flag = flag * np.where(present[:, None], 1.0 - missing[None, :], missing[None, :])
        expr = f"{y_letter}{u_letters}," + ",".join(f"z{u}" for u in u_letters) + f"->z{y_letter}"
        post = np.einsum(expr, params.joint, *factors, optimize=True) * flag
        out[subset_key(subset, names)] = post
    return out


def posteriors_with_absent(spec: GeneratorSpec, params: GeneratorParams, drawn: Sample, absent: Collection[str]) -> np.ndarray:
    """Normalised Bayes posteriors ``(n, K)`` when every modality in ``absent`` is *observed missing* in
    every row and the others are as drawn (features where present, presence flags).

    This is what ablating ``absent`` should make a model predict if "absent" means what a truly missing
    modality means: under MNAR the absence itself is evidence about the class (b is missing more often
    for high classes), so the reference is not the class mix of the rows where b happens to be missing,
    which differ from the others in their other modality too.
    """
    unknown = set(absent) - set(spec.modality_names)
    if unknown:
        raise ValueError(f"unknown modalities {sorted(unknown)}; the spec has {list(spec.modality_names)}")
    present = {m: np.zeros_like(p) if m in absent else p for m, p in drawn.split.present.items()}
    ablated = replace(drawn, split=replace(drawn.split, present=present))
    post = subset_posteriors(spec, params, ablated)[subset_key(spec.modality_names, spec.modality_names)]
    return post / post.sum(axis=1, keepdims=True)


def bayes_ground_truth(spec: GeneratorSpec, rows: int = GROUND_TRUTH_ROWS) -> GroundTruth:
    """Bayes-optimal accuracy (and SE) of every modality subset on ``spec``'s test distribution.

    Uses the spec's reserved ground-truth stream, so the result is deterministic and independent of
    the published splits.
    """
    rng = ground_truth_rng(spec)
    params = params_for(spec)
    drawn = sample(spec, params, rows, rng, split="test")
    acc, se = {}, {}
    for key, post in subset_posteriors(spec, params, drawn).items():
        confidence = post.max(axis=1) / post.sum(axis=1)
        acc[key] = float(confidence.mean())
        se[key] = float(confidence.std(ddof=1) / np.sqrt(rows))
    return GroundTruth(acc, se, METHOD.format(rows=rows))
