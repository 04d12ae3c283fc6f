"""Per-run state of stateful strategies: how the harness (and the sandbox) calls `select` and checks
the state a strategy hands to its next round (canonical-JSON round trip, size cap).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from mmal_bench.errors import StrategyError
from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy

#: Largest state a strategy may carry from one round to the next, as canonical JSON (UTF-8 bytes).
MAX_STATE_BYTES = 64 * 1024


def canonical_state_json(state: object, name: str = "strategy") -> str:
    """The canonical JSON text of ``state`` (sorted keys, no spaces, ASCII, finite numbers only).

    Raises a one-line `StrategyError` if ``state`` is not a dict, cannot be encoded, does not decode to
    an equal object (tuples, non-string keys, numpy scalars other than float64), or exceeds
    `MAX_STATE_BYTES`.
    """
    if not isinstance(state, dict):
        raise StrategyError(f"{name} returned state of type {type(state).__name__}; return (ids, new_state) with new_state a dict")
    try:
        text = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StrategyError(
            f"{name} returned state that is not JSON-serialisable ({exc}); use only dict, list, str, int, finite float, bool, None"
        ) from None
    if len(text.encode()) > MAX_STATE_BYTES:
        raise StrategyError(f"{name} returned state of {len(text.encode())} bytes as JSON; the limit is {MAX_STATE_BYTES} bytes")
    if json.loads(text) != state:
        raise StrategyError(
            f"{name} returned state that changes in a JSON round trip (tuples, non-string keys?); "
            "use lists and string keys so the next round sees exactly what you returned"
        )
    return text


def validate_state(state: object, name: str = "strategy") -> dict[str, Any]:
    """The state the next round receives: ``state`` decoded from its canonical JSON (a fresh object,
    so the strategy cannot keep a reference into it). Errors as `canonical_state_json`."""
    return json.loads(canonical_state_json(state, name))


def select_with_state(
    strategy: Strategy,
    view: PoolView,
    model: FittedModel,
    batch_size: int,
    rng: np.random.Generator,
    state: dict[str, Any],
    name: str = "strategy",
) -> tuple[object, dict[str, Any]]:
    """Run one query: ``(ids, next_state)``. Stateless strategies keep ``state`` as it is (``{}``);
    stateful ones get ``state=`` and must return ``(ids, new_state)``, validated by `validate_state`.
    The ids are returned unvalidated (`validate_selection` checks them against the view)."""
    if not getattr(strategy, "stateful", False):
        return strategy.select(view, model, batch_size, rng), state
    out = strategy.select(view, model, batch_size, rng, state=state)  # type: ignore[call-arg]
    if not isinstance(out, tuple) or len(out) != 2:
        raise StrategyError(f"{name} is stateful but select() returned {type(out).__name__}; return a tuple (ids, new_state)")
    return out[0], validate_state(out[1], name)
