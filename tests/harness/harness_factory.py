"""Tiny in-memory datasets, protocols and strategies shared by the harness tests (built from numpy)."""

from __future__ import annotations

import numpy as np

from mmal_bench.data.cold_start import cold_start_orders
from mmal_bench.data.schema import BenchmarkData, Split
from mmal_bench.harness.protocol import Protocol, Regime
from mmal_bench.models.config import ModelConfig
from mmal_bench.strategies.base import PoolView, Strategy

TINY_MODEL = ModelConfig(hidden_sizes=(8,), embed_dim=4, steps=5)
TINY_REGIME = Regime("tiny", initial=6, batch_size=6, rounds=2)


def _split(rng: np.random.Generator, n: int, n_classes: int, start_id: int = 0) -> Split:
    labels = rng.integers(0, n_classes, n)
    a = (np.eye(n_classes)[labels] @ rng.normal(size=(n_classes, 4)) + 0.5 * rng.normal(size=(n, 4))).astype(np.float32)
    b = (np.eye(n_classes)[labels] @ rng.normal(size=(n_classes, 3)) + 1.5 * rng.normal(size=(n, 3))).astype(np.float32)
    present_b = rng.random(n) > 0.2
    b[~present_b] = 0.0
    return Split({"a": a, "b": b}, {"a": np.ones(n, bool), "b": present_b}, np.arange(n, dtype=np.int64), labels.astype(np.int64))


def tiny_data(name: str = "tiny", pool_size: int = 90, test_size: int = 60, n_classes: int = 3) -> BenchmarkData:
    """A 2-modality, 3-class dataset: ``a`` informative, ``b`` noisier with 20 % missing."""
    rng = np.random.default_rng(7)
    pool, test = _split(rng, pool_size, n_classes), _split(rng, test_size, n_classes)
    return BenchmarkData(
        name=name,
        version="1.0.0",
        fingerprint="sha256:tiny",
        modalities=("a", "b"),
        class_names=tuple(f"c{i}" for i in range(n_classes)),
        pool=pool,
        test=test,
        cold_start_order=cold_start_orders(pool.labels, base_seed=11, seeds=range(3), length=50),
        ground_truth={"a": 0.9, "b": 0.6, "a+b": 0.95},
    )


def tiny_protocol(data: BenchmarkData, regime: Regime = TINY_REGIME, seeds: tuple[int, ...] = (0, 1)) -> Protocol:
    return Protocol("test", "0.0.1", data.name, data.version, regime, seeds, TINY_MODEL)


class FirstUnlabeled(Strategy):
    """Deterministic: the first ``batch_size`` unlabelled ids."""

    name = "first"

    def select(self, view: PoolView, model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        return view.unlabeled_ids[:batch_size]


class RandomPick(Strategy):
    """Uniform random ids from the RNG the harness hands over."""

    name = "rand"

    def select(self, view: PoolView, model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(view.unlabeled_ids, batch_size, replace=False)


class MaxEntropy(Strategy):
    """Top-k predictive entropy (uses the model)."""

    name = "maxent"

    def select(self, view: PoolView, model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        p = model.predict_proba(view.unlabeled)
        h = -(p * np.log(np.clip(p, 1e-12, None))).sum(axis=1)
        return view.unlabeled_ids[np.argsort(-h, kind="stable")[:batch_size]]


class Exploding(Strategy):
    """Raises in round ``fail_round``."""

    name = "exploding"

    def __init__(self, fail_round: int = 1) -> None:
        self.fail_round = fail_round
        self.calls = 0

    def select(self, view: PoolView, model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        if len(view.labeled_ids) >= TINY_REGIME.initial + self.fail_round * TINY_REGIME.batch_size:
            raise RuntimeError("boom")
        return view.unlabeled_ids[-batch_size:]


class ReturnsLabeled(Strategy):
    """Returns already-labelled ids (a contract violation)."""

    name = "cheater"

    def select(self, view: PoolView, model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        return view.labeled_ids[:batch_size]
