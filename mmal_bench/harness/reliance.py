"""Over-reliance in one game, measured on the instance that is scored: the model trained on random
labels against unimodal and fused reference models trained on the same labels of the same instance.

This is the control's check (on a symmetric dataset the measure must read 0 over instances) and the
reference 3.0.0 asks for: references computed on the public instance cannot cancel the asymmetry of
a hidden one (0.03–0.10 of share between instances of one generator, REFERENCES.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from mmal_bench.data.schema import BenchmarkData, subset_key
from mmal_bench.harness import metrics
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.trainer import train_models


def _seed(*parts: object) -> int:
    """A stable 31-bit seed from ``parts`` (model seeds and labelled sets differ per instance, n and seed)."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "big") >> 1


def random_reliance(data: BenchmarkData, model: ModelConfig, budgets: Sequence[int], seeds: Sequence[int]) -> np.ndarray:
    """Signed over-reliance in one game of random sampling's model, ``(len(seeds), len(budgets), M)``.

    For each seed and budget n: a uniformly random labelled set of n pool rows (random sampling's
    labelled set at n); the fused model trained on it gives the model's game (its subset accuracies
    through the model's absent path, v(∅) the test set's majority rate); unimodal reference models
    (the same model with the other modality absent in training and test) trained on the same rows
    give v({m}), the fused model itself v(all) (the fused reference at n on random labels *is* random's
    model). NaN where either side's contribution is below 3 standard errors of the accuracy.

    Parameters
    ----------
    data: one instance of a two-modality dataset.
    model: the benchmark model (3.0.0: trained with modality dropout, so that its absent path is learned).
    budgets, seeds: labelled-set sizes and replicate seeds.
    """
    modalities = list(data.modalities)
    if len(modalities) != 2:
        raise ValueError(f"over-reliance in one game is defined for two modalities, {data.ref} has {len(modalities)}")
    test = data.test
    truth = test.clean_labels if test.clean_labels is not None else test.labels
    empty = metrics.empty_coalition_value(truth, data.n_classes)
    fingerprint = data.fingerprint
    out = np.full((len(seeds), len(budgets), len(modalities)), np.nan)
    for j, n in enumerate(budgets):  # a handful of budgets; members of one budget train in one batched call
        rows = [np.random.default_rng(_seed(fingerprint, n, s, "rows")).choice(len(data.pool), size=int(n), replace=False) for s in seeds]
        batches = [data.pool.take(r) for r in rows]
        labels = [b.labels for b in batches]
        fused = train_models(batches, labels, data.n_classes, model, [_seed(fingerprint, n, s, "fused") for s in seeds])
        unimodal = {
            m: train_models([b.restricted_to([m]) for b in batches], labels, data.n_classes, model, [_seed(fingerprint, n, s, m) for s in seeds])
            for m in modalities
        }
        for i in range(len(seeds)):
            proba = fused[i].predict_proba_subsets(test)
            game = {key: metrics.accuracy(truth, np.argmax(p, axis=1)) for key, p in proba.items()}
            full = game[subset_key(modalities, modalities)]
            refs = [metrics.accuracy(truth, np.argmax(unimodal[m][i].predict_proba(test, [m]), axis=1)) for m in modalities]
            floor = metrics.accuracy_noise_floor(full, len(truth))
            out[i, j] = metrics.over_reliance_in_one_game(game, modalities, refs, full, empty, floor)
    return out
