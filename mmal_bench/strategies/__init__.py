"""Query strategies: the submitter contract (`Strategy`, `PoolView`), the built-ins, and the checker.

`get_strategy(name)` returns a built-in; `check_strategy(strategy)` tests any strategy against the contract.
"""

from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.check import check_strategy, validate_selection
from mmal_bench.strategies.registry import BUILTIN_STRATEGIES, get_strategy

__all__ = ["BUILTIN_STRATEGIES", "PoolView", "Strategy", "check_strategy", "get_strategy", "validate_selection"]
