"""Benavoli et al.'s (2017) Bayesian signed-rank test over datasets, and the verdict it gives.

The same posterior as ``baycomp.two_on_multiple(x, y, rope)`` (a Dirichlet process on the paired
differences with a pseudo-observation at 0), computed with the Dirichlet draws of all posterior samples
at once instead of one Python iteration per sample, so the power analysis can run it thousands of
times. numpy only: `power` and the issue-22 power analysis import this without pandas or scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Region of practical equivalence, in the headline's units (normalised ΔAUBC): a difference inside
#: ±ROPE is too small to matter (a hundredth of the random→full-pool gap).
ROPE = 0.01
#: Posterior probability a verdict needs (better, worse or equivalent); below it the test is undecided.
DECIDE = 0.95
#: Posterior samples per test, and the seed that makes the verdicts deterministic.
N_SAMPLES = 50_000
SEED = 20260
#: Weight of the Dirichlet process's prior pseudo-observation at a zero difference (baycomp's default).
PRIOR = 0.5

#: Fewest units (datasets) a verdict may rest on; below it the test answers "undecided" whatever its
#: posterior. With n units the exact Wilcoxon signed-rank test's smallest two-sided p is 2 / 2**n, first
#: below 0.05 at n = 6; below that the Dirichlet process's posterior is carried by its prior
#: pseudo-observation and two or three same-signed datasets already reach P = 0.95 (measured on the 2.0.0
#: families), which is a claim about those datasets, not about a pitfall family.
MIN_UNITS = 6

#: The four verdicts, best first (the board's rank tiers follow this order).
VERDICTS = ("better", "equivalent", "undecided", "worse")


@dataclass(frozen=True)
class Posterior:
    """Posterior probabilities that the strategy is worse, equivalent (within ±rope) or better."""

    p_worse: float
    p_equivalent: float
    p_better: float
    n_units: int
    rope: float

    def verdict(self, decide: float = DECIDE) -> str:
        """``better`` / ``worse`` / ``equivalent`` when that probability reaches ``decide`` on at least
        `MIN_UNITS` units, else ``undecided``."""
        if self.n_units < MIN_UNITS:
            return "undecided"
        return verdict(self.p_better, self.p_equivalent, self.p_worse, decide)


def verdict(p_better: float, p_equivalent: float, p_worse: float, decide: float = DECIDE) -> str:
    """The pre-registered reading of a posterior: a claim only where its probability is ≥ ``decide``.

    "equivalent" needs the ROPE's own probability: a difference the test cannot resolve is
    "undecided", never "equivalent" (a non-rejection is not a confirmation).
    """
    if p_better >= decide:
        return "better"
    if p_worse >= decide:
        return "worse"
    if p_equivalent >= decide:
        return "equivalent"
    return "undecided"


def _region_matrices(diff: np.ndarray, rope: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walsh averages' regions: ``above[..., j, k]`` = 1 when (d_j + d_k)/2 > rope (½ on the edge).

    ``diff`` is ``(..., n)``; index 0 of the last two axes is the prior's pseudo-observation at 0.
    """
    d = np.concatenate([np.zeros(diff.shape[:-1] + (1,)), diff], axis=-1)
    sums = d[..., :, None] + d[..., None, :]

    def heaviside(a: np.ndarray, thresh: float) -> np.ndarray:
        return (a > thresh).astype(np.float64) + 0.5 * (a == thresh)

    if rope > 0:
        return heaviside(sums, 2 * rope), heaviside(-sums, 2 * rope), d
    return heaviside(sums, 0.0), None, d


def posterior_samples(diff: np.ndarray, rope: float = ROPE, *, n_samples: int = N_SAMPLES, seed: int = SEED) -> np.ndarray:
    """``(n_samples, 3)`` posterior samples of (P(worse), P(equivalent), P(better)) for differences ``diff``.

    Parameters
    ----------
    diff:
        One paired difference per unit (dataset), strategy − baseline; higher is better.
    rope, n_samples, seed:
        Half-width of the region of practical equivalence; posterior samples; their seed.

    Returns
    -------
    The samples ``baycomp.SignedRankTest.sample(baseline, strategy, rope, nsamples=n_samples,
    random_state=seed)`` draws (same Dirichlet weights from the same ``RandomState``), columns
    reordered so that "better" means the strategy ahead.
    """
    diff = np.asarray(diff, dtype=np.float64).ravel()
    if diff.size == 0 or not np.isfinite(diff).all():
        raise ValueError("the signed-rank test needs at least one finite difference per unit")
    above, below, d = _region_matrices(diff, rope)
    weights = np.ones(d.size)
    weights[0] = PRIOR
    w = np.random.RandomState(seed).dirichlet(weights, n_samples)  # (S, n+1), baycomp's draws
    p_above = np.einsum("sj,jk,sk->s", w, above, w)
    out = np.zeros((n_samples, 3))
    out[:, 2] = p_above
    if below is None:
        out[:, 0] = 1.0 - p_above
    else:
        out[:, 0] = np.einsum("sj,jk,sk->s", w, below, w)
        out[:, 1] = 1.0 - out[:, 0] - out[:, 2]
    return out


def bayesian_signed_rank(diff: np.ndarray, rope: float = ROPE, *, n_samples: int = N_SAMPLES, seed: int = SEED) -> Posterior:
    """Benavoli et al.'s Bayesian signed-rank test of ``diff`` (strategy − baseline per dataset).

    A posterior probability is the share of posterior samples in which that region (worse, within
    ±``rope``, better) has the largest mass, as ``baycomp.two_on_multiple`` reports it.
    """
    samples = posterior_samples(diff, rope, n_samples=n_samples, seed=seed)
    counts = np.bincount(np.argmax(samples, axis=1), minlength=3) / n_samples
    return Posterior(float(counts[0]), float(counts[1]), float(counts[2]), int(np.asarray(diff).size), float(rope))


def p_better_batch(diffs: np.ndarray, rope: float = ROPE, *, n_samples: int = 4000, seed: int = SEED) -> np.ndarray:
    """``(B, 3)`` posterior probabilities (worse, equivalent, better) of B simulated data sets at once.

    ``diffs`` is ``(B, n)``: B replicates of n units. All replicates share one set of Dirichlet draws
    (common random numbers), so a power curve built from them is smooth in the effect size.
    """
    diffs = np.asarray(diffs, dtype=np.float64)
    above, below, d = _region_matrices(diffs, rope)  # (B, n+1, n+1)
    weights = np.ones(d.shape[-1])
    weights[0] = PRIOR
    w = np.random.RandomState(seed).dirichlet(weights, n_samples)  # (S, n+1)
    chunk = max(1, 2**24 // (n_samples * d.shape[-1]))  # replicates per pass: (chunk, S, n+1) stays ~128 MB

    def mass(regions: np.ndarray) -> np.ndarray:
        return np.concatenate([np.einsum("bsk,sk->bs", np.matmul(w, regions[i : i + chunk]), w) for i in range(0, len(regions), chunk)])

    p_above = mass(above)
    if below is None:
        p_below, p_rope = 1.0 - p_above, np.zeros_like(p_above)
    else:
        p_below = mass(below)
        p_rope = 1.0 - p_below - p_above
    winner = np.argmax(np.stack([p_below, p_rope, p_above], axis=-1), axis=-1)  # (B, S)
    return np.stack([(winner == i).mean(axis=1) for i in range(3)], axis=-1)
