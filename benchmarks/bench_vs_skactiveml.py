"""mmal-bench's built-in strategies against scikit-activeml 1.0.1, like with like: time and peak memory.

Both sides get the same pool (two 64-dim float32 modalities, 10 classes, 500 labelled rows, batch
100) and the same fitted model (the default benchmark model, trained once). Two measurements:

* **end to end** — what a harness query costs: mmal-bench builds its read-only view and calls
  ``strategy.select`` (the model's forward pass inside); scikit-activeml's ``query`` gets a
  classifier wrapping that same model (rows gathered from the pool, then the same forward pass;
  CoreSet gets the model's embeddings of the whole pool, computed inside the timed call);
* **selection only** — the model outputs (float32, the model's own dtype) computed once beforehand
  and handed to both sides.

Every measurement runs in a forked child process: wall time of the call, and its peak memory as the
child's peak resident set (``VmHWM``; the kernel resets it at fork), reported as the whole process
(Python, torch, pool, model: what a harness worker needs) and as the part the query added.
Repeats are interleaved (every strategy and side once per repeat; all end-to-end runs before the
model outputs for selection-only runs are computed, so those do not inflate the end-to-end peaks);
the tables give min and median.
scikit-activeml's BADGE materialises the n × C·D gradient embeddings in float64; it is skipped above
``--sk-badge-max-rows`` (default 200,000: 1.0 GB there, 5.1 GB at a million rows).

Run: python benchmarks/bench_vs_skactiveml.py [--sizes 10000 100000 1000000] [--repeats 3]
     [--strategies entropy coreset ...] [--modes end-to-end selection]
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from collections.abc import Callable

import numpy as np
import torch
from skactiveml.base import SkactivemlClassifier
from skactiveml.pool import Badge, CoreSet, GreedyBALD, UncertaintySampling
from skactiveml.utils import MISSING_LABEL
from tabulate import tabulate
from threadpoolctl import threadpool_limits

from bench_query_latency import DIM, N_CLASSES, make_pool, measure  # the same pool and fork-per-call timing as the latency benchmark

from mmal_bench.data.schema import ModalBatch
from mmal_bench.harness.loop import build_view
from mmal_bench.models import ModelConfig, train_model
from mmal_bench.strategies import get_strategy
from mmal_bench.strategies.utils import entropy, k_center_greedy, kmeanspp_factorised, margin, mutual_information, top_k

BATCH, N_LABELED, MC_SAMPLES = 100, 500, 10
STRATEGIES = ("entropy", "margin", "least-confidence", "coreset", "badge", "bald")
#: The dropout seed mmal-bench's BALD draws first from ``default_rng(0)``: both sides see the same masks.
BALD_SEED = int(np.random.default_rng(0).integers(2**31 - 1))
SK_UNCERTAINTY = {"entropy": "entropy", "margin": "margin_sampling", "least-confidence": "least_confident"}




class PoolModelClassifier(SkactivemlClassifier):
    """A scikit-activeml classifier whose samples are pool row numbers (``X[:, 0]``) and whose outputs
    come from a function of those rows: the same fitted model (end to end) or precomputed outputs."""

    def __init__(self, proba=None, sample=None, classes=None, missing_label=MISSING_LABEL, random_state=None):
        super().__init__(classes=classes, missing_label=missing_label, random_state=random_state)
        self.proba = proba
        self.sample = sample

    def fit(self, X, y, sample_weight=None):
        self._validate_data(X, y)
        return self

    def predict_proba(self, X):
        return self.proba(np.asarray(X[:, 0], dtype=np.int64))

    def sample_proba(self, X, n_samples=MC_SAMPLES):
        return self.sample(np.asarray(X[:, 0], dtype=np.int64), n_samples)


def proba_and_embedding(a: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(p, h)`` for scikit-activeml's BADGE from one forward pass: ``a = p − onehot(argmax p)`` is
    negative only at the argmax (or all zero for a one-hot p), so adding 1 there gives p back."""
    p = a.copy()
    p[np.arange(len(p)), p.argmin(axis=1)] += 1.0
    return p, h


class Problem:
    """One pool size: the pool, labels as scikit-activeml sees them, the fitted model, and both sides'
    query callables per strategy and mode."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pool = make_pool(n)
        self.labeled = np.arange(N_LABELED)
        self.y = np.full(n, MISSING_LABEL)
        self.y[self.labeled] = self.pool.labels[self.labeled]
        self.rows = np.arange(n, dtype=np.float64)[:, None]  # scikit-activeml's X: pool row numbers
        view = build_view(self.pool, self.labeled, N_CLASSES)
        self.model = train_model(view.labeled, view.labeled_labels, N_CLASSES, ModelConfig(), 0)
        self.classes = np.arange(N_CLASSES)
        self.unlabeled = np.arange(N_LABELED, n)
        self.precomputed: dict[str, np.ndarray] = {}

    def batch(self, idx: np.ndarray) -> ModalBatch:
        return ModalBatch({m: x[idx] for m, x in self.pool.features.items()}, {m: p[idx] for m, p in self.pool.present.items()})

    def precompute(self) -> None:
        """Model outputs for selection-only timing (float32, as the model emits them)."""
        unl = self.batch(self.unlabeled)
        self.precomputed = {
            "proba": self.model.predict_proba(unl),
            "embed": self.model.embed(self.pool),
            "samples": self.model.mc_dropout_proba(unl, MC_SAMPLES, BALD_SEED),
        }
        self.precomputed["a"], self.precomputed["h"] = self.model.gradient_embedding_factors(unl)

    # -- mmal-bench ---------------------------------------------------------------------------------

    def ours_end_to_end(self, name: str) -> Callable[[], np.ndarray]:
        strategy = get_strategy(name)

        def run() -> np.ndarray:
            view = build_view(self.pool, self.labeled, N_CLASSES)
            return strategy.select(view, self.model, BATCH, np.random.default_rng(0))

        return run

    def ours_selection(self, name: str) -> Callable[[], np.ndarray]:
        pre, rng = self.precomputed, np.random.default_rng(0)
        ids = self.unlabeled
        return {
            "entropy": lambda: ids[top_k(entropy(pre["proba"]), BATCH)],
            "margin": lambda: ids[top_k(-margin(pre["proba"]), BATCH)],
            "least-confidence": lambda: ids[top_k(1.0 - pre["proba"].max(axis=1).astype(np.float64), BATCH)],
            "coreset": lambda: ids[k_center_greedy(pre["embed"][ids], pre["embed"][self.labeled], BATCH, rng)],
            "badge": lambda: ids[kmeanspp_factorised(pre["a"], pre["h"], BATCH, rng)],
            "bald": lambda: ids[top_k(mutual_information(pre["samples"]), BATCH)],
        }[name]

    # -- scikit-activeml ------------------------------------------------------------------------------

    def theirs(self, name: str, mode: str) -> Callable[[], np.ndarray]:
        model, pre = self.model, self.precomputed
        if mode == "end to end":
            proba = lambda idx: model.predict_proba(self.batch(idx))  # noqa: E731
            with_embedding = lambda idx: proba_and_embedding(*model.gradient_embedding_factors(self.batch(idx)))  # noqa: E731
            sample = lambda idx, t: model.mc_dropout_proba(self.batch(idx), t, BALD_SEED)  # noqa: E731
            embed = lambda: model.embed(self.pool)  # noqa: E731
        else:
            position = lambda idx: idx - N_LABELED  # noqa: E731 - precomputed rows are the unlabelled ones
            proba = lambda idx: pre["proba"][position(idx)]  # noqa: E731
            with_embedding = lambda idx: (pre["proba"][position(idx)], pre["h"][position(idx)])  # noqa: E731
            sample = lambda idx, t: pre["samples"][:, position(idx)]  # noqa: E731
            embed = lambda: pre["embed"]  # noqa: E731
        if name in SK_UNCERTAINTY:
            clf = PoolModelClassifier(proba=proba, classes=self.classes).fit(self.rows, self.y)
            strategy = UncertaintySampling(method=SK_UNCERTAINTY[name], random_state=0)
            return lambda: strategy.query(self.rows, self.y, clf, fit_clf=False, batch_size=BATCH)
        if name == "coreset":
            return lambda: CoreSet(random_state=0).query(embed(), self.y, batch_size=BATCH)
        if name == "badge":
            clf = PoolModelClassifier(proba=with_embedding, classes=self.classes).fit(self.rows, self.y)
            return lambda: Badge(random_state=0).query(self.rows, self.y, clf, fit_clf=False, batch_size=BATCH)
        clf = PoolModelClassifier(sample=sample, classes=self.classes).fit(self.rows, self.y)
        bald = GreedyBALD(sample_predictions_method_name="sample_proba", sample_predictions_dict={"n_samples": MC_SAMPLES}, random_state=0)
        return lambda: bald.query(self.rows, self.y, clf, fit_ensemble=False, batch_size=BATCH)


def agreement(name: str, ours: np.ndarray, theirs: np.ndarray) -> str:
    if name in ("badge",):
        return "same first pick" if ours[0] == theirs[0] else "first pick differs"
    if name == "coreset":
        return "same ids" if ours.tolist() == theirs.tolist() else "differs"
    return "same set" if set(ours.tolist()) == set(theirs.tolist()) else f"{len(set(ours.tolist()) & set(theirs.tolist()))}/{BATCH} shared"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--modes", nargs="+", default=["end-to-end", "selection"], choices=["end-to-end", "selection"])
    parser.add_argument("--sk-badge-max-rows", type=int, default=200_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    threadpool_limits(1)  # one BLAS thread on both sides: the harness runs one process per core
    warnings.filterwarnings("ignore")
    modes = sorted({m.replace("-", " ") for m in args.modes}, key=lambda m: m != "end to end")
    rows = []
    times: dict[tuple[str, str, str], dict[int, float]] = {}
    for n in args.sizes:
        problem = Problem(n)
        samples: dict[tuple[str, str, str], list[tuple[float, float, float]]] = {}
        picks: dict[tuple[str, str, str], np.ndarray] = {}
        for mode in modes:  # end to end first: its peaks must not include the precomputed outputs
            if mode == "selection":
                problem.precompute()
            for _ in range(args.repeats):
                for name in args.strategies:
                    sides = {"mmal-bench": problem.ours_end_to_end(name) if mode == "end to end" else problem.ours_selection(name)}
                    if name != "badge" or n <= args.sk_badge_max_rows:
                        sides["scikit-activeml"] = problem.theirs(name, mode)
                    for side, fn in sides.items():
                        seconds, peak, added, out = measure(fn)
                        samples.setdefault((name, mode, side), []).append((seconds, peak, added))
                        picks[(name, mode, side)] = out
        for name in args.strategies:
            for mode in modes:
                ours = samples[(name, mode, "mmal-bench")]
                theirs = samples.get((name, mode, "scikit-activeml"))
                t_ours = [s[0] for s in ours]
                times.setdefault((name, mode, "mmal-bench"), {})[n] = min(t_ours)
                row = [name, mode, n, min(t_ours), statistics.median(t_ours), max(s[1] for s in ours), max(s[2] for s in ours)]
                if theirs:
                    t_theirs = [s[0] for s in theirs]
                    times.setdefault((name, mode, "scikit-activeml"), {})[n] = min(t_theirs)
                    row += [min(t_theirs), statistics.median(t_theirs), max(s[1] for s in theirs), max(s[2] for s in theirs)]
                    row += [min(t_theirs) / min(t_ours), agreement(name, picks[(name, mode, "mmal-bench")], picks[(name, mode, "scikit-activeml")])]
                else:
                    row += [None, None, None, None, None, f"scikit-activeml skipped (n·C·D float64 = {n * N_CLASSES * 2 * 32 * 8 / 1e9:.1f} GB)"]
                rows.append(row)
        del problem
    print(
        f"seconds and peak resident memory (GB) per query: batch {BATCH}, {N_CLASSES} classes, 2 x {DIM}-dim float32 "
        f"modalities, {N_LABELED} labelled, default model, 1 thread; {args.repeats} interleaved repeats"
    )
    print(
        tabulate(
            rows,
            headers=["strategy", "mode", "pool rows", "ours min", "ours median", "ours peak", "ours +query",
                     "sk min", "sk median", "sk peak", "sk +query", "speed-up (min)", "picks"],
            floatfmt=("", "", "", ".3f", ".3f", ".2f", ".2f", ".3f", ".3f", ".2f", ".2f", ".1f", ""),
            tablefmt="github",
            missingval="—",
        )
    )
    if len(args.sizes) > 1:
        growth = []
        for (name, mode, side), by_size in sorted(times.items()):
            sizes = [s for s in args.sizes if s in by_size]
            growth.append([name, mode, side, *(f"{by_size[b] / by_size[a]:.1f}" for a, b in zip(sizes, sizes[1:]))])
        print("\ngrowth of the min time per step of --sizes")
        print(tabulate(growth, headers=["strategy", "mode", "side", *(f"{a}→{b}" for a, b in zip(args.sizes, args.sizes[1:]))], tablefmt="github"))


if __name__ == "__main__":
    main()
