"""Training speed at the standard suite's shapes (issue 13): the batched trainer vs a plain per-model
torch loop and vs the batched-matmul limit, as ratios measured in one run.

For each labelled-set size n, E members (the strategies of one round) with 2 modalities x 16 dims,
4 classes, the benchmark model and its step count are trained by
- ``trainer``: `train_models`, all members in one call (the 2.0.0 trainer);
- ``grouped``: the same trainer called on groups of at most 4,096 stacked rows (1.0.0's ``GROUP_ROWS``
  cap, issue 15), to show whether the cap still pays;
- ``per-model``: a plain ``torch.nn.Module`` of the same architecture per member and
  ``torch.optim.AdamW``, trained one member after another (what a user would write);
- ``limit``: per step one ``torch.bmm`` ``(E, n, K) @ (E, K, K)`` with K chosen so that it does the
  step's matmul FLOPs (forward + backward = 3x the forward matmuls): dense-matmul speed at the same
  FLOPs, the practical limit for this much work;
- ``matmuls``: per step only the model's own batched matmuls at their real shapes and layouts (the
  forward's five, the backward's weight and input gradients: what the trainer's profile shows as
  ``bmm`` / ``baddbmm``), on random data: the floor of any trainer of this model built on torch's
  kernels, since it leaves out every element-wise op, the loss, the optimiser and Python.
Variants are interleaved, repeated (min and median reported), at 1 and 2 torch threads.
Usage: python benchmarks/bench_training.py [--sizes 40 220 1100 2200] [--members 12] [--repeats 3]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from tabulate import tabulate

from mmal_bench.data.schema import ModalBatch
from mmal_bench.harness.suites import BENCHMARK_MODEL
from mmal_bench.models import ModelConfig, train_models
from mmal_bench.models.trainer import torch_threads

DIM, N_CLASSES, MODALITIES = 16, 4, ("a", "b")


def make_members(n: int, members: int) -> tuple[list[ModalBatch], list[np.ndarray]]:
    rng = np.random.default_rng(n)
    batches, labels = [], []
    for _ in range(members):
        y = rng.integers(0, N_CLASSES, n)
        features = {m: (rng.normal(size=(n, DIM)) + y[:, None] * 0.3).astype(np.float32) for m in MODALITIES}
        present = {m: rng.random(n) >= 0.2 for m in MODALITIES}
        batches.append(ModalBatch({m: np.where(present[m][:, None], x, 0).astype(np.float32) for m, x in features.items()}, present))
        labels.append(y)
    return batches, labels


class PlainModel(torch.nn.Module):
    """The benchmark model written the ordinary way (nn.Linear per layer, one model at a time)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        d = config.embed_dim
        self.encoders = torch.nn.ModuleList(
            torch.nn.Sequential(torch.nn.Linear(DIM, config.hidden_sizes[0]), torch.nn.ReLU(), torch.nn.Linear(config.hidden_sizes[0], d), torch.nn.ReLU())
            for _ in MODALITIES
        )
        self.absent = torch.nn.Parameter(torch.zeros(len(MODALITIES), d))
        self.aux = torch.nn.ModuleList(torch.nn.Linear(d, N_CLASSES) for _ in MODALITIES)
        fused = d * len(MODALITIES)
        self.fusion = torch.nn.Linear(fused, config.fusion_hidden) if config.fusion_hidden else None
        self.head = torch.nn.Linear(fused + config.fusion_hidden, N_CLASSES)
        self.dropout = torch.nn.Dropout(config.dropout)

    def forward(self, xs: list[torch.Tensor], present: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        zs = [self.dropout(torch.where(p, enc(x), self.absent[j])) for j, (enc, x, p) in enumerate(zip(self.encoders, xs, present, strict=True))]
        f = torch.cat(zs, dim=-1)
        h = torch.cat([f, torch.relu(self.fusion(f))], dim=-1) if self.fusion is not None else f
        return self.head(h), [aux(z) for aux, z in zip(self.aux, zs, strict=True)]


def per_model_loop(batches: list[ModalBatch], labels: list[np.ndarray], config: ModelConfig) -> None:
    for e, (batch, y) in enumerate(zip(batches, labels, strict=True)):
        torch.manual_seed(e)
        model = PlainModel(config)
        opt = torch.optim.AdamW(model.parameters(), lr=config.lr, betas=config.betas, weight_decay=config.weight_decay)
        xs = [torch.from_numpy(batch.features[m]) for m in MODALITIES]
        present = [torch.from_numpy(batch.present[m])[:, None] for m in MODALITIES]
        target = torch.from_numpy(y)
        for _ in range(config.steps):
            logits, aux = model(xs, present)
            loss = (F.cross_entropy(logits, target) + config.aux_weight * sum(F.cross_entropy(a, target) for a in aux)) / (
                1 + config.aux_weight * len(MODALITIES)
            )
            opt.zero_grad()
            loss.backward()
            opt.step()


def linear_layers(config: ModelConfig) -> list[tuple[int, int, int]]:
    """``(copies per member, input width, output width)`` of every linear layer of the model, in forward
    order: each modality's encoder layers and auxiliary head, then the fusion layer and the head."""
    d, f, n_mod = config.embed_dim, config.fusion_hidden, len(MODALITIES)
    widths = [DIM, *config.hidden_sizes, d]
    layers = [(n_mod, widths[i], widths[i + 1]) for i in range(len(widths) - 1)]
    return layers + [(n_mod, d, N_CLASSES), (1, d * n_mod, f), (1, d * n_mod + f, N_CLASSES)]


def forward_matmul_flops_per_row(config: ModelConfig) -> int:
    """Multiply-add FLOPs (2 per MAC) of one forward pass for one row."""
    return 2 * sum(copies * k * m for copies, k, m in linear_layers(config))


def limit(n: int, members: int, config: ModelConfig) -> Callable[[], None]:
    k = max(1, round(math.sqrt(3 * forward_matmul_flops_per_row(config) / 2)))
    a, b = torch.rand(members, n, k), torch.rand(members, k, k)

    def run() -> None:
        for _ in range(config.steps):
            torch.bmm(a, b)

    return run


def matmuls(n: int, members: int, config: ModelConfig) -> Callable[[], None]:
    """The step's matmuls alone (see the module docstring), for the suite's synthetic shapes: each layer of
    `linear_layers` is one bmm over all members' copies of it."""
    tensors = [
        (torch.rand(members * c, n, k), torch.rand(members * c, k, m), torch.rand(members * c, 1, m), torch.rand(members * c, n, m))
        for c, k, m in linear_layers(config)
    ]

    def run() -> None:
        for _ in range(config.steps):
            for i, (a, w, bias, grad) in enumerate(tensors):
                torch.baddbmm(bias, a, w)  # forward
                torch.bmm(a.transpose(1, 2), grad)  # weight gradient
                if i > 0:  # input gradient (the first layer's input is data)
                    torch.bmm(grad, w.transpose(1, 2))

    return run


def timed(fn: Callable[[], object], threads: int) -> float:
    with torch_threads(threads):
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[40, 220, 1100, 2200])
    parser.add_argument("--members", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args()
    config = BENCHMARK_MODEL
    rows = []
    for n in args.sizes:
        batches, labels = make_members(n, args.members)
        seeds = list(range(args.members))
        group = max(1, 4096 // n)

        def grouped(batches=batches, labels=labels, seeds=seeds, group=group, config=config) -> None:
            for s in range(0, len(seeds), group):
                train_models(batches[s : s + group], labels[s : s + group], N_CLASSES, config, seeds[s : s + group])

        for threads in args.threads:
            cfg = ModelConfig.from_dict({**config.to_dict(), "threads": threads})
            variants = {
                "trainer": lambda cfg=cfg, batches=batches, labels=labels, seeds=seeds: train_models(batches, labels, N_CLASSES, cfg, seeds),
                "grouped": lambda cfg=cfg, grouped=grouped: grouped(config=cfg),
                "per-model": lambda batches=batches, labels=labels: per_model_loop(batches, labels, config),
                "matmuls": matmuls(n, args.members, config),
                "limit": limit(n, args.members, config),
            }
            times: dict[str, list[float]] = {k: [] for k in variants}
            for _ in range(args.repeats):
                for name, fn in variants.items():  # interleaved
                    times[name].append(timed(fn, threads))
            best = {k: min(v) for k, v in times.items()}
            med = {k: statistics.median(v) for k, v in times.items()}
            rows.append(
                [n, args.members, threads]
                + [f"{best[k]:.3f} / {med[k]:.3f}" for k in variants]
                + [f"{best['trainer'] / best['limit']:.1f}", f"{best['matmuls'] / best['limit']:.1f}"]
                + [f"{best['per-model'] / best['trainer']:.1f}", f"{best['grouped'] / best['trainer']:.2f}"]
            )
            print(rows[-1], flush=True)
    print(f"\n{config.steps} steps, model {config.to_dict()}")
    print(f"load average at the end: {os.getloadavg()}")
    print(
        tabulate(
            rows,
            headers=[
                "n", "E", "threads", "trainer s (min/med)", "grouped 4096", "per-model loop", "its matmuls alone", "matmul limit",
                "trainer/limit", "matmuls/limit", "loop/trainer", "grouped/trainer",
            ],  # fmt: skip
        )
    )


if __name__ == "__main__":
    main()
