"""The committed leaderboard is exactly what the committed result files give, and they all verify.

This is what a reader citing the table relies on: every result file passes its content hash, its
strategy's current source hash and its dataset's manifest fingerprint, the standard suite is complete,
and re-rendering reproduces LEADERBOARD.md and leaderboard.csv byte for byte.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mmal_bench.leaderboard.render import CSV_NAME, MARKDOWN_NAME, build_leaderboard
from mmal_bench.leaderboard.scoring import suite_grid
from mmal_bench.paths import REPO_ROOT
from mmal_bench.submissions.catalog import full_catalog

COMMITTED = REPO_ROOT / "leaderboard"
#: Benchmark versions whose committed leaderboard was rendered by an earlier package: the 1.0.0 one by
#: package 0.1.0 (git tag v0.1.0), before dataset-level statistics replaced mean ranks and W/T/L.
ARCHIVED = {"1.0.0"}
VERSION = re.compile(r"^\d+\.\d+\.\d+$")  # results/<version>/ folders (not e.g. results/1.0.0-statistics/)
CURRENT = sorted(p.name for p in (COMMITTED / "results").iterdir() if p.is_dir() and VERSION.match(p.name) and p.name not in ARCHIVED)


@pytest.mark.skipif(
    not CURRENT,
    reason="the committed leaderboard is the archived 1.0.0 one, rendered by package v0.1.0 (git tag v0.1.0 reproduces it "
    "byte for byte); this package renders 2.0.0 statistics, and its 1.0.0 figures are in leaderboard/results/1.0.0-statistics.md",
)
def test_committed_leaderboard_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    board = build_leaderboard(
        COMMITTED / "results" / CURRENT[-1],
        tmp_path,
        suite="standard",
        catalog=full_catalog(REPO_ROOT / "submissions"),
        expected=suite_grid("standard"),
        plots=False,
    )
    assert not board.missing, f"incomplete strategies on the committed leaderboard: {sorted(board.missing)}"
    for name in (MARKDOWN_NAME, CSV_NAME):
        assert (tmp_path / name).read_bytes() == (COMMITTED / name).read_bytes(), f"{name} is stale: re-render it"
