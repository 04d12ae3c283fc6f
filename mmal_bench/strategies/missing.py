"""`missing-aware`: values completing (learning about) rows with absent modalities instead of avoiding
or chasing them, and buys each missingness pattern in the proportion the pool has it.
"""

from __future__ import annotations

import numpy as np

from mmal_bench.data.schema import ModalBatch, subset_key
from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.utils import entropy, js_divergence, top_k


def pattern_codes(batch: ModalBatch, modalities: tuple[str, ...]) -> np.ndarray:
    """Missingness pattern of each row as an int: bit j set iff ``modalities[j]`` is present."""
    codes = np.zeros(len(batch), dtype=np.int64)
    for j, m in enumerate(modalities):
        codes |= np.asarray(batch.present[m], dtype=np.int64) << j
    return codes


def quota_allocation(shares: np.ndarray, available: np.ndarray, k: int) -> np.ndarray:
    """Rows to buy per pattern: ``k`` split as close to ``k · shares`` as the ``available`` rows allow.

    Each pattern first gets ``min(⌊k · share⌋, available)``; every remaining row goes, one at a time,
    to the pattern with spare rows that is furthest below its target ``k · share`` (ties: lower index),
    i.e. largest remainder, with capacity. Requires ``k ≤ Σ available``.
    """
    shares = np.asarray(shares, dtype=np.float64)
    available = np.asarray(available, dtype=np.int64)
    if k > available.sum():
        raise ValueError(f"cannot buy {k} rows from {int(available.sum())}")
    target = k * shares
    counts = np.minimum(np.floor(target).astype(np.int64), available)
    for _ in range(k - int(counts.sum())):  # at most k steps over a handful of patterns, not the pool
        gap = np.where(counts < available, target - counts, -np.inf)
        counts[int(np.argmax(gap))] += 1
    return counts


def completion_value(model: FittedModel, batch: ModalBatch) -> np.ndarray:
    """Value of learning each row (higher = more to learn), comparable within one missingness pattern.

    ``H(p)/log K`` of the fused prediction ``p`` (through the model's absent path) plus a divergence
    term in ``[0, 1]``:

    - complete rows: the expected change if one modality were absent, ``mean_m JS(p, p_{−m}) / log 2``
      (a row whose prediction rests on all modalities teaches their interplay);
    - incomplete rows: the divergence between the fused prediction and what each available modality's
      own head says, ``mean_{m present} JS(p, q_m) / log 2`` (a row where the absent path disagrees with
      the evidence at hand shows the model has not learnt to do without the absent modality).

    Rows with no modality present get the entropy term only.
    """
    modalities = model.modalities
    present = np.stack([np.asarray(batch.present[m], dtype=bool) for m in modalities], axis=1)
    n_present = present.sum(axis=1)
    drop_one = [tuple(o for o in modalities if o != m) for m in modalities]
    subsets = [modalities, *(s for s in drop_one if s)]
    proba = model.predict_proba_subsets(batch, subsets)
    p = proba[subset_key(modalities, modalities)]
    k = p.shape[1]
    aux = model.unimodal_proba(batch)
    change = np.zeros(len(p))
    for j, m in enumerate(modalities):
        if drop_one[j]:
            change += js_divergence(p, proba[subset_key(drop_one[j], modalities)])
    change /= len(modalities)
    disagreement = sum(np.where(present[:, j], js_divergence(p, aux[m]), 0.0) for j, m in enumerate(modalities))
    disagreement = disagreement / np.maximum(n_present, 1)
    divergence = np.where(n_present == len(modalities), change, disagreement) / np.log(2.0)
    return entropy(p) / np.log(max(k, 2)) + divergence


class MissingAware(Strategy):
    """Missing-aware selection: the value of completing a row (`completion_value`) ranks rows within
    each missingness pattern, and the batch buys each pattern in the share the whole pool (labelled and
    unlabelled) has it (`quota_allocation`).

    Why: on missing-modality data, uncertainty strategies pile into incomplete rows (their fused
    predictions are the least certain) and disagreement strategies avoid them (one view cannot
    disagree); under MNAR, where missingness depends on the label, both skew the bought class mix.
    Matching the pool's missingness shares removes that lever on the class mix; ranking within a
    pattern keeps the informativeness.

    Our reading (no single source; the idea is the issue's): the two divergence terms of
    `completion_value` are ours; with M > 2 modalities a row missing some but not all modalities is
    valued by its present modalities' heads; quotas follow the pool's share of each full pattern
    (one per subset of present modalities), not per-modality marginals.
    """

    name = "missing-aware"
    modality = "multimodal"

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        modalities = model.modalities
        codes = pattern_codes(view.unlabeled, modalities)
        pool_codes = np.concatenate([codes, pattern_codes(view.labeled, modalities)])
        patterns, pool_counts = np.unique(pool_codes, return_counts=True)
        available = np.bincount(np.searchsorted(patterns, codes), minlength=len(patterns))
        quota = quota_allocation(pool_counts / pool_counts.sum(), available, batch_size)
        value = completion_value(model, view.unlabeled)
        picks = []
        for pattern, count in zip(patterns, quota, strict=True):  # one pass per missingness pattern (≤ 2^M)
            if count:
                rows = np.flatnonzero(codes == pattern)
                picks.append(rows[top_k(value[rows], int(count))])
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[np.concatenate(picks)]
