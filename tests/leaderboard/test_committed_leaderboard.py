"""The committed 1.0.0 leaderboard is an archive: the current package refuses its results in one line
that names the package version reproducing them, and writes nothing.

Re-rendering it byte for byte is the job of the package that wrote it (mmal-bench 0.1.0, git tag
v0.1.0: ``git checkout v0.1.0 && python -m pytest tests/leaderboard/test_committed_leaderboard.py``);
versions never mix, so 2.0.0 cannot render 1.0.0 results.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.leaderboard.render import build_leaderboard
from mmal_bench.paths import REPO_ROOT
from mmal_bench.submissions.catalog import full_catalog

ARCHIVE = REPO_ROOT / "leaderboard" / "results" / "1.0.0"


def test_archived_1_0_0_results_are_refused_in_one_line_naming_the_package(tmp_path: Path) -> None:
    assert len(list(ARCHIVE.rglob("seed-*.json"))) == 3240  # the archive stays in the repository
    with pytest.raises(ResultIntegrityError) as info:
        build_leaderboard(ARCHIVE, tmp_path / "out", suite="standard", catalog=full_catalog(REPO_ROOT / "submissions"), plots=False)
    message = str(info.value)
    assert "\n" not in message and "benchmark 1.0.0" in message and "mmal-bench 0.1.0 (git tag v0.1.0)" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
