"""The 1.0.0 benchmark model vs the 2.0.0 one: full-pool test accuracy per suite dataset, and on the
missing-modality datasets what ablating a modality does to the predicted class mix.

Each model trains on the whole pool (the learnability ceiling the suite's budgets approach) for
``--seeds`` seeds (trained together as one batched call) and is scored on the test split. The second
table compares, per missing dataset and modality m, the class mix the model predicts on every test row
with m ablated (``predict_proba(test, modalities=others)``) with the true class mix of the test rows
where m is really missing (issue 8: 1.0.0's zero ablation told the model "high class").
Usage: python benchmarks/bench_model_fusion.py [--seeds 3] [--datasets ...] [--configs ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from tabulate import tabulate

from mmal_bench.data.hub import load_benchmark
from mmal_bench.harness.suites import BENCHMARK_MODEL, STANDARD
from mmal_bench.models import ModelConfig, train_models

CONFIGS = {
    "1.0.0": ModelConfig(hidden_sizes=(32,), embed_dim=16, absent="zero"),
    "2.0.0": BENCHMARK_MODEL,
}


def ablation_mix_gap(model, data, modality: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class mix over all test rows with ``modality`` ablated, and the true class mix of the
    test rows where it is missing."""
    test = data.test
    others = [m for m in model.modalities if m != modality]
    pred = model.predict_proba(test, others).argmax(1)
    missing = ~np.asarray(test.present[modality], dtype=bool)
    return (
        np.bincount(pred, minlength=data.n_classes) / len(pred),
        np.bincount(test.labels[missing], minlength=data.n_classes) / max(int(missing.sum()), 1),
    )


def run(configs: dict[str, ModelConfig], datasets: list[str], seeds: list[int]) -> tuple[list[list[object]], list[list[object]]]:
    accuracy_rows, ablation_rows = [], []
    for name in datasets:
        data = load_benchmark(name)
        row: list[object] = [name, f"{1 / data.n_classes:.3f}"]
        for label, config in configs.items():
            t0 = time.perf_counter()
            models = train_models([data.pool] * len(seeds), [data.pool.labels] * len(seeds), data.n_classes, config, seeds)
            seconds = time.perf_counter() - t0
            accs = [float((m.predict_proba(data.test).argmax(1) == data.test.labels).mean()) for m in models]
            row += [f"{np.mean(accs):.3f}", f"{seconds:.1f}"]
            for m in models[0].modalities:
                if np.asarray(data.test.present[m]).all():
                    continue
                gaps = [ablation_mix_gap(model, data, m) for model in models]
                ablated, true = np.mean([g[0] for g in gaps], axis=0), gaps[0][1]
                ablation_rows.append(
                    [name, m, label, np.array2string(ablated, precision=3), np.array2string(true, precision=3), f"{np.abs(ablated - true).max():.3f}"]
                )
        accuracy_rows.append(row)
        print(row, flush=True)
    return accuracy_rows, ablation_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", nargs="*", default=None, help="default: the standard suite's datasets")
    parser.add_argument("--configs", nargs="*", default=None, choices=list(CONFIGS))
    args = parser.parse_args()
    datasets = args.datasets or [ref.split("@")[0] for ref in STANDARD.datasets]
    configs = {k: CONFIGS[k] for k in (args.configs or CONFIGS)}
    accuracy, ablation = run(configs, datasets, list(range(args.seeds)))
    print("\nFull-pool test accuracy (mean over seeds) and training seconds (all seeds together)")
    print(tabulate(accuracy, headers=["dataset", "chance"] + [h for c in configs for h in (f"{c} acc", "s")]))
    print("\nAblating a modality vs that modality truly missing (class mix; max |difference|)")
    print(tabulate(ablation, headers=["dataset", "ablated", "model", "ablated: predicted mix", "truly missing: true mix", "max gap"]))


if __name__ == "__main__":
    main()
