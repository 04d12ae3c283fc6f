"""A protocol fixes everything about an active-learning run except the strategy.

Protocols are frozen data; `Protocol.protocol_hash` (sha256 of the canonical JSON) is stamped on every
result so that a number can always be traced to the exact budgets, seeds and model settings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from mmal_bench.errors import ConfigError
from mmal_bench.harness.results import canonical_json
from mmal_bench.models.config import ModelConfig
from mmal_bench.version import BENCHMARK_VERSION


@dataclass(frozen=True)
class Regime:
    """A labelling budget: ``initial`` cold-start labels, then ``rounds`` queries of ``batch_size``.

    A run trains ``rounds + 1`` models (one per budget point); the last model's budget is
    ``initial + rounds * batch_size`` labels.
    """

    name: str
    initial: int
    batch_size: int
    rounds: int

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").isalnum():
            raise ConfigError(f"regime name {self.name!r} must be a short alphanumeric name (e.g. low)")
        for label, value, low in (("initial", self.initial, 1), ("batch_size", self.batch_size, 1), ("rounds", self.rounds, 0)):
            if not isinstance(value, int) or value < low:
                raise ConfigError(f"regime {self.name}: {label} must be an integer >= {low}, got {value!r}")

    @property
    def budgets(self) -> tuple[int, ...]:
        """Number of labels at each round, round 0 (cold start) first."""
        return tuple(self.initial + r * self.batch_size for r in range(self.rounds + 1))

    @property
    def max_labels(self) -> int:
        return self.budgets[-1]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "initial": self.initial, "batch_size": self.batch_size, "rounds": self.rounds}


@dataclass(frozen=True)
class Protocol:
    """Everything a cell's numbers depend on except the strategy and the seed being run.

    ``seeds`` is the protocol's full seed set (a run may execute a subset of it; the hash does not
    change with the selection). The cold-start labelled set for a seed is the dataset's official one
    (``BenchmarkData.cold_start(seed, regime.initial)``); the model trained in round r of seed s is
    initialised from `model_seed` (s, r), the same for every strategy (common random numbers).
    """

    suite: str
    suite_version: str
    dataset: str
    dataset_version: str
    regime: Regime
    seeds: tuple[int, ...]
    model: ModelConfig = field(default_factory=ModelConfig)
    benchmark_version: str = BENCHMARK_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        if not self.seeds or len(set(self.seeds)) != len(self.seeds) or min(self.seeds) < 0:
            raise ConfigError(f"protocol {self.suite}/{self.dataset_ref}/{self.regime.name}: seeds must be distinct non-negative integers, got {self.seeds}")

    @property
    def dataset_ref(self) -> str:
        return f"{self.dataset}@{self.dataset_version}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; its canonical JSON is what `protocol_hash` hashes."""
        return {
            "benchmark_version": self.benchmark_version,
            "suite": self.suite,
            "suite_version": self.suite_version,
            "dataset": self.dataset,
            "dataset_version": self.dataset_version,
            "regime": self.regime.to_dict(),
            "seeds": list(self.seeds),
            "model": self.model.to_dict(),
        }

    @property
    def protocol_hash(self) -> str:
        return "sha256:" + hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()


def model_seed(seed: int, round_index: int) -> int:
    """Initialisation seed of the model trained in ``round_index`` of run ``seed``.

    Independent of the strategy, so every strategy's round-r model starts from the same weights and
    differences between strategies come from the labelled sets alone.
    """
    return _derive(f"model:{seed}:{round_index}")


def query_seed(seed: int, round_index: int, strategy: str) -> int:
    """Seed of the RNG handed to ``strategy`` in ``round_index`` of run ``seed`` (stable across versions
    of numpy: derived by sha256, not by an RNG)."""
    return _derive(f"query:{seed}:{round_index}:{strategy}")


def _derive(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1
