"""Shared arguments (``--seeds``, ``--jobs``) are checked right after parsing: a bad value is one line at
once, before the command imports torch or reads a file."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from mmal_bench.cli import main
from mmal_bench.cli.arguments import MAX_SEEDS, parse_seeds
from mmal_bench.errors import ConfigError


def test_parse_seeds_ranges_and_guard() -> None:
    assert parse_seeds(["0", "3-5", "2,3"]) == [0, 3, 4, 5, 2]
    assert parse_seeds([f"0-{MAX_SEEDS - 1}"]) == list(range(MAX_SEEDS))
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"--seeds 0-100000000 names 100,000,001 seeds, more than the 10,000"):
        parse_seeds(["0-100000000"])
    assert time.perf_counter() - start < 0.1  # counted, never expanded
    with pytest.raises(ConfigError, match=r"--seeds 5-2 is an empty range"):
        parse_seeds(["5-2"])
    with pytest.raises(ConfigError, match=r"--seeds 7: seeds must be within the suite's published seeds \(0-1\)"):
        parse_seeds(["7"], allowed=[0, 1])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reproduce", "leaderboard/results/2.0.0", "--seeds", "0-100000000"], "error: --seeds 0-100000000 names 100,000,001 seeds"),
        (["reproduce", "leaderboard/results/2.0.0", "--jobs", "0"], "error: --jobs must be at least 1, got 0"),
        (["run", "--jobs", "-3"], "error: --jobs must be at least 1, got -3"),
        (["run", "--seeds", "1-x"], "error: --seeds takes integers or ranges like 0-4, got '1-x'"),
        (["submit", "submissions/information-density", "--jobs", "0"], "error: --jobs must be at least 1, got 0"),
    ],
)
def test_bad_shared_arguments_fail_in_one_line_before_heavy_imports(argv: list[str], message: str) -> None:
    probe = (
        "import sys\nfrom mmal_bench.cli import main\n"
        f"code = main({argv!r})\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'datasets', 'pandas', 'scipy', 'sklearn'})\n"
        "print('HEAVY', heavy, 'CODE', code, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    lines = done.stderr.splitlines()
    assert lines[0].startswith(message) and lines[1] == "HEAVY [] CODE 2", done.stderr[-800:]


def test_in_process_the_error_is_one_line(capsys) -> None:
    assert main(["reproduce", "leaderboard/results/2.0.0", "--seeds", "0-100000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --seeds")
