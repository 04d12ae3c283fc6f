"""``mmal-bench leaderboard``: builds from real result files, prints the table; bad input is one error line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mmal_bench.cli import main
from mmal_bench.harness.results import DELETE_AND_RERUN
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
    assert err == f"error: {victim}: content hash mismatch (the file was edited after it was written); {DELETE_AND_RERUN}\n"
    assert not (tmp_path / "board" / "LEADERBOARD.md").exists()


def test_missing_results_root(tmp_path: Path, capsys) -> None:
    assert main(["leaderboard", "--results", str(tmp_path / "none"), "--out", str(tmp_path / "board")]) == 2
    assert "does not exist; run `mmal-bench run` first" in capsys.readouterr().err


def test_stray_build_folders_of_killed_renders_are_removed_and_the_folder_synced(results: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import os
    import subprocess

    from mmal_bench.leaderboard import render

    out = tmp_path / "board"
    old = out / ".leaderboard-build-k2j4x9"  # a pid-less name (2.0.0's renders)
    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = out / f".leaderboard-build-{dead.pid}-a1b2c3"
    running = out / f".leaderboard-build-{os.getppid()}-d4e5f6"  # a render still filling it (a live process)
    for folder in (old, killed, running):
        (folder / "plots").mkdir(parents=True)
    synced = []
    monkeypatch.setattr(render, "fsync_dir", lambda folder: synced.append(Path(folder)))
    assert main(["leaderboard", "--results", str(results), "--out", str(out), "--no-plots", "--grid", "observed"]) == 0
    assert sorted(p.name for p in out.glob(".leaderboard-build-*")) == [running.name]
    assert synced == [out]


def test_sibling_results_folders_get_their_own_default_leaderboard(tmp_path: Path) -> None:
    from mmal_bench.cli.leaderboard import default_leaderboard_dir

    a, b = default_leaderboard_dir(tmp_path / "a", "quick"), default_leaderboard_dir(tmp_path / "b", "quick")
    assert a != b and a.parent == b.parent == tmp_path
    assert default_leaderboard_dir(Path("results/2.0.0"), "quick") == Path("results/2.0.0-quick-leaderboard")


def test_results_or_out_that_is_a_file_is_named_as_such(results: Path, tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert main(["leaderboard", "--results", str(a_file), "--out", str(tmp_path / "board")]) == 2
    assert capsys.readouterr().err == f"error: --results {a_file} is a file; pass the results folder a run wrote (e.g. results/2.0.0)\n"
    for out in (a_file, a_file / "board"):
        assert main(["leaderboard", "--results", str(results), "--out", str(out), "--no-plots"]) == 2
        assert capsys.readouterr().err == f"error: --out {out}: it or a parent of it is a file; pass a folder for the leaderboard\n"
    assert a_file.read_text() == "x"
