"""``mmal-bench leaderboard``: builds from real result files, prints the table; bad input is one error line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mmal_bench.cli import main
from mmal_bench.harness.runner import run_suite
from mmal_bench.harness.suites import get_suite

FIRST = get_suite("quick").protocols()[0]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """Real results of the built-in `random` on one cell of the quick suite."""
    out = tmp_path_factory.mktemp("cli-leaderboard") / "results"
    run_suite("quick", strategies=["random"], datasets=[FIRST.dataset], regimes=[FIRST.regime.name], seeds=[FIRST.seeds[0]], out=out, jobs=1, progress=False)
    return out


def test_builds_and_prints(results: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "board"
    args = ["leaderboard", "--results", str(results), "--out", str(out), "--no-plots", "--grid", "observed"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "random" in printed and "Rank" in printed and "Not ranked" not in printed
    assert {p.name for p in out.iterdir()} == {"LEADERBOARD.md", "leaderboard.csv", "index.html", "strategies"}
    first = (out / "LEADERBOARD.md").read_bytes()
    assert main(args) == 0
    assert (out / "LEADERBOARD.md").read_bytes() == first


def test_partial_run_is_not_ranked_against_the_suite(results: Path, tmp_path: Path, capsys) -> None:
    assert main(["leaderboard", "--results", str(results), "--out", str(tmp_path / "board"), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    n_cells = sum(len(p.seeds) for p in get_suite("quick").protocols())
    assert "No strategy has a complete set of results yet." in printed
    assert f"random: {n_cells - 1} missing cell(s)" in printed


def test_tampered_result_is_one_error_line(results: Path, tmp_path: Path, capsys) -> None:
    copy = Path(shutil.copytree(results, tmp_path / "results"))
    victim = next(copy.rglob("seed-*.json"))
    raw = json.loads(victim.read_text())
    raw["rounds"][0]["accuracy"] += 0.01
    victim.write_text(json.dumps(raw))
    assert main(["leaderboard", "--results", str(copy), "--out", str(tmp_path / "board")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {victim}: content hash mismatch; the file was edited after it was written\n"
    assert not (tmp_path / "board" / "LEADERBOARD.md").exists()


def test_missing_results_root(tmp_path: Path, capsys) -> None:
    assert main(["leaderboard", "--results", str(tmp_path / "none"), "--out", str(tmp_path / "board")]) == 2
    assert "does not exist; run `mmal-bench run` first" in capsys.readouterr().err
