"""check_strategy / validate_selection catch every kind of broken strategy with a clear message."""

from __future__ import annotations

import numpy as np
import pytest
from strategies_factory import problem

import mmal_bench
from mmal_bench.errors import StrategyError
from mmal_bench.strategies import BUILTIN_STRATEGIES, Strategy, check_strategy, validate_selection


def _strategy(select_fn, name="bad"):
    return type("Bad", (Strategy,), {"name": name, "select": lambda self, view, model, k, rng: select_fn(view, k, rng)})()


@pytest.mark.parametrize(
    ("select_fn", "message"),
    [
        (lambda v, k, rng: v.unlabeled_ids[: k - 1] if k > 1 else v.unlabeled_ids[:2], "exactly batch_size"),
        (lambda v, k, rng: np.repeat(v.unlabeled_ids[:1], k), "duplicate ids"),
        (lambda v, k, rng: np.concatenate([v.labeled_ids[:1], v.unlabeled_ids[: k - 1]]), "already labeled ids"),
        (lambda v, k, rng: np.arange(10_000, 10_000 + k), "not in the pool"),
        (lambda v, k, rng: v.unlabeled_ids[:k].astype(float) + 0.5, "not integers"),
        (lambda v, k, rng: np.full(k, np.nan), "NaN ids"),
        (lambda v, k, rng: None, "returned None"),
        (lambda v, k, rng: v.unlabeled_ids[:k].reshape(1, -1), "1-d array"),
        (lambda v, k, rng: v.unlabeled_ids[np.random.default_rng().choice(len(v.unlabeled_ids), k, replace=False)], "not deterministic"),
        (lambda v, k, rng: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_check_strategy_catches(select_fn, message):
    with pytest.raises(StrategyError, match=message):
        check_strategy(_strategy(select_fn))


def test_check_strategy_catches_view_mutation():
    def mutate(view, k, rng):
        x = view.unlabeled.features["image"]
        x.flags.writeable = True  # allowed on a view of a writeable copy: the hash still catches it
        x[0, 0] += 1.0
        return view.unlabeled_ids[:k]

    with pytest.raises(StrategyError, match="modified the pool view"):
        check_strategy(_strategy(mutate))


def test_view_arrays_are_read_only():
    def write(view, k, rng):
        view.unlabeled.features["image"][0, 0] = 1.0
        return view.unlabeled_ids[:k]

    with pytest.raises(StrategyError, match="read-only"):
        check_strategy(_strategy(write))


def test_check_strategy_needs_a_name_and_a_strategy():
    with pytest.raises(StrategyError, match="has no `name`"):
        check_strategy(_strategy(lambda v, k, rng: v.unlabeled_ids[:k], name=""))
    with pytest.raises(StrategyError, match="is not a mmal_bench.strategies.Strategy"):
        check_strategy(object())


@pytest.mark.parametrize("name", list(BUILTIN_STRATEGIES))
def test_every_builtin_passes(name):
    mmal_bench.check_strategy(BUILTIN_STRATEGIES[name]())


def test_validate_selection_returns_int64():
    view, _ = problem()
    out = validate_selection([int(i) for i in view.unlabeled_ids[:3]], view, 3)
    assert out.dtype == np.int64 and out.tolist() == view.unlabeled_ids[:3].tolist()
    with pytest.raises(StrategyError, match=r"^my-strat returned 2 ids; exactly batch_size=3"):
        validate_selection(view.unlabeled_ids[:2], view, 3, name="my-strat")
