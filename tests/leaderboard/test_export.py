"""The raw-JSON export gives one row per cell and per round, sorted, without the version gate."""

from __future__ import annotations

import json
from pathlib import Path

from mmal_bench.leaderboard.export import export_tables, main


def _write(root: Path, strategy: str, seed: int, aubc: float) -> None:
    path = root / "toy@0.1.0" / "low" / strategy / f"seed-{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "provenance": {"strategy": strategy, "dataset": "toy", "dataset_version": "0.1.0", "regime": "low", "seed": seed, "benchmark_version": "0.0.1"},
        "summary": {"aubc": aubc, "final_accuracy": aubc + 0.1},
        "rounds": [{"round": 0, "n_labeled": 10, "accuracy": aubc}, {"round": 1, "n_labeled": 20, "accuracy": aubc + 0.1}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_export_tables_and_cli(tmp_path: Path) -> None:
    for seed in (1, 0):
        _write(tmp_path / "r", "random", seed, 0.5 + seed / 10)
        _write(tmp_path / "r", "entropy", seed, 0.6)
    cells, curves = export_tables(tmp_path / "r", family_of=lambda ref: "control")
    assert list(cells["strategy"]) == ["entropy", "entropy", "random", "random"]
    assert list(cells["seed"]) == [0, 1, 0, 1]
    assert cells.loc[3, "aubc"] == 0.6 and set(cells["pitfall"]) == {"control"}
    assert len(curves) == 8 and list(curves["round"][:2]) == [0, 1]
    assert main([str(tmp_path / "r"), str(tmp_path / "out")]) == 0
    first = (tmp_path / "out-aubc.csv").read_bytes()
    assert main([str(tmp_path / "r"), str(tmp_path / "out")]) == 0
    assert (tmp_path / "out-aubc.csv").read_bytes() == first
    assert main([str(tmp_path / "empty"), str(tmp_path / "x")]) == 2
