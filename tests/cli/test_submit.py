"""``mmal-bench submit``: the example submission scores end to end; a broken one is one `error:` line, exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mmal_bench.cli import main
from mmal_bench.harness.suites import get_suite
from mmal_bench.paths import REPO_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "submissions"))
from submission_factory import make_submission, metadata  # noqa: E402

FIRST = get_suite("quick").protocols()[0]
SLICE = ["--datasets", FIRST.dataset, "--regimes", FIRST.regime.name, "--seeds", str(FIRST.seeds[0]), "--jobs", "1"]


@pytest.fixture(scope="module")
def scored_example(tmp_path_factory):
    """The repository's example submission scored on one cell of the quick suite via the CLI."""
    out = tmp_path_factory.mktemp("cli-submit") / "results"
    code = main(["submit", str(REPO_ROOT / "submissions" / "information-density"), "--out", str(out), "--no-leaderboard", "--quiet", *SLICE])
    return code, out


def test_example_submission_scores(scored_example, capsys) -> None:
    code, out = scored_example
    assert code == 0
    files = sorted(out.rglob("seed-*.json"))
    assert [p.relative_to(out).as_posix() for p in files] == [f"quick/{FIRST.dataset_ref}/{FIRST.regime.name}/information-density/seed-{FIRST.seeds[0]}.json"]


def test_broken_submission_is_one_error_line(tmp_path: Path, capsys) -> None:
    folder = make_submission(tmp_path, "cli-bad", meta=metadata("cli-bad", paper_url="nope"))
    code = main(["submit", str(folder), "--out", str(tmp_path / "results"), "--quiet", *SLICE])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "field 'paper_url' must be an http(s) URL" in err
    assert not (tmp_path / "results").exists()
