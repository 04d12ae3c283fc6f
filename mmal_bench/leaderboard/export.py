"""Export result files as plain tables (per-cell AUBC, per-round curves) that the statistics take.

Reads the raw JSON without the current package's version gate, so archived results (e.g. the
committed 1.0.0 suite) stay analysable after the package moves on. Run as
``python -m mmal_bench.leaderboard.export RESULTS_DIR OUT_PREFIX``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mmal_bench.leaderboard.pitfalls import dataset_family

CELL_COLUMNS = ["strategy", "dataset", "regime", "seed", "aubc", "final_accuracy", "pitfall"]
CURVE_COLUMNS = ["strategy", "dataset", "regime", "seed", "round", "n_labeled", "accuracy"]


def export_tables(results_dir: Path, family_of: Callable[[str], str] = dataset_family) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-cell and per-round tables of every ``seed-*.json`` under ``results_dir``.

    Parameters
    ----------
    results_dir:
        A results root or suite folder (files at ``.../<dataset>@<version>/<regime>/<strategy>/seed-N.json``).
    family_of:
        Maps ``"name@version"`` to its pitfall family (default: from the dataset registry).

    Returns
    -------
    ``(cells, curves)``: ``cells`` has `CELL_COLUMNS`, ``curves`` has `CURVE_COLUMNS`; both sorted
    by dataset, regime, strategy, seed (and round), so the CSV bytes depend only on the files.
    """
    paths = sorted(Path(results_dir).rglob("seed-*.json"))
    if not paths:
        raise FileNotFoundError(f"no result files (seed-*.json) under {results_dir}")
    cells, curves = [], []
    families: dict[str, str] = {}
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        p = doc["provenance"]
        ref = f"{p['dataset']}@{p['dataset_version']}"
        if ref not in families:
            families[ref] = family_of(ref)
        key = {"strategy": p["strategy"], "dataset": ref, "regime": p["regime"], "seed": int(p["seed"])}
        cells.append({**key, "aubc": doc["summary"]["aubc"], "final_accuracy": doc["summary"]["final_accuracy"], "pitfall": families[ref]})
        curves += [{**key, "round": rd["round"], "n_labeled": rd["n_labeled"], "accuracy": rd["accuracy"]} for rd in doc["rounds"]]
    order = ["dataset", "regime", "strategy", "seed"]
    cell_frame = pd.DataFrame(cells, columns=CELL_COLUMNS).sort_values(order, kind="stable").reset_index(drop=True)
    curve_frame = pd.DataFrame(curves, columns=CURVE_COLUMNS).sort_values(order + ["round"], kind="stable").reset_index(drop=True)
    return cell_frame, curve_frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mmal_bench.leaderboard.export", description=__doc__.splitlines()[0])
    parser.add_argument("results_dir", type=Path)
    parser.add_argument("out_prefix", help="writes OUT_PREFIX-aubc.csv and OUT_PREFIX-curves.csv")
    args = parser.parse_args(argv)
    try:
        cells, curves = export_tables(args.results_dir)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for suffix, frame in (("aubc", cells), ("curves", curves)):
        out = Path(f"{args.out_prefix}-{suffix}.csv")
        tmp = out.with_suffix(".csv.tmp")
        frame.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6f")
        tmp.replace(out)
        print(f"wrote {out} ({len(frame)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
