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


@pytest.fixture(scope="module")
def quickstart_run(tmp_path_factory):
    """What the quickstart leaves: `mmal-bench run` of the built-in ``random`` on the slice."""
    out = tmp_path_factory.mktemp("quickstart") / "results"
    assert main(["run", "--strategies", "random", "--out", str(out), "--quiet", *SLICE]) == 0
    return out


def test_submit_reuses_the_built_in_cells_of_a_results_folder_instead_of_recomputing(quickstart_run: Path, tmp_path: Path, capsys) -> None:
    ran = next(quickstart_run.rglob("random/seed-*.json"))
    out = tmp_path / "out"
    code = main(["submit", str(REPO_ROOT / "submissions" / "information-density"), "--out", str(out), "--reuse", str(quickstart_run), "--baselines", "random", *SLICE])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "built-ins random ready (1 cells reused, not recomputed)" in captured.out
    copied = out / "results" / ran.relative_to(quickstart_run)
    assert copied.read_bytes() == ran.read_bytes()  # the very file the run wrote, not a recomputation
    # every progress bar says what it runs (tqdm draws on stderr); the built-ins needed none
    assert "built-ins" not in captured.err and f"information-density 1/1 {FIRST.dataset_ref} {FIRST.regime.name}" in captured.err


def test_a_cell_is_reused_only_when_protocol_source_fingerprint_and_harness_match(quickstart_run: Path, tmp_path: Path) -> None:
    from mmal_bench.harness.loop import builtin_entry
    from mmal_bench.harness.results import harness_hash, read_result, with_provenance, write_result
    from mmal_bench.submissions.submit import _fingerprint, reusable

    path = next(quickstart_run.rglob("random/seed-*.json"))
    source = builtin_entry("random").source_hash
    fingerprint = _fingerprint(FIRST.dataset_ref, {})
    assert fingerprint and fingerprint.startswith("sha256:")
    assert reusable(path, FIRST, source, fingerprint, harness_hash()) is not None
    assert reusable(path, FIRST, source, "sha256:" + "0" * 64, harness_hash()) is None  # another dataset build
    assert reusable(path, FIRST, "sha256:other", fingerprint, harness_hash()) is None  # another strategy source
    other_suite = get_suite("quick").protocols()[-1]
    assert other_suite.protocol_hash != FIRST.protocol_hash and reusable(path, other_suite, source, fingerprint, harness_hash()) is None
    assert reusable(path.with_name("seed-999.json"), FIRST, source, fingerprint, harness_hash()) is None  # no file
    older = write_result(tmp_path, with_provenance(read_result(path), {}, harness="sha256:" + "1" * 64))  # an older harness's submit
    assert reusable(older, FIRST, source, fingerprint, harness_hash()) is None
    assert reusable(older, FIRST, source, fingerprint, None) is not None  # a release's own files are checked by `reproduce`


def test_reuse_of_a_missing_folder_is_one_error_line(tmp_path: Path, capsys) -> None:
    folder = make_submission(tmp_path, "cli-good")
    assert main(["submit", str(folder), "--out", str(tmp_path / "o"), "--reuse", str(tmp_path / "nope"), "--quiet", *SLICE]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--reuse" in err and "no such results folder" in err


def test_by_default_submit_reuses_what_the_last_run_wrote(quickstart_run: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """The README's path: `mmal-bench run` (results in ./results/<version>), then `submit --out`, no --reuse."""
    import shutil

    from mmal_bench.harness.runner import default_out_dir

    monkeypatch.chdir(tmp_path)
    shutil.copytree(quickstart_run, default_out_dir())
    code = main(["submit", str(REPO_ROOT / "submissions" / "information-density"), "--out", "my-run", "--baselines", "random", *SLICE])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "(1 cells reused, not recomputed)" in captured.out


def test_a_stopped_submit_says_nothing_was_published_and_keeps_no_file(tmp_path: Path, monkeypatch, capsys) -> None:
    """SIGTERM during scoring: the run's own message named the staging folder that submit then deletes."""
    from mmal_bench.cli import Terminated
    from mmal_bench.harness.runner import RunInterrupted, RunReport
    import importlib

    submit_module = importlib.import_module("mmal_bench.submissions.submit")  # the package exports a function of that name

    def stopped(*args, **kwargs):
        raise RunInterrupted(RunReport(out=tmp_path / "staging", cells=[])) from Terminated()

    monkeypatch.setattr(submit_module, "run_protocols", stopped)
    out = tmp_path / "out"
    code = main(["submit", str(REPO_ROOT / "submissions" / "information-density"), "--out", str(out), "--baselines", "random", "--quiet", *SLICE])
    err = capsys.readouterr().err
    assert code == 128 + 15
    assert "terminated (SIGTERM): nothing of information-density was published" in err and "staging" not in err
    assert not list(out.rglob("seed-*.json"))
