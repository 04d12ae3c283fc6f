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
    # Buffers reused by every pick (issue 25): the operations below are those of the expression
    # ``norms + norms[c] - 2.0 * (a @ a[c]).astype(np.float64) * (h @ h[c]).astype(np.float64)``, in
    # its order and precision, written into place, so every distance is the same float64 number.
    ad, hd = np.empty(n, dtype=np.float32), np.empty(n, dtype=np.float32)
    d2, prod, cum = np.empty(n), np.empty(n), np.empty(n)
    for _ in range(k - 1):
        c = picks[-1]
        np.matmul(a, a[c], out=ad)
        np.matmul(h, h[c], out=hd)
        np.add(norms, norms[c], out=d2)
        np.multiply(ad, 2.0, out=prod, dtype=np.float64)
        np.multiply(prod, hd, out=prod, dtype=np.float64)
        np.subtract(d2, prod, out=d2)
        np.maximum(d2, 0.0, out=d2)
        np.minimum(min_d2, d2, out=min_d2)
        # earlier picks are 0 already (min with a distance >= 0 keeps them 0): only the last needs it
        min_d2[c] = 0.0
        total = min_d2.sum()
        if total > 0 and np.isfinite(total):
            np.cumsum(min_d2, out=cum)
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

    Linear in the pool: `nearest_center_sq_dist` reads ``x`` once for all centers. The picks are
    exact greedy picks evaluated lazily: a row's distance to its nearest center only shrinks as
    centers are added, so the max over a block of `GREEDY_BLOCK` rows as of its last update bounds
    the block from above. Each pick brings only the block with the highest bound up to date (the
    picks it has not seen, one in-place pass each) until that block's bound is exact; it then holds
    the farthest row. Every row's distance is the same float64 number a whole-pool pass per pick
    computes, so the picks are those of the textbook loop, ties to the lower position. Without
    centers the first pick is uniform from ``rng`` (then every block is brought up to date once).

    Parameters
    ----------
    x:
        ``(n, D)`` candidate rows (cast to float32 for the products; norms and distances in float64).
    centers:
        ``(m, D)`` rows already covered (``m`` may be 0).
    k:
        Number of picks, ``0 <= k <= n``.
    rng:
        Used only for the first pick when there are no centers.

    Returns
    -------
    np.ndarray
        ``k`` distinct int64 positions of ``x`` in pick order.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    centers = np.ascontiguousarray(centers, dtype=np.float32).reshape(-1, x.shape[1])
    n = len(x)
    if not 0 <= k <= n:
        raise ValueError(f"cannot pick {k} of {n} rows")
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    norm_x = _sq_norms(x)
    min_d2 = nearest_center_sq_dist(x, centers, norm_x)
    block = GREEDY_BLOCK
    starts = np.arange(0, n, block)
    bound = np.maximum.reduceat(min_d2, starts)  # per block: max of min_d2 as of its last update
    seen = np.zeros(len(starts), dtype=np.int64)  # per block: how many picks its min_d2 includes
    prod, d2 = np.empty(min(block, n), dtype=np.float32), np.empty(min(block, n))
    picks: list[int] = []
    for _ in range(k):
        if not picks and not len(centers):
            nxt = int(rng.integers(n))
        else:
            while True:
                b = int(np.argmax(bound))  # ties: the lower block, so ties still go to the lower row
                lo, hi = b * block, min(b * block + block, n)
                if seen[b] == len(picks):
                    break
                for c in picks[seen[b] :]:
                    # ‖x − c‖² = ‖x‖² + ‖c‖² − 2⟨x, c⟩ in place, the same float operations in the
                    # same order as one whole-pool expression
                    p, d = prod[: hi - lo], d2[: hi - lo]
                    np.matmul(x[lo:hi], x[c], out=p)
                    np.multiply(p, 2.0, out=d, dtype=np.float64)
                    np.subtract(norm_x[lo:hi] + norm_x[c], d, out=d)
                    np.maximum(d, 0.0, out=d)
                    np.minimum(min_d2[lo:hi], d, out=min_d2[lo:hi])
                seen[b] = len(picks)
                bound[b] = min_d2[lo:hi].max()
            nxt = lo + int(np.argmax(min_d2[lo:hi]))
        picks.append(nxt)
        min_d2[nxt] = -1.0  # never picked twice, even when every distance is zero
        b = nxt // block
        bound[b] = min_d2[b * block : b * block + block].max()
    return np.asarray(picks, dtype=np.int64)


#: Rows per block of the lazy greedy picks: small enough that a pick touches few rows, large enough
#: that the Python loop over blocks stays short (245 blocks at a million rows).
GREEDY_BLOCK = 4_096
#: Rows per block of the pool passes: blocks of a few MiB stay in cache, and the loop over blocks is
#: only n / ROW_BLOCK iterations (16 at a million rows).
ROW_BLOCK = 65_536
#: Rows per block of the per-row scores (`by_rows`): 8,192 rows x 10 classes of float64 is 640 KiB,
#: so a score's temporaries stay in L2.
SCORE_BLOCK = 8_192
#: Centers per block of the initial distances: large blocks make each pass a compute-bound matrix
#: product (a million rows against 4 centers per pass re-read the pool 125 times for 500 centers).
CENTER_BLOCK = 1_024


def nearest_center_sq_dist(x: np.ndarray, centers: np.ndarray, norm_x: np.ndarray | None = None) -> np.ndarray:
    """Squared Euclidean distance from every row of ``x`` to its nearest row of ``centers`` (float64).

    ``min_c ‖x − c‖² = ‖x‖² + min_c (‖c‖² − 2⟨x, c⟩)``, computed on blocks of `ROW_BLOCK` rows ×
    `CENTER_BLOCK` centers: the pool is read once whatever the number of centers, and the float32
    product block is at most 2^18 floats (1 MiB, or one row against `CENTER_BLOCK` centers).
    Infinite where there are no centers; clipped at 0 against rounding.

    Parameters
    ----------
    x:
        ``(n, D)`` float32 rows.
    centers:
        ``(m, D)`` float32 centers.
    norm_x:
        ``_sq_norms(x)`` if the caller has it already.

    Returns
    -------
    np.ndarray
        ``(n,)`` float64 squared distances.
    """
    n = len(x)
    norm_x = _sq_norms(x) if norm_x is None else norm_x
    min_d2 = np.full(n, np.inf)
    if not len(centers) or not n:
        return min_d2
    # products of about 1 MiB per block (cache-resident for the two elementwise passes after them);
    # centers pre-scaled by −2, exact in binary floating point, so x @ (−2c) is bitwise −2(x @ c)
    c_block = min(CENTER_BLOCK, len(centers))
    r_block = max(1, min(ROW_BLOCK, (1 << 18) // c_block))
    blocks = [
        ((centers[s : s + c_block] * np.float32(-2.0)).T, _sq_norms(centers[s : s + c_block]).astype(np.float32))
        for s in range(0, len(centers), c_block)
    ]
    for start in range(0, n, r_block):
        stop = min(start + r_block, n)
        for c_t, c_norm in blocks:
            partial = x[start:stop] @ c_t
            partial += c_norm[None, :]
            np.minimum(min_d2[start:stop], norm_x[start:stop] + partial.min(axis=1).astype(np.float64), out=min_d2[start:stop])
    np.maximum(min_d2, 0.0, out=min_d2)
    return min_d2


def _sq_norms(x: np.ndarray) -> np.ndarray:
    """Squared row norms accumulated in float64 (einsum casts in buffered chunks: no float64 copy of x)."""
    return np.einsum("ij,ij->i", x, x, dtype=np.float64, casting="safe")


# -- uncertainty -------------------------------------------------------------------------------------


def by_rows(fn: Callable[..., np.ndarray], *arrays: np.ndarray) -> np.ndarray:
    """``fn(*arrays)`` for a row-wise ``fn`` returning one float per row, computed on blocks of
    `SCORE_BLOCK` rows: each row's value is the same number, while the float64 temporaries stay in
    cache (at a million rows they are 80 MB each; blocked, the scores are 1.7x faster and grow
    linearly with the pool)."""
    n = len(arrays[0])
    if n <= SCORE_BLOCK:
        return fn(*arrays)
    out = np.empty(n)
    for start in range(0, n, SCORE_BLOCK):
        out[start : start + SCORE_BLOCK] = fn(*(a[start : start + SCORE_BLOCK] for a in arrays))
    return out


def entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy (nats) along ``axis``; ``0·log 0 = 0`` (row-blocked for ``(n, C)`` rows)."""
    p = np.asarray(p)
    if p.ndim == 2 and axis in (-1, 1):
        return by_rows(_entropy_rows, p)
    return _entropy(p, axis)


def _entropy(p: np.ndarray, axis: int) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    return -(p * np.log(np.clip(p, _EPS, None))).sum(axis=axis)


def _entropy_rows(p: np.ndarray) -> np.ndarray:
    return _entropy(p, -1)


def margin(p: np.ndarray) -> np.ndarray:
    """Difference between the two largest class probabilities per row (small = uncertain)."""
    p = np.asarray(p)
    if p.shape[1] < 2:
        return np.ones(len(p))
    return by_rows(_margin_rows, p)


def _margin_rows(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    top2 = np.partition(p, p.shape[1] - 2, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def mutual_information(samples: np.ndarray) -> np.ndarray:
    """BALD score from ``(T, n, C)`` MC samples: H(mean p) − mean H(p), clipped at 0 against rounding.

    Computed in float64 on blocks of `ROW_BLOCK` rows, so the float64 temporaries stay a few MiB
    instead of several copies of the whole ``(T, n, C)`` array; each row's score is the same.
    """
    samples = np.asarray(samples)
    out = np.empty(samples.shape[1])
    for start in range(0, samples.shape[1], ROW_BLOCK):
        block = samples[:, start : start + ROW_BLOCK].astype(np.float64)
        out[start : start + ROW_BLOCK] = np.maximum(entropy(block.mean(axis=0)) - entropy(block).mean(axis=0), 0.0)
    return out


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence (nats, in [0, log 2]) between rows of ``p`` and ``q`` (row-blocked)."""
    return by_rows(_js_rows, np.asarray(p), np.asarray(q))


def _js_rows(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    return np.maximum(_entropy((p + q) / 2, -1) - (_entropy(p, -1) + _entropy(q, -1)) / 2, 0.0)


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
