"""`rl-mba-style`: modality weights adapted across rounds by an EXP3 bandit, combined with evidential
difficulty and diversity (after RL-MBA, Zeng et al., CVPR 2026; no public code). The first stateful
built-in: its bandit memory lives only in the per-run ``state`` the harness passes in and out.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from mmal_bench.data.schema import ModalBatch
from mmal_bench.models.base import FittedModel
from mmal_bench.strategies.base import PoolView, Strategy
from mmal_bench.strategies.diversity import diverse_top_k, embedder
from mmal_bench.strategies.evidential import evidential_difficulty
from mmal_bench.strategies.multimodal import predicted_class_shapley
from mmal_bench.strategies.utils import modality_shares


def exp3_policy(gains: np.ndarray, eta: float, gamma: float) -> np.ndarray:
    """EXP3 arm probabilities: ``(1 − γ) · softmax(η · G) + γ / M`` (stable softmax)."""
    z = eta * np.asarray(gains, dtype=np.float64)
    w = np.exp(z - z.max())
    return (1.0 - gamma) * w / w.sum() + gamma / len(w)


def imbalance(model: FittedModel, batch: ModalBatch) -> float:
    """The model's modality imbalance on ``batch``: ``max_m c_m − min_m c_m`` of the dataset-level
    shares ``c_m ∝ mean_i |φ_m(i)|`` (exact Shapley for the fused predicted-class probability). 0 for an
    empty batch or a single modality."""
    if len(batch) == 0 or len(model.modalities) < 2:
        return 0.0
    phi = predicted_class_shapley(model, batch)
    shares = modality_shares({m: np.abs(v).mean() for m, v in phi.items()})
    return float(shares.max() - shares.min())


def batch_gain(view: PoolView, model: FittedModel, ids: np.ndarray, before: np.ndarray) -> tuple[float, int]:
    """Accuracy gain on last round's bought rows: the current model's accuracy on them (their labels are
    now bought) minus the accuracy of the predictions made before buying (``before``, aligned with
    ``ids``). Rows not in ``view.labeled_ids`` are skipped. Returns ``(gain, rows used)``."""
    labeled = np.asarray(view.labeled_ids, dtype=np.int64)
    if len(labeled) == 0 or len(ids) == 0:
        return 0.0, 0
    order = np.argsort(labeled, kind="stable")
    where = np.minimum(np.searchsorted(labeled, ids, sorter=order), len(labeled) - 1)
    found = labeled[order[where]] == ids
    if not found.any():
        return 0.0, 0
    rows = order[where[found]]
    y = np.asarray(view.labeled_labels)[rows]
    now = model.predict_proba(view.labeled.take(rows)).argmax(axis=1)
    return float(np.mean(now == y) - np.mean(np.asarray(before)[found] == y)), int(found.sum())


class RLMBAStyle(Strategy):
    """Adaptively modality-balanced, difficulty-aware selection in the style of RL-MBA (Zeng et al.,
    "Label What Matters", CVPR 2026, arXiv 2603.25107). Only the abstract and introduction of RL-MBA
    are public and there is no code, so this is our reading, named "-style".

    What it does each round (stateful: ``select(..., state=)`` returns ``(ids, new_state)``):

    1. Reward for last round's arm: ``r = clip(gain − λ · imbalance, −1, 1)`` where ``gain`` is the
       current model's accuracy on the rows bought last round (now labelled) minus the accuracy of the
       previous model's predictions on them, stored in the state (`batch_gain`), and ``imbalance`` the
       current model's modality imbalance on the labelled set (`imbalance`). Only bought labels and the
       strategy's own model outputs enter; never test data.
    2. EXP3 update of the per-modality gains, ``G_a += r / π_a`` (importance-weighted), and the policy
       ``π = (1 − γ) softmax(η G) + γ / M`` (`exp3_policy`): the per-modality weights (RL-MBA's AMCB).
    3. Draw this round's arm (modality) ``a ~ π`` from ``rng``.
    4. Score: the evidential difficulty of the fused opinion (uncertainty mass + conflict, RL-MBA's
       EFDA, see `evidential_difficulty`) plus modality ``a``'s own uncertainty mass where ``a`` is
       present, so the batch leans towards rows that modality ``a`` finds hard.
    5. Diversity: `diverse_top_k` (k-means++ over the ``4·k`` highest scores).
    6. Store the arm, its probability, and up to ``max_tracked`` of the bought ids with the current
       model's predictions for them (the next round's ``gain``).

    Our reading, beyond the abstract: the MDP/policy-gradient agent is replaced by a bandit over
    modalities (a round is one decision; ten rounds cannot train a policy network); ``gain`` is a
    training-set gain (the model was fitted on those rows), which measures how learnable the chosen
    rows were; ``η = 1`` is large for EXP3 because a run has about ten rounds.
    """

    name = "rl-mba-style"
    modality = "multimodal"
    stateful = True
    eta: ClassVar[float] = 1.0
    gamma: ClassVar[float] = 0.1
    imbalance_weight: ClassVar[float] = 0.5
    max_tracked: ClassVar[int] = 512
    history_kept: ClassVar[int] = 32
    bibtex: ClassVar[str] = """@inproceedings{zeng2026label,
  title = {Label What Matters},
  author = {Zeng and others},
  note = {RL-MBA; only the abstract and introduction are public},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year = {2026},
  eprint = {2603.25107},
  archivePrefix = {arXiv}
}"""

    def select(  # type: ignore[override]
        self, view: PoolView, model: FittedModel, batch_size: int, rng: np.random.Generator, state: dict[str, Any]
    ) -> tuple[np.ndarray, dict[str, Any]]:
        modalities = list(model.modalities)
        fresh = state.get("modalities") != modalities
        gains = np.zeros(len(modalities)) if fresh else np.asarray(state["gains"], dtype=np.float64)
        pending = None if fresh else state.get("pending")
        reward = None
        if pending is not None:
            gain, used = batch_gain(view, model, np.asarray(pending["ids"], dtype=np.int64), np.asarray(pending["predicted"]))
            if used:
                reward = float(np.clip(gain - self.imbalance_weight * imbalance(model, view.labeled), -1.0, 1.0))
                gains[pending["arm"]] += reward / pending["probability"]
        policy = exp3_policy(gains, self.eta, self.gamma)
        arm = int(rng.choice(len(modalities), p=policy))

        batch = view.unlabeled
        difficulty, view_u = evidential_difficulty(model, batch)
        score = difficulty + np.where(np.asarray(batch.present[modalities[arm]], dtype=bool), view_u[:, arm], 0.0)
        picks = diverse_top_k(score, embedder(model.embed, batch), batch_size, rng)

        tracked = picks if len(picks) <= self.max_tracked else np.sort(rng.choice(picks, self.max_tracked, replace=False))
        predicted = model.predict_proba(batch.take(tracked)).argmax(axis=1)
        history = [] if fresh else list(state.get("history", []))
        history.append({"arm": modalities[arm], "policy": [float(p) for p in policy], "reward": reward})
        new_state = {
            "modalities": modalities,
            "round": (0 if fresh else int(state.get("round", 0))) + 1,
            "gains": [float(g) for g in gains],
            "pending": {
                "arm": arm,
                "probability": float(policy[arm]),
                "ids": [int(i) for i in np.asarray(view.unlabeled_ids)[tracked]],
                "predicted": [int(c) for c in predicted],
            },
            "history": history[-self.history_kept :],
        }
        return np.asarray(view.unlabeled_ids, dtype=np.int64)[picks], new_state
