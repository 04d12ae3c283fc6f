"""`noise-aware`: uncertainty sampling with a data-quality guard (after "Mind Your Outliers",
Karamcheti et al. ACL 2021, and Dataset Maps, Swayamdipta et al. EMNLP 2020).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.stats import rankdata

from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView
from mmal_bench.strategies.unimodal import ScoreStrategy
from mmal_bench.strategies.utils import entropy


def lowness(values: np.ndarray) -> np.ndarray:
    """``1 −`` the percentile rank of each value in ``[0, 1]`` (ties share their average rank): 1 for
    the lowest value, 0 for the highest, 0.5 for all when every value is equal or there is one row."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        return np.full(len(values), 0.5)
    return 1.0 - (rankdata(values, method="average") - 1.0) / (len(values) - 1.0)


#: Rows per block of `noise_aware_scores`: the float64 work copy never exceeds one block of passes.
CHUNK_ROWS = 65_536


def noise_aware_scores(samples: np.ndarray, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """Scores from MC samples ``(T, n, K)``: normalised entropy of the mean prediction times
    ``1 − lowness(confidence) · lowness(variability)``.

    Confidence and variability are the mean and standard deviation over passes of the probability of
    the mean prediction's class (Dataset Maps' axes, with the predicted class standing in for the
    unknown label). A row that is both among the least confident and among the least variable (the
    "hard-to-learn" region of a dataset map: consistently unsure, not unsure because the model is still
    moving) is down-weighted towards 0; an uncertain row the passes disagree on keeps its entropy.

    Row blocks of ``chunk_rows`` (issue 15: a float64 copy of all samples was 0.8 GB at 1M rows and
    10 classes); every per-row number is computed exactly as on the whole array, so the scores are
    bitwise the same for any block size. Only the percentile ranks need the whole pool, and they take
    one float per row.
    """
    samples = np.asarray(samples)
    n_samples, n, k = samples.shape
    uncertainty, confidence, variability = np.empty(n), np.empty(n), np.empty(n)
    for start in range(0, n, chunk_rows):
        rows = slice(start, min(start + chunk_rows, n))
        block = samples[:, rows].astype(np.float64)
        mean = block.mean(axis=0)
        predicted = mean.argmax(axis=1)
        p_hat = block[:, np.arange(len(predicted)), predicted]  # (T, rows): each pass's probability of that class
        uncertainty[rows], confidence[rows], variability[rows] = entropy(mean), p_hat.mean(axis=0), p_hat.std(axis=0)
    unlearnable = lowness(confidence) * lowness(variability)
    return uncertainty / np.log(max(k, 2)) * (1.0 - unlearnable)


class NoiseAware(ScoreStrategy):
    """Noise-aware uncertainty sampling, after Karamcheti, Krishna, Fei-Fei, Manning ("Mind Your
    Outliers! Investigating the Negative Impact of Outliers on Active Learning for Visual Question
    Answering", ACL 2021) and Swayamdipta et al. ("Dataset Cartography", EMNLP 2020).

    Uncertainty sampling (entropy of the MC-dropout mean prediction, ``n_samples`` passes seeded from
    ``rng``) that down-weights rows that look unlearnable: low confidence *and* low variability across
    the passes (`noise_aware_scores`). Karamcheti et al. show uncertainty sampling buys such collective
    outliers and then fails to beat random; removing them restores AL's gains.

    Our reading: Dataset Maps measure confidence and variability of the *gold* label across training
    *epochs*; an unlabelled row has no gold label and the model is retrained from scratch each round,
    so we use the predicted class and MC-dropout passes (the model's stochastic views of the same
    fit). "Low" is relative to the current pool (percentile ranks), and the weight is soft (a product
    of the two lownesses) rather than a hard filter, so the strategy still fills its batch when the
    pool is mostly hard. With dropout off every pass is equal, variability ties everywhere and this is
    plain entropy sampling scaled by a constant.
    """

    name = "noise-aware"
    modality = "unimodal"
    n_samples: ClassVar[int] = 10
    bibtex: ClassVar[str] = """@inproceedings{karamcheti2021mind,
  title = {Mind Your Outliers! {I}nvestigating the Negative Impact of Outliers on Active Learning for Visual Question Answering},
  author = {Karamcheti, Siddharth and Krishna, Ranjay and Fei-Fei, Li and Manning, Christopher D.},
  booktitle = {Proceedings of ACL-IJCNLP},
  year = {2021}
}
@inproceedings{swayamdipta2020dataset,
  title = {Dataset Cartography: Mapping and Diagnosing Datasets with Training Dynamics},
  author = {Swayamdipta, Swabha and Schwartz, Roy and Lourie, Nicholas and Wang, Yizhong and Hajishirzi, Hannaneh and Smith, Noah A. and Choi, Yejin},
  booktitle = {Proceedings of EMNLP},
  year = {2020}
}"""

    def scores(self, view: PoolView, model: FittedModel, rng: np.random.Generator) -> np.ndarray:
        seed = int(rng.integers(2**31 - 1))
        return noise_aware_scores(model.mc_dropout_proba(view.unlabeled, self.n_samples, seed))
