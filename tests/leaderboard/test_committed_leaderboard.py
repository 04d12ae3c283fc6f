"""The committed leaderboard is exactly what the committed result files give, and they all verify.

This is what a reader citing the table relies on: every result file passes its content hash, its
strategy's current source hash and its dataset's manifest fingerprint, the standard suite is complete,
and re-rendering reproduces LEADERBOARD.md and leaderboard.csv byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmal_bench.leaderboard.render import CSV_NAME, MARKDOWN_NAME, build_leaderboard
from mmal_bench.leaderboard.scoring import suite_grid
from mmal_bench.paths import REPO_ROOT
from mmal_bench.submissions.catalog import full_catalog

COMMITTED = REPO_ROOT / "leaderboard"


@pytest.mark.skip(reason="benchmark 1.0.0 results are archived: the 2.0.0 model and strategies changed their source hashes; package 0.1.0 (git tag v0.1.0) reproduces them")
def test_committed_leaderboard_is_reproduced_byte_for_byte(tmp_path: Path) -> None:
    board = build_leaderboard(
        COMMITTED / "results" / "1.0.0",
        tmp_path,
        suite="standard",
        catalog=full_catalog(REPO_ROOT / "submissions"),
        expected=suite_grid("standard"),
        plots=False,
    )
    assert not board.missing, f"incomplete strategies on the committed leaderboard: {sorted(board.missing)}"
    for name in (MARKDOWN_NAME, CSV_NAME):
        assert (tmp_path / name).read_bytes() == (COMMITTED / name).read_bytes(), f"{name} is stale: re-render it"
