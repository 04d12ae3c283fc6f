"""Per-run strategy state: the canonical-JSON check and how `select_with_state` calls strategies."""

from __future__ import annotations

import numpy as np
import pytest
from strategies_factory import problem

from mmal_bench.errors import StrategyError
from mmal_bench.strategies import Strategy, get_strategy
from mmal_bench.strategies.state import MAX_STATE_BYTES, canonical_state_json, select_with_state, validate_state


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ([1, 2], "state of type list"),
        ({"w": (1.0, 2.0)}, "changes in a JSON round trip"),
        ({1: "a"}, "changes in a JSON round trip"),
        ({"x": float("nan")}, "not JSON-serialisable"),
        ({"x": np.float32(1.5)}, "not JSON-serialisable"),
        ({"x": {1, 2}}, "not JSON-serialisable"),
        ({"x": "a" * MAX_STATE_BYTES}, "the limit is 65536 bytes"),
    ],
)
def test_bad_state_is_rejected_with_a_reason(state, message):
    with pytest.raises(StrategyError, match=message):
        validate_state(state, "s")


def test_state_round_trips_to_a_fresh_equal_object():
    state = {"b": [1, 2.5, None, True], "a": {"nested": "x"}, "c": np.float64(0.1)}
    out = validate_state(state)
    assert out == state and out is not state and out["a"] is not state["a"]
    assert canonical_state_json(state) == '{"a":{"nested":"x"},"b":[1,2.5,null,true],"c":0.1}'


class _Counter(Strategy):
    name = "counter"
    stateful = True

    def select(self, view, model, batch_size, rng, state):
        n = state.get("n", 0)
        return view.unlabeled_ids[n : n + batch_size], {"n": n + batch_size}


def test_select_with_state_passes_state_only_to_stateful_strategies():
    view, model = problem()
    ids, state = select_with_state(_Counter(), view, model, 3, np.random.default_rng(0), {"n": 2})
    assert ids.tolist() == view.unlabeled_ids[2:5].tolist() and state == {"n": 5}
    ids, state = select_with_state(get_strategy("entropy"), view, model, 3, np.random.default_rng(0), {})
    assert len(ids) == 3 and state == {}


def test_stateful_strategy_must_return_a_pair():
    bad = type("Bad", (_Counter,), {"name": "bad", "select": lambda self, v, m, k, rng, state: v.unlabeled_ids[:k]})()
    view, model = problem()
    with pytest.raises(StrategyError, match="stateful but select\\(\\) returned ndarray"):
        select_with_state(bad, view, model, 3, np.random.default_rng(0), {}, name="bad")
