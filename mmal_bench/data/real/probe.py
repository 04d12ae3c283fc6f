"""Measured ground truth for real datasets: a cross-validated linear probe per modality subset.

Real data has no closed-form Bayes accuracy, so ``ground_truth[subset]`` is the test accuracy of a
logistic regression fitted on the pool with only that subset's features (absent modalities zeroed).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from threadpoolctl import threadpool_limits

from mmal_bench.data.schema import Split, all_subsets, subset_key

#: Inverse regularisation strengths the probe chooses from (by cross-validation on the pool).
PROBE_CS = (0.01, 0.1, 1.0)
PROBE_FOLDS = 5
PROBE_MAX_ITER = 2000


def subset_matrix(split: Split, subset: Sequence[str]) -> np.ndarray:
    """Features of ``subset`` side by side, with each modality's presence flag appended.

    The flag lets a linear model tell "absent" from "present with value zero", which is what the
    benchmark's models see too.
    """
    blocks = []
    for m in subset:
        blocks.append(split.features[m].astype(np.float64))
        blocks.append(split.present[m].astype(np.float64)[:, None])
    return np.hstack(blocks)


def probe_accuracy(
    pool: Split,
    test: Split,
    subset: Sequence[str],
    *,
    cs: Sequence[float] = PROBE_CS,
    folds: int = PROBE_FOLDS,
    seed: int = 0,
) -> tuple[float, float]:
    """Test accuracy of a logistic regression trained on the pool with only ``subset``.

    The regularisation ``C`` is chosen from ``cs`` by stratified ``folds``-fold cross-validation on
    the pool (never on the test split). Returns ``(accuracy, C)``.
    """
    x_pool, x_test = subset_matrix(pool, subset), subset_matrix(test, subset)
    y = pool.labels
    # One BLAS thread: these fits are small, and threads only contend (100x slower on a busy 2-core box).
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        n_folds = int(min(folds, np.bincount(y)[np.unique(y)].min(initial=folds)))
        if len(cs) > 1 and n_folds >= 2:
            cv = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
            scores = [
                cross_val_score(LogisticRegression(C=c, max_iter=PROBE_MAX_ITER), x_pool, y, cv=cv).mean()
                for c in cs
            ]
            best = float(cs[int(np.argmax(scores))])
        else:  # too few rows per class to cross-validate: the middle of the grid
            best = float(cs[len(cs) // 2])
        model = LogisticRegression(C=best, max_iter=PROBE_MAX_ITER).fit(x_pool, y)
    return float(np.mean(model.predict(x_test) == test.labels)), best


def probe_ground_truth(
    pool: Split,
    test: Split,
    modalities: Sequence[str],
    *,
    cs: Sequence[float] = PROBE_CS,
    folds: int = PROBE_FOLDS,
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Probe accuracy for every non-empty modality subset (``2^M - 1`` probes).

    Returns ``(accuracy, standard_error, chosen_C)`` keyed by `subset_key`; the standard error is
    the binomial one of a test-set accuracy, ``sqrt(a (1 - a) / n_test)``.
    """
    acc: dict[str, float] = {}
    se: dict[str, float] = {}
    chosen: dict[str, float] = {}
    n_test = len(test.labels)
    for subset in all_subsets(modalities):
        key = subset_key(subset, modalities)
        a, c = probe_accuracy(pool, test, subset, cs=cs, folds=folds)
        acc[key], chosen[key] = a, c
        se[key] = math.sqrt(a * (1.0 - a) / n_test) if n_test else 0.0
    return acc, se, chosen
