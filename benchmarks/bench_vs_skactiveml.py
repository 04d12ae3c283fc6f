"""BADGE, CoreSet and entropy selection: mmal-bench's vectorised code against scikit-activeml 1.0.1.

Identical inputs on both sides: embeddings H (n, 64), probabilities P = softmax(H W) (10 classes,
computed by the same function inside the timed call on both sides), 500 labelled rows, batch 100.
Run: python benchmarks/bench_vs_skactiveml.py [--sizes 1000 10000 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch
from skactiveml.base import SkactivemlClassifier
from skactiveml.pool import Badge, CoreSet, UncertaintySampling
from skactiveml.utils import MISSING_LABEL
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from mmal_bench.strategies.utils import entropy, k_center_greedy, kmeanspp_factorised, top_k

DIM, N_CLASSES, BATCH, N_LABELED = 64, 10, 100, 500


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class FixedLinearClassifier(SkactivemlClassifier):
    """A 'fitted' linear softmax classifier with fixed weights, so both libraries see the same P."""

    def __init__(self, weights=None, embeddings=False, classes=None, missing_label=MISSING_LABEL, random_state=None):
        super().__init__(classes=classes, missing_label=missing_label, random_state=random_state)
        self.weights = weights
        self.embeddings = embeddings

    def fit(self, X, y, sample_weight=None):
        self._validate_data(X, y)
        return self

    def predict_proba(self, X):
        p = softmax(np.asarray(X) @ self.weights)
        return (p, np.asarray(X)) if self.embeddings else p


def ours_entropy(H_unl, W, rng):
    return top_k(entropy(softmax(H_unl @ W)), BATCH)


def ours_coreset(H_unl, H_lab, rng):
    return k_center_greedy(H_unl, H_lab, BATCH, rng)


def ours_badge(H_unl, W, rng):
    p = softmax(H_unl @ W)
    a = p - np.eye(N_CLASSES)[p.argmax(1)]
    return kmeanspp_factorised(a, H_unl, BATCH, rng)


def best_of(fn, repeats):
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    threadpool_limits(1)  # one BLAS thread on both sides: the harness runs one process per core
    warnings.filterwarnings("ignore")
    rows = []
    for n in args.sizes:
        rng = np.random.default_rng(n)
        H = rng.normal(size=(n + N_LABELED, DIM))
        W = rng.normal(scale=0.3, size=(DIM, N_CLASSES))
        y = np.full(n + N_LABELED, MISSING_LABEL)
        y[:N_LABELED] = rng.integers(0, N_CLASSES, N_LABELED)
        H_lab, H_unl = H[:N_LABELED], H[N_LABELED:]
        classes = np.arange(N_CLASSES)
        reps = args.repeats if n < 100_000 else 1
        clf = FixedLinearClassifier(W, classes=classes).fit(H, y)
        clf_emb = FixedLinearClassifier(W, embeddings=True, classes=classes).fit(H, y)

        t_ours, ids = best_of(lambda: ours_entropy(H_unl, W, np.random.default_rng(0)), reps)
        t_sk, sk = best_of(lambda: UncertaintySampling(method="entropy").query(H, y, clf, fit_clf=False, batch_size=BATCH), reps)
        same = set((ids + N_LABELED).tolist()) == set(np.asarray(sk).tolist())
        rows.append(["entropy", n, t_sk, t_ours, t_sk / t_ours, "same set" if same else "differs"])

        t_ours, ids = best_of(lambda: ours_coreset(H_unl, H_lab, np.random.default_rng(0)), reps)
        t_sk, sk = best_of(lambda: CoreSet().query(H, y, batch_size=BATCH), reps)
        same = (ids + N_LABELED).tolist() == np.asarray(sk).tolist()
        rows.append(["coreset", n, t_sk, t_ours, t_sk / t_ours, "same ids" if same else "differs"])

        t_ours, ids = best_of(lambda: ours_badge(H_unl, W, np.random.default_rng(0)), reps)
        t_sk, sk = best_of(lambda: Badge(random_state=0).query(H, y, clf_emb, fit_clf=False, batch_size=BATCH), reps)
        first = "same first pick" if ids[0] + N_LABELED == np.asarray(sk)[0] else "differs"
        rows.append(["badge", n, t_sk, t_ours, t_sk / t_ours, first + " (then random)"])
    print(f"selection time (s), batch {BATCH}, {N_CLASSES} classes, {DIM}-dim embeddings, {N_LABELED} labelled, 1 thread")
    print(
        tabulate(
            rows,
            headers=["strategy", "pool", "scikit-activeml", "mmal-bench", "speed-up", "selection"],
            floatfmt=("", "", ".4f", ".4f", ".1f", ""),
            tablefmt="github",
        )
    )


if __name__ == "__main__":
    main()
