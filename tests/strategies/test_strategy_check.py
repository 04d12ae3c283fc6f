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
def test_every_builtin_passes(name, capsys):
    mmal_bench.check_strategy(BUILTIN_STRATEGIES[name]())
    printed = capsys.readouterr().out
    assert printed.startswith(f"check_strategy: {name} passed (") and printed.count("\n") == 1 and "absent modalities" in printed


def test_check_strategy_takes_the_class_or_an_instance_and_can_be_quiet(capsys):
    cls = BUILTIN_STRATEGIES["random"]
    check_strategy(cls)
    check_strategy(cls())
    assert capsys.readouterr().out.count("check_strategy: random passed") == 2
    check_strategy(cls(), verbose=False)
    assert capsys.readouterr().out == ""


def test_validate_selection_returns_int64():
    view, _ = problem()
    out = validate_selection([int(i) for i in view.unlabeled_ids[:3]], view, 3)
    assert out.dtype == np.int64 and out.tolist() == view.unlabeled_ids[:3].tolist()
    with pytest.raises(StrategyError, match=r"^my-strat returned 2 ids; exactly batch_size=3"):
        validate_selection(view.unlabeled_ids[:2], view, 3, name="my-strat")


class _Stateful(Strategy):
    name = "stateful"
    stateful = True

    def select(self, view, model, k, rng, state):
        return view.unlabeled_ids[:k], {"rounds": state.get("rounds", 0) + 1}


def test_check_strategy_accepts_a_well_behaved_stateful_strategy():
    check_strategy(_Stateful())


def test_check_strategy_catches_hidden_memory_and_bad_state():
    class Hidden(_Stateful):
        calls = 0

        def select(self, view, model, k, rng, state):
            type(self).calls += 1
            return view.unlabeled_ids[:k], {"calls": self.calls}

    with pytest.raises(StrategyError, match="not deterministic across two identical runs"):
        check_strategy(Hidden())

    class Tuples(_Stateful):
        def select(self, view, model, k, rng, state):
            return view.unlabeled_ids[:k], {"w": (1, 2)}

    with pytest.raises(StrategyError, match="changes in a JSON round trip"):
        check_strategy(Tuples())


@pytest.mark.parametrize(
    ("select_fn", "case"),
    [
        # takes every row scoring at least the k-th distinct score: too many ids when rows repeat
        (lambda v, k, rng: v.unlabeled_ids[v.unlabeled.features["image"][:, 0] >= np.unique(v.unlabeled.features["image"][:, 0])[-k]], "duplicate feature rows"),
        # only looks at complete rows, and finds too few when a modality is often absent
        (lambda v, k, rng: v.unlabeled_ids[np.flatnonzero(v.unlabeled.present["image"] & v.unlabeled.present["text"])[: 4 * k : 4]], "absent modalities"),
        # assumes at least two batches to choose from
        (lambda v, k, rng: v.unlabeled_ids[k : 2 * k], "smaller than two batches"),
        # assumes both classes are labelled
        (lambda v, k, rng: v.unlabeled_ids[:k] if len(np.unique(v.labeled_labels)) > 1 else None, "one class only"),
    ],
)
def test_check_strategy_probes_the_cases_that_break_real_strategies(select_fn, case):
    with pytest.raises(StrategyError, match=case):
        check_strategy(_strategy(select_fn))
