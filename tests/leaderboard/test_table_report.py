"""The table report runs the dataset-level statistics on plain CSV tables, deterministically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmal_bench.leaderboard.table_report import main


def test_report_from_csv_is_byte_stable_and_errors_are_one_line(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(0)
    cells, curves = [], []
    for d in range(4):
        for s, level in (("random", 0.6), ("good", 0.65), ("meh", 0.6)):
            for seed in range(3):
                acc = level + 0.01 * rng.standard_normal(3)
                cells.append((s, f"ds{d}", "low", seed, acc.mean(), "interaction" if d < 2 else "real data"))
                curves += [(s, f"ds{d}", "low", seed, r, a) for r, a in enumerate(acc)]
    pd.DataFrame(cells, columns=["strategy", "dataset", "regime", "seed", "aubc", "pitfall"]).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame(curves, columns=["strategy", "dataset", "regime", "seed", "round", "accuracy"]).to_csv(tmp_path / "c.csv", index=False)
    args = [str(tmp_path / "a.csv"), "--curves", str(tmp_path / "c.csv")]
    assert main([args[0], str(tmp_path / "r1"), *args[1:]]) == 0
    assert main([args[0], str(tmp_path / "r2"), *args[1:]]) == 0
    text = (tmp_path / "r1" / "statistics.md").read_text()
    assert text == (tmp_path / "r2" / "statistics.md").read_text()
    assert (tmp_path / "r1" / "cd_diagram.png").read_bytes() == (tmp_path / "r2" / "cd_diagram.png").read_bytes()
    assert "Friedman" in text and "## Per pitfall family" in text and "## Pairwise penalty matrix" in text
    assert text.index("| good") < text.index("| random")
    capsys.readouterr()
    assert main([str(tmp_path / "missing.csv"), str(tmp_path / "r3")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
