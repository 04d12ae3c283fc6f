"""rl-mba-style: EXP3 policy by hand, the reward against a loop reference, JSON state, exact resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from strategies_factory import problem

from mmal_bench.models.config import ModelConfig
from mmal_bench.models.trainer import train_model
from mmal_bench.strategies.bandit import RLMBAStyle, exp3_policy
from mmal_bench.strategies.check import make_view, tiny_pool
from mmal_bench.strategies.state import canonical_state_json, validate_state


def test_exp3_policy_by_hand():
    assert exp3_policy(np.zeros(2), 1.0, 0.1).tolist() == pytest.approx([0.5, 0.5])
    assert exp3_policy(np.array([np.log(3.0), 0.0]), 1.0, 0.0).tolist() == pytest.approx([0.75, 0.25])
    assert exp3_policy(np.array([np.log(3.0), 0.0]), 1.0, 0.2).tolist() == pytest.approx([0.7, 0.3])
    assert exp3_policy(np.array([1e6, 0.0]), 1.0, 0.1).tolist() == pytest.approx([0.95, 0.05])  # stable


def test_reward_and_gain_update_match_a_loop_reference():
    view, model = problem()
    tracked = view.labeled_ids[:6].tolist()
    wrong = [(int(y) + 1) % view.n_classes for y in view.labeled_labels[:6]]  # last round's model was wrong on all
    state = {
        "modalities": list(model.modalities), "round": 1, "gains": [0.2, 0.0], "history": [],
        "pending": {"arm": 1, "probability": 0.4, "ids": tracked, "predicted": wrong},
    }
    _, new = RLMBAStyle().select(view, model, 5, np.random.default_rng(0), state=state)
    now = model.predict_proba(view.labeled).argmax(1)
    gain = np.mean([now[i] == view.labeled_labels[i] for i in range(6)]) - 0.0
    p = model.predict_proba_subsets(view.labeled, include_empty=True)
    a, b = model.modalities
    y_hat = p[f"{a}+{b}"].argmax(1)
    phi_a = [0.5 * ((p[f"{a}+{b}"][i, c] - p[b][i, c]) + (p[a][i, c] - p[""][i, c])) for i, c in enumerate(y_hat)]
    phi_b = [0.5 * ((p[f"{a}+{b}"][i, c] - p[a][i, c]) + (p[b][i, c] - p[""][i, c])) for i, c in enumerate(y_hat)]
    ma, mb = np.mean(np.abs(phi_a)), np.mean(np.abs(phi_b))
    reward = float(np.clip(gain - 0.5 * abs(ma - mb) / (ma + mb), -1, 1))
    assert new["history"][-1]["reward"] == pytest.approx(reward)
    assert new["gains"] == pytest.approx([0.2, reward / 0.4])
    assert new["round"] == 2 and new["pending"]["probability"] == pytest.approx(exp3_policy(np.array(new["gains"]), 1.0, 0.1)[new["pending"]["arm"]])


def test_state_is_canonical_json_and_bounded():
    view, model = problem()
    strategy = RLMBAStyle()
    _, state = strategy.select(view, model, 60, np.random.default_rng(0), state={})
    assert validate_state(state) == state
    type(strategy).max_tracked = 8  # the tracked rows are capped, whatever the batch size
    try:
        _, small = strategy.select(view, model, 60, np.random.default_rng(0), state={})
    finally:
        type(strategy).max_tracked = RLMBAStyle.max_tracked
    assert len(small["pending"]["ids"]) == 8 and set(small["pending"]["ids"]) <= set(view.unlabeled_ids.tolist())


def _run(rounds: int, tmp_path=None, resume_after: int | None = None) -> tuple[list[list[int]], dict]:
    """A tiny AL run of ``rounds`` queries; with ``resume_after`` the state goes to disk and a fresh
    strategy instance continues from it (what an interrupted, resumed run does)."""
    pool = tiny_pool(90, 3, seed=2)
    labeled = np.arange(12)
    strategy, state, picks = RLMBAStyle(), {}, []
    for r in range(rounds):
        view = make_view(pool, labeled, 3)
        model = train_model(view.labeled, view.labeled_labels, 3, ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=30), r)
        ids, state = strategy.select(view, model, 6, np.random.default_rng(100 + r), state=state)
        picks.append(sorted(ids.tolist()))
        labeled = np.concatenate([labeled, ids])
        if resume_after is not None and r == resume_after:
            path = tmp_path / "state.json"
            path.write_text(canonical_state_json(state))
            strategy, state = RLMBAStyle(), json.loads(path.read_text())
    return picks, state


def test_a_run_is_deterministic_and_resumes_exactly(tmp_path):
    straight = _run(3)
    assert _run(3) == straight
    assert _run(3, tmp_path, resume_after=0) == straight
    picks, state = straight
    assert state["round"] == 3 and len(state["history"]) == 3
    assert all(h["reward"] is not None for h in state["history"][1:])  # rounds 2 and 3 saw last round's labels
