"""Benchmark of the data stage: generator throughput and hub export + verified load times.

Run: ``python benchmarks/bench_datasets.py`` (prints a table; timings are best of ``--repeat``).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MMAL_BENCH_HOME"] = os.path.join(tmp, "home")
        os.environ.setdefault("HF_HOME", os.path.join(tmp, "hf"))
        import datasets
        from tabulate import tabulate

        from mmal_bench.data import hub
        from mmal_bench.data.cold_start import cold_start_orders
        from mmal_bench.data.fingerprint import content_fingerprint
        from mmal_bench.data.ground_truth import bayes_ground_truth
        from mmal_bench.data.registry import register
        from mmal_bench.data.suite import synthetic_entry
        from mmal_bench.data.synthetic import GeneratorSpec, ModalitySpec, generate

        spec = GeneratorSpec(
            modalities=(
                ModalitySpec("a", dim=args.dim, informative=8, noise=0.4, missing_pool=0.2, missing_test=0.2),
                ModalitySpec("b", dim=args.dim, informative=8, noise=0.6, geometry="nonlinear", clusters_per_class=4),
            ),
            n_classes=4,
            interaction={"redundant": 0.5, "synergy": 0.5},
            pool_size=args.rows,
            test_size=1,
            seed=0,
        )
        rows = []
        t_gen, g = _best(lambda: generate(spec), args.repeat)
        rows.append([f"generate pool ({args.rows:,} rows x 2 x {args.dim})", f"{t_gen:.3f}", f"{args.rows / t_gen:,.0f}"])
        t_cs, orders = _best(lambda: cold_start_orders(g.pool.labels, 0), args.repeat)
        rows.append(["cold-start orders (10 seeds x 1000)", f"{t_cs:.3f}", ""])
        t_fp, _ = _best(lambda: content_fingerprint(g.pool, g.test, orders, ["c0", "c1", "c2", "c3"]), args.repeat)
        rows.append(["content fingerprint", f"{t_fp:.3f}", f"{args.rows / t_fp:,.0f}"])
        t_gt, _ = _best(lambda: bayes_ground_truth(spec, rows=200_000), 1)
        rows.append(["Bayes ground truth (200,000 rows, 3 subsets)", f"{t_gt:.3f}", f"{200_000 / t_gt:,.0f}"])

        entry = register(synthetic_entry("bench", spec, pitfall="bench", description="benchmark", ground_truth_rows=20_000))
        built = hub.build_entry(entry)
        out = os.path.join(tmp, "export")
        t = time.perf_counter()
        hub.export_built(entry, built, __import__("pathlib").Path(out))
        t_export = time.perf_counter() - t
        rows.append(["export hub layout (parquet + card + manifest)", f"{t_export:.3f}", f"{args.rows / t_export:,.0f}"])
        t_read, _ = _best(lambda: hub.read_folder(out), args.repeat)
        rows.append(["verified read (sha256 + fingerprint) -> numpy", f"{t_read:.3f}", f"{args.rows / t_read:,.0f}"])
        t_hf, _ = _best(lambda: datasets.load_dataset(out, name="bench"), 1)
        rows.append(["datasets.load_dataset(folder) (first, converts)", f"{t_hf:.3f}", f"{args.rows / t_hf:,.0f}"])
        t_cold, _ = _best(lambda: hub.load_benchmark("bench"), 1)
        rows.append(["load_benchmark, cold cache (build+export+load)", f"{t_cold:.3f}", ""])
        hub._MEMO.clear()
        t_warm, _ = _best(lambda: (hub._MEMO.clear(), hub.load_benchmark("bench")), args.repeat)
        rows.append(["load_benchmark, warm cache (new process equiv.)", f"{t_warm:.3f}", f"{args.rows / t_warm:,.0f}"])
        t_memo, _ = _best(lambda: hub.load_benchmark("bench"), args.repeat)
        rows.append(["load_benchmark, memoised in process", f"{t_memo:.4f}", ""])
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
        print(tabulate(rows, headers=["step", "seconds", "rows/s"], tablefmt="github"))
        print(f"\nexported folder: {size / 2**20:.1f} MiB; target: {args.rows:,} rows generated in < 2 s -> "
              f"{'met' if t_gen < 2 and args.rows >= 100_000 else 'see table'}")


if __name__ == "__main__":
    main()
