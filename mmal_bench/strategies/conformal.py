"""Split-conformal prediction sets per modality and fused, and the `conformal-disagreement` strategy
built on them (after CCMA, Nguyen et al., CVPR 2026 Findings).
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import ClassVar

import numpy as np

from mmal_bench.data.schema import subset_key
from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.diversity import diverse_top_k, embedder


def conformal_quantile(scores: np.ndarray, alpha: float) -> float:
    """Split-conformal threshold: the ``⌈(n+1)(1−α)⌉``-th smallest calibration score.

    ``inf`` when that rank exceeds ``n`` (too few calibration rows for the level: every class is in
    every set) or there is no calibration row.
    """
    s = np.sort(np.asarray(scores, dtype=np.float64))
    rank = math.ceil((len(s) + 1) * (1.0 - alpha))
    return float(s[rank - 1]) if 1 <= rank <= len(s) else math.inf


def prediction_sets(proba: np.ndarray, qhat: float) -> np.ndarray:
    """Boolean ``(n, K)``: class y is in row i's set iff ``1 − p̂_y(x_i) ≤ q̂``."""
    return 1.0 - np.asarray(proba, dtype=np.float64) <= qhat


def calibrated_sets(
    pool_proba: np.ndarray, cal_proba: np.ndarray, cal_labels: np.ndarray, cal_mask: np.ndarray, alpha: float
) -> np.ndarray:
    """Prediction sets for the pool rows, calibrated on the calibration rows where ``cal_mask`` holds
    (nonconformity ``1 − p̂_y`` at the true label)."""
    rows = np.flatnonzero(cal_mask)
    scores = 1.0 - np.asarray(cal_proba, dtype=np.float64)[rows, np.asarray(cal_labels)[rows]]
    return prediction_sets(pool_proba, conformal_quantile(scores, alpha))


class ConformalDisagreement(Strategy):
    """Conformal cross-modal disagreement, after CCMA (Nguyen et al., "Conformal Cross-Modal Active
    Learning", CVPR 2026 Findings, arXiv 2603.23159).

    Split-conformal prediction sets at level ``1 − alpha`` for the fused model and for each modality
    alone (the model with every other modality absent, through its own absent path), calibrated on a
    random half of the labelled set. A row scores ``|C_fused| / K`` plus the mean over pairs of present
    modalities of ``|C_a Δ C_b| / K``: large sets are uncertain rows, disjoint unimodal sets are rows
    on which the modalities disagree in a calibrated sense. The batch is drawn by `diverse_top_k`
    (k-means++ over the ``4·k`` highest scores, fused embedding).

    Our reading: CCMA uses a teacher's calibrated uncertainty to guide a student; here the one
    benchmark model plays both roles, and the unimodal "teachers" are its single-modality predictions.
    A modality is calibrated only on calibration rows where it is present, and a pool row's set for an
    absent modality takes no part in the disagreement term.

    Exchangeability caveat: coverage holds only for calibration rows exchangeable with the pool. The
    labelled set is not: after round 0 it holds AL-chosen rows, and the model was trained on it, so its
    nonconformity scores are optimistic (sets smaller than nominal). Calibrating on a *random slice*
    (drawn from ``rng``) rather than on the latest batch alone limits, but does not remove, that bias;
    the sets are used to rank rows, not as coverage guarantees.
    """

    name = "conformal-disagreement"
    modality = "multimodal"
    alpha: ClassVar[float] = 0.1
    calibration_share: ClassVar[float] = 0.5
    bibtex: ClassVar[str] = """@inproceedings{nguyen2026conformal,
  title = {Conformal Cross-Modal Active Learning},
  author = {Nguyen and others},
  booktitle = {Findings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year = {2026},
  eprint = {2603.23159},
  archivePrefix = {arXiv}
}"""

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        """Fused set size plus mean pairwise symmetric difference of the unimodal sets, both over K."""
        modalities = model.modalities
        n_lab = len(view.labeled_ids)
        cal = np.sort(rng.permutation(n_lab)[: math.ceil(self.calibration_share * n_lab)])  # a random slice
        subsets = [(m,) for m in modalities] + [modalities]
        pool_p = model.predict_proba_subsets(view.unlabeled, subsets)
        cal_batch = view.labeled.take(cal)
        cal_p = model.predict_proba_subsets(cal_batch, subsets)
        labels = np.asarray(view.labeled_labels)[cal]
        full = subset_key(modalities, modalities)
        k = pool_p[full].shape[1]
        everywhere = np.ones(len(cal), dtype=bool)
        size = calibrated_sets(pool_p[full], cal_p[full], labels, everywhere, self.alpha).sum(axis=1) / k
        sets, present = {}, {}
        for m in modalities:
            key = subset_key((m,), modalities)
            sets[m] = calibrated_sets(pool_p[key], cal_p[key], labels, np.asarray(cal_batch.present[m], bool), self.alpha)
            present[m] = np.asarray(view.unlabeled.present[m], dtype=bool)
        total = np.zeros(len(size))
        pairs = np.zeros(len(size))
        for a, b in combinations(modalities, 2):
            both = present[a] & present[b]
            total += np.where(both, (sets[a] ^ sets[b]).sum(axis=1) / k, 0.0)
            pairs += both
        return size + total / np.maximum(pairs, 1)

    def select(self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        picks = diverse_top_k(self.scores(view, model, rng), embedder(model.embed, view.unlabeled), batch_size, rng)
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[picks]
