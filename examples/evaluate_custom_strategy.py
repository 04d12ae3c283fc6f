"""Evaluate your own query strategy from Python, without writing a submission folder.

Notebook-style: each ``# %%`` cell runs on its own in Jupyter / VS Code, or run the whole file:

    python examples/evaluate_custom_strategy.py                       # the quick suite, seed 0, regime low
    python examples/evaluate_custom_strategy.py --datasets missing-mnar --regimes low mid --seeds 0 1

It writes its result files under --out (default ./results/example) and prints a table per cell and
the leaderboard of your strategy against `random`. Re-running resumes: finished cells are reused.
"""

# %% 1. A strategy: a class with a name and one `select` method (see mmal_bench.Strategy).
from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import mmal_bench


class FusedMargin(mmal_bench.Strategy):
    """Smallest margin between the two most probable classes of the fused model (vectorised)."""

    name = "example-fused-margin"
    modality = "unimodal"

    def select(self, view: mmal_bench.PoolView, model, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        proba = model.predict_proba(view.unlabeled)
        top2 = np.sort(proba, axis=1)[:, -2:]
        margin = top2[:, 1] - top2[:, 0]
        return view.unlabeled_ids[np.argsort(margin, kind="stable")[:batch_size]]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate FusedMargin on a slice of a suite.")
    parser.add_argument("--suite", default="quick")
    parser.add_argument("--datasets", nargs="+", default=["difficulty-gap"])
    parser.add_argument("--regimes", nargs="+", default=["low"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--out", default="results/example")
    args = parser.parse_args(argv)

    # %% 2. Does it honour the contract? (raises with a message that says what to fix)
    mmal_bench.check_strategy(FusedMargin())

    # %% 3. Run it through the benchmark's harness (same protocol, seeds and model as the leaderboard).
    results = mmal_bench.evaluate(
        FusedMargin, suite=args.suite, datasets=args.datasets, regimes=args.regimes, seeds=args.seeds, out=args.out
    )
    print(results[["strategy", "dataset", "regime", "seed", "aubc", "final_accuracy", "mean_imbalance"]].to_string(index=False))

    # %% 4. Score it as the leaderboard does (ranked against the baseline that ran on the same cells).
    board = mmal_bench.leaderboard(results)
    print()
    print(board.to_string())


if __name__ == "__main__":
    main()
