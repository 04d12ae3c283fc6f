"""Sanity check of `uci-mfeat`: the default model trained on all 1,500 pool labels, test accuracy with
all six views and with each alone, beside the linear-probe ground truth and published figures.

Run: ``python benchmarks/bench_uci_mfeat_sanity.py [--write]`` (``--write`` stores the table in the
dataset's metadata, from which its card is rendered). Seeds 0-2, mean reported; CPU, 1 thread.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from tabulate import tabulate

from mmal_bench.data.hub import load_benchmark
from mmal_bench.data.real.uci_mfeat import CONFIGS, META_PATH
from mmal_bench.data.schema import ModalBatch
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.trainer import train_model

SEEDS = (0, 1, 2)
PUBLISHED = "0.95-0.98 (all views combined, as reported across the multi-view learning literature)"


def only(batch: ModalBatch, m: str) -> ModalBatch:
    return ModalBatch({m: batch.features[m]}, {m: batch.present[m]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"store the table in {META_PATH.name}")
    args = parser.parse_args()
    meta = json.loads(META_PATH.read_text())
    for name in CONFIGS:
        note = sanity_table(name)
        meta.setdefault("sanity", {})[name] = note
    if args.write:
        META_PATH.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {META_PATH}")


def sanity_table(name: str) -> str:
    """Train and evaluate the default model on config ``name``; print and return the card section."""
    data = load_benchmark(name)
    views = data.modalities
    config = ModelConfig()
    t0 = time.perf_counter()
    joint, ablated, alone = [], {m: [] for m in views}, {m: [] for m in views}
    for seed in SEEDS:
        model = train_model(data.pool, data.pool.labels, data.n_classes, config, seed)
        joint.append(np.mean(model.predict_proba(data.test).argmax(1) == data.test.labels))
        for m in views:
            ablated[m].append(np.mean(model.predict_proba(data.test, modalities=[m]).argmax(1) == data.test.labels))
            uni = train_model(only(data.pool, m), data.pool.labels, data.n_classes, config, seed)
            alone[m].append(np.mean(uni.predict_proba(only(data.test, m)).argmax(1) == data.test.labels))
    seconds = time.perf_counter() - t0
    truth = data.ground_truth
    rows = [[f"all ({'+'.join(views)})", f"{np.mean(joint):.3f}", "-", f"{truth['+'.join(views)]:.3f}", PUBLISHED if len(views) == 6 else ""]]
    for m in views:
        rows.append([m, f"{np.mean(alone[m]):.3f}", f"{np.mean(ablated[m]):.3f}", f"{truth[m]:.3f}", ""])
    headers = ["views", "default model trained on these views", "joint model, other views zeroed", "linear probe (ground truth)", "published"]
    table = tabulate(rows, headers=headers, tablefmt="github")
    print(f"{name}:\n{table}\n{len(SEEDS)} seeds x {1 + len(views)} trainings in {seconds:.1f} s\n")
    return (
        f"Default `ModelConfig()` ({config.steps} full-batch AdamW steps, {config.fusion} fusion), all 1,500 pool labels, "
        f"mean test accuracy over seeds {', '.join(map(str, SEEDS))} (`benchmarks/bench_uci_mfeat_sanity.py`):\n\n{table}\n\n"
        "The third column is the harness's per-modality accuracy (the jointly trained model with the other views "
        "zeroed and marked absent): its distance to the second column shows how much the joint model neglects each view."
    )


if __name__ == "__main__":
    main()
