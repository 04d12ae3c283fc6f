"""The loop's per-run strategy state: passed from round to round within a run, fresh per run, validated."""

from __future__ import annotations

import json

from harness_factory import tiny_data, tiny_protocol

from mmal_bench.harness.loop import StrategyEntry, run_group
from mmal_bench.strategies import Strategy

DATA = tiny_data()
PROTOCOL = tiny_protocol(DATA)


class Recorder(Strategy):
    """Stateful: returns its round count and every state it received (class-level log for the test)."""

    name = "recorder"
    stateful = True
    received: list = []

    def select(self, view, model, batch_size, rng, state):
        type(self).received.append(json.loads(json.dumps(state)))
        return view.unlabeled_ids[:batch_size], {"round": state.get("round", -1) + 1, "seen": len(view.labeled_ids)}


class BadState(Recorder):
    name = "bad-state"

    def select(self, view, model, batch_size, rng, state):
        return view.unlabeled_ids[:batch_size], {"weights": (0.5, 0.5)}


def test_state_flows_round_to_round_and_starts_empty_per_run():
    Recorder.received = []
    for seed in (0, 1):
        outcome = run_group(DATA, PROTOCOL, seed, [StrategyEntry.of(Recorder())])
        assert not outcome.failures
    # two runs of two query rounds: {} then what round 0 returned, for each run
    assert Recorder.received == [{}, {"round": 0, "seen": 6}, {}, {"round": 0, "seen": 6}]


def test_invalid_state_fails_only_that_cell_with_a_reason():
    outcome = run_group(DATA, PROTOCOL, 0, [StrategyEntry.of(BadState()), StrategyEntry.of(Recorder())])
    assert "recorder" in outcome.results
    assert "changes in a JSON round trip" in outcome.failures["bad-state"]
