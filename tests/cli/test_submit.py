"""``mmal-bench submit``: the example submission scores end to end beside a built-in, with its results and
leaderboard both inside ``--out``; a broken one is one `error:` line, exit 2."""

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
    out = tmp_path_factory.mktemp("cli-submit") / "out"
    code = main(["submit", str(REPO_ROOT / "submissions" / "information-density"), "--out", str(out), "--baselines", "random", "--quiet", *SLICE])
    return code, out


def test_example_submission_scores(scored_example, capsys) -> None:
    code, out = scored_example
    assert code == 0
    files = sorted((out / "results").rglob("seed-*.json"))
    cell = f"quick/{FIRST.dataset_ref}/{FIRST.regime.name}"
    assert [p.relative_to(out / "results").as_posix() for p in files] == [
        f"{cell}/information-density/seed-{FIRST.seeds[0]}.json",
        f"{cell}/random/seed-{FIRST.seeds[0]}.json",
    ]
    board = (out / "leaderboard" / "LEADERBOARD.md").read_text()
    assert "information-density" in board and "random" in board  # never a table of one
    assert sorted(p.name for p in out.iterdir()) == ["leaderboard", "results"]  # nothing beside --out


def test_broken_submission_is_one_error_line(tmp_path: Path, capsys) -> None:
    folder = make_submission(tmp_path, "cli-bad", meta=metadata("cli-bad", paper_url="nope"))
    code = main(["submit", str(folder), "--out", str(tmp_path / "results"), "--quiet", *SLICE])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "field 'paper_url' must be an http(s) URL" in err
    assert not (tmp_path / "results").exists()


def test_official_needs_a_key_and_out_must_be_a_folder(tmp_path: Path, capsys) -> None:
    folder = make_submission(tmp_path, "cli-good")
    assert main(["submit", str(folder), "--official", "--quiet", *SLICE]) == 2
    assert "--official and --key go together" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["submit", str(folder), "--out", str(tmp_path / "file"), "--quiet", *SLICE]) == 2
    assert "is a file; pass a folder" in capsys.readouterr().err


def test_keys_generate_and_reveal(tmp_path: Path, capsys) -> None:
    assert main(["keys", "generate", str(tmp_path / "k.key"), "--public-dir", str(tmp_path / "pub")]) == 0
    assert len(list((tmp_path / "pub").glob("*.pub"))) == 1
    capsys.readouterr()
    assert main(["keys", "reveal", str(tmp_path / "k.key"), "--suite", "quick"]) == 0
    import json

    shown = json.loads(capsys.readouterr().out)
    assert shown["instance"] == 1 and set(shown["seeds"]) == {f"{n}@{v}" for n, v in get_suite("quick").dataset_refs()}
