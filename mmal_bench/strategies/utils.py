"""Shared maths of the query strategies: top-k, k-means++ seeding on factorised gradient embeddings,
uncertainty scores, exact Shapley values over modality subsets, and BMMAL's modality scales.

Pure functions on numpy arrays, vectorised over the pool; strategies compose them instead of copying.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from math import factorial

import numpy as np

_EPS = 1e-12


# -- selection -------------------------------------------------------------------------------------


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest scores, best first; ties go to the lower position. O(n).

    NaN scores rank last (a broken score never wins a query).
    """
    s = np.asarray(scores, dtype=np.float64)
    s = np.where(np.isnan(s), -np.inf, s)
    n = len(s)
    if not 0 <= k <= n:
        raise ValueError(f"cannot pick {k} of {n} scores")
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    kth = -np.partition(-s, k - 1)[k - 1]
    above = np.flatnonzero(s > kth)
    ties = np.flatnonzero(s == kth)[: k - len(above)]
    chosen = np.concatenate([above, ties])
    return chosen[np.lexsort((chosen, -s[chosen]))].astype(np.int64)


def kmeanspp_factorised(a: np.ndarray, h: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (BADGE) on the rows ``a[i] ⊗ h[i]`` without materialising them.

    ``‖a⊗h − b⊗g‖² = ‖a‖²‖h‖² + ‖b‖²‖g‖² − 2⟨a,b⟩⟨h,g⟩``, so each pick costs one pass over ``a`` and
    ``h``: memory O(n·(C + D)), never O(n·C·D), and no chunking approximation. First pick: the largest
    norm (BMMAL reference); then each pick is drawn with probability ∝ squared distance to the nearest
    pick so far, using ``rng``. Returns ``k`` distinct positions in pick order.
    """
    # float32 for the per-pick matrix-vector products (memory-bound; float64 gemv can also hit
    # pathological BLAS threading on small shared machines); norms and distances in float64.
    a = np.ascontiguousarray(a, dtype=np.float32)
    h = np.ascontiguousarray(h, dtype=np.float32)
    n = len(a)
    if len(h) != n:
        raise ValueError(f"a and h must have the same rows, got {len(a)} and {len(h)}")
    if not 0 <= k <= n:
        raise ValueError(f"cannot pick {k} of {n} rows")
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    norms = _sq_norms(a) * _sq_norms(h)
    picks = [int(np.argmax(norms))]
    chosen = np.zeros(n, dtype=bool)
    chosen[picks[0]] = True
    min_d2 = np.full(n, np.inf)
    for _ in range(k - 1):
        c = picks[-1]
        d2 = norms + norms[c] - 2.0 * (a @ a[c]).astype(np.float64) * (h @ h[c]).astype(np.float64)
        np.minimum(min_d2, np.maximum(d2, 0.0), out=min_d2)
        min_d2[chosen] = 0.0
        total = min_d2.sum()
        if total > 0 and np.isfinite(total):
            cum = np.cumsum(min_d2)
            nxt = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
            nxt = min(nxt, n - 1)
            if chosen[nxt]:  # only reachable through rounding at the very end of cum
                nxt = int(np.flatnonzero(~chosen)[-1])
        else:  # every remaining row coincides with a pick: any of them is as good
            nxt = int(rng.choice(np.flatnonzero(~chosen)))
        picks.append(nxt)
        chosen[nxt] = True
    return np.asarray(picks, dtype=np.int64)


def k_center_greedy(x: np.ndarray, centers: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-center (CoreSet, Sener & Savarese 2018): ``k`` positions of ``x``, each the row farthest
    from its nearest center, the existing ``centers`` included.

    Keeps one min-distance vector, so every pick is one O(n·D) pass; the initial distances to the
    centers are computed in blocks bounding memory to about 32 MiB. Ties go to the lower position.
    Without centers the first pick is uniform from ``rng``.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)  # float32 products, float64 norms (see above)
    centers = np.ascontiguousarray(centers, dtype=np.float32).reshape(-1, x.shape[1])
    n = len(x)
    if not 0 <= k <= n:
        raise ValueError(f"cannot pick {k} of {n} rows")
    norm_x = _sq_norms(x)
    min_d2 = np.full(n, np.inf)
    block = max(1, (1 << 22) // max(n, 1))
    for start in range(0, len(centers), block):
        c = centers[start : start + block]
        # min_c ‖x − c‖² = ‖x‖² + min_c (‖c‖² − 2⟨x, c⟩): one float32 (n, block) temporary, not five
        partial = x @ c.T
        partial *= -2.0
        partial += _sq_norms(c).astype(np.float32)[None, :]
        np.minimum(min_d2, np.maximum(norm_x + partial.min(axis=1).astype(np.float64), 0.0), out=min_d2)
    picks: list[int] = []
    for _ in range(k):
        nxt = int(rng.integers(n)) if not np.isfinite(min_d2).any() else int(np.argmax(min_d2))
        picks.append(nxt)
        d2 = norm_x + norm_x[nxt] - 2.0 * (x @ x[nxt]).astype(np.float64)
        np.minimum(min_d2, np.maximum(d2, 0.0), out=min_d2)
        min_d2[nxt] = -1.0  # never picked twice, even when every distance is zero
    return np.asarray(picks, dtype=np.int64)


def _sq_norms(x: np.ndarray) -> np.ndarray:
    """Squared row norms accumulated in float64 (einsum casts in buffered chunks: no float64 copy of x)."""
    return np.einsum("ij,ij->i", x, x, dtype=np.float64, casting="safe")


# -- uncertainty -------------------------------------------------------------------------------------


def entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy (nats) along ``axis``; ``0·log 0 = 0``."""
    p = np.asarray(p, dtype=np.float64)
    return -(p * np.log(np.clip(p, _EPS, None))).sum(axis=axis)


def margin(p: np.ndarray) -> np.ndarray:
    """Difference between the two largest class probabilities per row (small = uncertain)."""
    p = np.asarray(p, dtype=np.float64)
    if p.shape[1] < 2:
        return np.ones(len(p))
    top2 = np.partition(p, p.shape[1] - 2, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def mutual_information(samples: np.ndarray) -> np.ndarray:
    """BALD score from ``(T, n, C)`` MC samples: H(mean p) − mean H(p), clipped at 0 against rounding."""
    samples = np.asarray(samples, dtype=np.float64)
    return np.maximum(entropy(samples.mean(axis=0)) - entropy(samples).mean(axis=0), 0.0)


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence (nats, in [0, log 2]) between rows of ``p`` and ``q``."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    return np.maximum(entropy((p + q) / 2) - (entropy(p) + entropy(q)) / 2, 0.0)


# -- modality contributions ----------------------------------------------------------------------------


def exact_shapley(
    value: Callable[[frozenset[str]], np.ndarray] | Mapping[frozenset[str], np.ndarray], modalities: Sequence[str]
) -> dict[str, np.ndarray]:
    """Exact Shapley value of each modality for a value function over modality subsets.

    ``φ_m = Σ_{S ⊆ M∖{m}} |S|!(M−|S|−1)!/M! · (v(S ∪ {m}) − v(S))``, with ``v`` given for every subset
    (empty set included) as a callable or a mapping keyed by ``frozenset``. Values may be scalars or
    arrays (per sample): the result broadcasts. 2^M evaluations, so meant for few modalities.
    """
    get = value.__getitem__ if isinstance(value, Mapping) else value
    cache = {frozenset(s): np.asarray(get(frozenset(s)), dtype=np.float64) for r in range(len(modalities) + 1) for s in combinations(modalities, r)}
    n_mod = len(modalities)
    phi: dict[str, np.ndarray] = {}
    for m in modalities:
        others = [o for o in modalities if o != m]
        total = 0.0
        for r in range(n_mod):
            weight = factorial(r) * factorial(n_mod - r - 1) / factorial(n_mod)
            for s in combinations(others, r):
                base = frozenset(s)
                total = total + weight * (cache[base | {m}] - cache[base])
        phi[m] = np.asarray(total, dtype=np.float64)
    return phi


def modality_shares(phi: Mapping[str, np.ndarray]) -> np.ndarray:
    """Normalised contribution shares ``c_m = |φ_m| / Σ_k |φ_k|`` as ``(n, M)``; rows with Σ = 0 share equally."""
    mags = np.abs(np.stack([np.asarray(v, dtype=np.float64) for v in phi.values()], axis=-1))
    total = mags.sum(axis=-1, keepdims=True)
    equal = np.full_like(mags, 1.0 / mags.shape[-1])
    return np.where(total > 0, mags / np.where(total > 0, total, 1.0), equal)


def bmmal_scales(shares: np.ndarray) -> np.ndarray:
    """BMMAL per-modality gradient scales from shares ``(n, M)``: ``s_m = 1 − (max_k c_k − c_m)``.

    With two modalities this is Shen et al.'s rule (dominant ``s = 1``, weaker ``s = 1 − |c1 − c2|``);
    with more, each modality is damped by its gap to the dominant one, so a sample whose modalities
    all contribute keeps a full gradient and a one-modality-driven sample loses the other blocks.
    """
    shares = np.asarray(shares, dtype=np.float64)
    return 1.0 - (shares.max(axis=-1, keepdims=True) - shares)
