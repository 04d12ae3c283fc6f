"""``mmal-bench run`` end to end on a tiny registered dataset, and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmal_bench.cli import main
from mmal_bench.cli.run import parse_seeds
from mmal_bench.errors import ConfigError
from mmal_bench.harness.results import iter_result_files, read_result

def test_run_writes_cells_prints_a_summary_and_resumes(tiny_suite, tmp_path: Path, capsys) -> None:
    results = tmp_path / "results"
    argv = ["run", "--suite", "clitest", "--strategies", "random", "entropy", "--jobs", "1", "--out", str(results), "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "cli-tiny@2.0.0" in out and "entropy" in out and "AUBC" in out
    assert "4 cells run, 0 already done, 0 failed" in out
    board = tmp_path / "results-clitest-leaderboard"
    assert f"wrote {board / 'LEADERBOARD.md'}" in out
    assert "entropy" in (board / "LEADERBOARD.md").read_text() and (board / "leaderboard.csv").is_file()
    files = list(iter_result_files(results))
    assert len(files) == 4
    assert {read_result(f).provenance.strategy for f in files} == {"random", "entropy"}
    assert main([*argv, "--seeds", "1", "--no-leaderboard"]) == 0
    out = capsys.readouterr().out
    assert "0 cells run, 2 already done, 0 failed" in out and "LEADERBOARD.md" not in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--strategies", "nope"], "error: unknown strategy 'nope'; choose from: random, entropy"),
        (["--datasets", "nope"], "error: unknown dataset(s) nope for suite 'clitest'; choose from: cli-tiny"),
        (["--regimes", "huge"], "error: unknown regime(s) huge for suite 'clitest'; choose from: low"),
        (["--seeds", "7"], "error: --seeds 7: seeds must be within the suite's published seeds (0-1)"),
        (["--seeds", "x"], "error: --seeds takes integers or ranges like 0-4, got 'x'"),
        (["--jobs", "0"], "error: --jobs must be at least 1, got 0"),
    ],
)
def test_bad_options_are_one_line_errors(tiny_suite, tmp_path: Path, capsys, extra: list[str], message: str) -> None:
    assert main(["run", "--suite", "clitest", "--out", str(tmp_path), "--quiet", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not list(iter_result_files(tmp_path))


def test_parse_seeds() -> None:
    assert parse_seeds(["0", "3-5", "2,3"]) == [0, 3, 4, 5, 2]
    assert parse_seeds(None) is None
    with pytest.raises(ConfigError):
        parse_seeds(["1-x"])
