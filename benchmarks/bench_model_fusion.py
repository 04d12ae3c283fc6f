"""The 1.0.0 benchmark model vs the 2.0.0 one: full-pool test accuracy per suite dataset, and on the
missing-modality datasets what ablating a modality does to the predicted class mix.

Each model trains on the whole pool (the learnability ceiling the suite's budgets approach) for
``--seeds`` seeds (trained together as one batched call) and is scored on the test split. The second
table compares, per missing dataset and modality m, the class mix the model predicts (mean probability) with m ablated
(``predict_proba(rows, modalities=others)``) on 20,000 fresh rows of the test distribution with the
class mix the Bayes-optimal classifier predicts on the same rows when m is *observed missing*
(`posteriors_with_absent`: under MNAR absence is evidence about the class), and, for reference, with
the true class mix of the rows where m is really missing (issue 8's first criterion, which even the
Bayes-optimal classifier misses: those rows differ in their other modality too).
Usage: python benchmarks/bench_model_fusion.py [--seeds 3] [--datasets ...] [--configs ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from tabulate import tabulate

from mmal_bench.data.ground_truth import posteriors_with_absent
from mmal_bench.data.hub import load_benchmark
from mmal_bench.data.registry import get_entry
from mmal_bench.data.synthetic import params_for, sample
from mmal_bench.harness.suites import BENCHMARK_MODEL, STANDARD
from mmal_bench.models import ModelConfig, train_models

CONFIGS = {
    "1.0.0": ModelConfig(hidden_sizes=(32,), embed_dim=16, absent="zero"),
    "2.0.0": BENCHMARK_MODEL,
}


def ablation_mix_gap(model, spec, modality: str, n_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class mixes on fresh test-distribution rows: the model's mean probabilities with ``modality``
    ablated, the Bayes posteriors' mean with it observed missing, and the true mix of the rows where it
    is really missing. Mean probabilities, not argmax counts: where the remaining modality cannot tell
    two classes apart, the Bayes posterior ties them and an argmax would hand all the mass to one."""
    params = params_for(spec)
    drawn = sample(spec, params, 20_000, np.random.default_rng(8), split="test")
    others = [m for m in model.modalities if m != modality]
    missing = ~np.asarray(drawn.split.present[modality], dtype=bool)
    return (
        model.predict_proba(drawn.split, others).mean(axis=0),
        posteriors_with_absent(spec, params, drawn, [modality]).mean(axis=0),
        np.bincount(drawn.split.labels[missing], minlength=n_classes) / max(int(missing.sum()), 1),
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
                spec = get_entry(data.name, data.version).build.args[0]
                gaps = [ablation_mix_gap(model, spec, m, data.n_classes) for model in models]
                ablated, bayes, true = np.mean([g[0] for g in gaps], axis=0), gaps[0][1], gaps[0][2]
                ablation_rows.append(
                    [name, m, label]
                    + [np.array2string(v, precision=3) for v in (ablated, bayes, true)]
                    + [f"{np.abs(ablated - bayes).max():.3f}", f"{np.abs(ablated - true).max():.3f}"]
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
    print("\nAblating a modality: predicted class mix vs the Bayes-optimal one with it observed missing (max |difference|)")
    headers = ["dataset", "ablated", "model", "ablated: predicted mix", "Bayes, observed missing", "truly missing: true mix"]
    print(tabulate(ablation, headers=headers + ["max gap vs Bayes", "max gap vs truly missing"]))


if __name__ == "__main__":
    main()
