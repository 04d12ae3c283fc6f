"""Query strategies: the submitter contract (`Strategy`, `PoolView`), the built-ins, and the checker.

`get_strategy(name)` returns a built-in; `check_strategy(strategy)` tests any strategy against the contract.
A strategy is stateless (``select(view, model, batch_size, rng) -> ids``) or, with ``stateful = True``,
keeps explicit per-run memory: ``select(view, model, batch_size, rng, state=state) -> (ids, new_state)``,
``state`` a JSON-able dict (``{}`` in round 0) that the harness validates (`state.validate_state`:
canonical-JSON round trip, at most 64 KiB) and passes to the next round of the same run;
`select_with_state` is the one call site the harness and the sandbox share.
"""

from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.check import check_strategy, validate_selection
from mmal_bench.strategies.registry import BUILTIN_STRATEGIES, get_strategy
from mmal_bench.strategies.state import MAX_STATE_BYTES, select_with_state, validate_state

__all__ = [
    "BUILTIN_STRATEGIES",
    "MAX_STATE_BYTES",
    "PoolView",
    "Strategy",
    "check_strategy",
    "get_strategy",
    "select_with_state",
    "validate_selection",
    "validate_state",
]
