"""Training speed at the standard suite's shapes (issues 13, 25): the 2.0.0 trainer against the fused trainer
(3.0.0), each beside the matmuls of its own formulation and the batched-matmul limit, as ratios measured in
one run.

For each labelled-set size n, E members (the strategies of one round: one shared seed) with 2 modalities x
16 dims, 4 classes, the benchmark model and its step count are trained by
- ``2.0.0``: `train_models` with ``trainer="autograd"`` (`BENCHMARK_MODEL`, the 2.0.0 trainer);
- ``fused``: `train_models` with ``trainer="fused"`` (same model, loss, optimiser and steps);
- ``per-model`` (``--per-model``): a plain ``torch.nn.Module`` of the same architecture per member and
  ``torch.optim.AdamW``, trained one member after another (what a user would write);
- ``limit``: per step one ``torch.bmm`` ``(E, n, K) @ (E, K, K)`` with K chosen so that it does the
  step's matmul FLOPs (forward + backward = 3x the forward matmuls): dense-matmul speed at the same
  FLOPs, the practical limit for this much work;
- ``matmuls 2.0.0``: per step only the 2.0.0 formulation's 14 batched matmuls at their real shapes and
  layouts (row-major activations, every linear layer its own bmm: forward five, weight and input
  gradients), on random data: the floor of any trainer built that way on torch's kernels;
- ``matmuls fused``: the same for the fused formulation's 11 (feature-major activations; fusion layer,
  fused head part and both auxiliary heads as one matmul): the floor of the fused trainer.
With ``--seeds-per-call S`` it also trains S seeds' members (S x E, shapes matching) in one call
against S calls of E members (``S seeds: 1 call`` / ``S calls``): what training a whole setting at once
does on the CPU. Variants are interleaved, repeated (min and median reported), at 1 and 2 torch threads.
Usage: python benchmarks/bench_training.py [--sizes 88 1243] [--members 16] [--repeats 3] [--seeds-per-call 4]
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
from mmal_bench.harness.suites import BENCHMARK_MODEL, BENCHMARK_MODEL_3
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


def fused_matmuls(n: int, members: int, config: ModelConfig) -> Callable[[], None]:
    """The fused formulation's matmuls alone, feature-major (activations ``(batch, width, n)``): each
    encoder layer one bmm over members x modalities, then one ``(R, M*D) @ (M*D, n)`` for the fusion
    layer, the fused head part and the auxiliary heads (R = F + C + M*C) and the head's interaction part;
    backward: weight gradients of all, input gradients of all but the first layer."""
    d, f, n_mod = config.embed_dim, config.fusion_hidden, len(MODALITIES)
    widths = [DIM, *config.hidden_sizes, d]
    rows = f + N_CLASSES + n_mod * N_CLASSES
    layers = [(members * n_mod, widths[i], widths[i + 1]) for i in range(len(widths) - 1)]
    layers += [(members, d * n_mod, rows), (members, f, N_CLASSES)]
    tensors = [(torch.rand(b, m, k), torch.rand(b, k, n), torch.rand(b, m, n)) for b, k, m in layers]

    def run() -> None:
        for _ in range(config.steps):
            for i, (w, a, grad) in enumerate(tensors):
                torch.bmm(w, a)  # forward
                torch.bmm(grad, a.transpose(1, 2))  # weight gradient
                if i > 0:  # input gradient (the first layer's input is data)
                    torch.bmm(w.transpose(1, 2), grad)

    return run


def timed(fn: Callable[[], object], threads: int) -> float:
    with torch_threads(threads):
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[88, 1243])
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--per-model", action="store_true", help="also time a plain per-model torch loop (slow)")
    parser.add_argument("--seeds-per-call", type=int, default=0, metavar="S", help="also time S seeds' members in one call vs S calls")
    args = parser.parse_args()
    old, new = BENCHMARK_MODEL, BENCHMARK_MODEL_3
    rows = []
    for n in args.sizes:
        batches, labels = make_members(n, args.members)
        seeds = [0] * args.members  # one round: every member has the round's seed
        for threads in args.threads:
            cfg_old, cfg_new = (ModelConfig.from_dict({**c.to_dict(), "threads": threads}) for c in (old, new))
            variants: dict[str, Callable[[], object]] = {
                "2.0.0": lambda c=cfg_old, b=batches, y=labels: train_models(b, y, N_CLASSES, c, seeds),
                "fused": lambda c=cfg_new, b=batches, y=labels: train_models(b, y, N_CLASSES, c, seeds),
            }
            if args.per_model:
                variants["per-model"] = lambda b=batches, y=labels: per_model_loop(b, y, old)
            variants.update({"matmuls 2.0.0": matmuls(n, args.members, old), "matmuls fused": fused_matmuls(n, args.members, new), "limit": limit(n, args.members, old)})
            s = args.seeds_per_call
            if s:
                many_b, many_y = make_members(n, args.members * s)
                many_seeds = [i // args.members for i in range(args.members * s)]
                variants[f"{s} seeds: 1 call"] = lambda c=cfg_new, b=many_b, y=many_y, z=many_seeds: train_models(b, y, N_CLASSES, c, z)
                variants[f"{s} calls"] = lambda c=cfg_new, b=many_b, y=many_y, e=args.members, k=s: [
                    train_models(b[i * e : (i + 1) * e], y[i * e : (i + 1) * e], N_CLASSES, c, [i] * e) for i in range(k)
                ]
            for fn in variants.values():  # warm-up: first calls pay for allocations and kernel selection
                timed(fn, threads)
            times: dict[str, list[float]] = {k: [] for k in variants}
            for _ in range(args.repeats):
                for name, fn in variants.items():  # interleaved
                    times[name].append(timed(fn, threads))
            best = {k: min(v) for k, v in times.items()}
            med = {k: statistics.median(v) for k, v in times.items()}
            row = [n, args.members, threads] + [f"{best[k]:.3f} / {med[k]:.3f}" for k in variants]
            row += [f"{best['2.0.0'] / best['fused']:.2f}", f"{best['fused'] / best['matmuls fused']:.2f}"]
            row += [f"{best['matmuls 2.0.0'] / best['limit']:.2f}", f"{best['matmuls fused'] / best['limit']:.2f}"]
            if s:
                row.append(f"{best[f'{s} calls'] / best[f'{s} seeds: 1 call']:.2f}")
            rows.append(row)
            print(rows[-1], f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n{old.steps} steps, model {old.to_dict()}")
    print(f"load average at the end: {os.getloadavg()}")
    headers = ["n", "E", "threads", *(f"{k} s (min/med)" for k in variants), "2.0.0/fused", "fused/its matmuls"]
    headers += ["matmuls 2.0.0/limit", "matmuls fused/limit"] + (["S calls / 1 call"] if args.seeds_per_call else [])
    print(tabulate(rows, headers=headers))


if __name__ == "__main__":
    main()
