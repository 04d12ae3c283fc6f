"""The built-in query strategies by name, and lookup with a clear error for unknown names.

Names are the public identifiers used in protocols, result files and the leaderboard.
"""

from __future__ import annotations

from mmal_bench.errors import ConfigError
from mmal_bench.strategies.bandit import RLMBAStyle
from mmal_bench.strategies.base import Strategy
from mmal_bench.strategies.conformal import ConformalDisagreement
from mmal_bench.strategies.evidential import EvidentialFusion
from mmal_bench.strategies.missing import MissingAware
from mmal_bench.strategies.multimodal import BMMAL, CoTesting, ModalityDisagreement, WeakestModalityUncertainty
from mmal_bench.strategies.noise import NoiseAware
from mmal_bench.strategies.unimodal import (
    BALD,
    Badge,
    CoreSet,
    EntropySampling,
    LeastConfidence,
    MarginSampling,
    RandomSampling,
)

BUILTIN_STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        RandomSampling,
        EntropySampling,
        MarginSampling,
        LeastConfidence,
        BALD,
        CoreSet,
        Badge,
        BMMAL,
        ModalityDisagreement,
        WeakestModalityUncertainty,
        CoTesting,
        EvidentialFusion,
        RLMBAStyle,
        ConformalDisagreement,
        MissingAware,
        NoiseAware,
    )
}


def get_strategy(name: str) -> Strategy:
    """A fresh instance of the built-in strategy ``name``."""
    try:
        return BUILTIN_STRATEGIES[name]()
    except KeyError:
        raise ConfigError(f"unknown strategy {name!r}; built-in strategies: {', '.join(BUILTIN_STRATEGIES)}") from None
