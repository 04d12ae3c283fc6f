"""Every user-caused failure of ``mmal-bench`` (issue 11, "Why" 8) is one ``error:`` line with exit 2,
and nothing already written is lost: bad paths, a full disk, a corrupt result, a locked folder."""

from __future__ import annotations

import errno
import json
import os
import time
from pathlib import Path

import pytest

from mmal_bench.cli import main
from mmal_bench.harness import outdir as outdir_module
from mmal_bench.harness.outdir import LOCK_NAME, locked_out_dir
from mmal_bench.harness.results import iter_result_files, read_result
from mmal_bench.paths import dataset_cache_dir


def run_argv(out: Path, *extra: str) -> list[str]:
    return ["run", "--suite", "clitest", "--strategies", "random", "entropy", "--jobs", "1", "--out", str(out), "--quiet", "--no-leaderboard", *extra]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("MMAL_BENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_out_that_is_a_file_fails_before_any_work(tiny_suite, home: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "results.txt"
    out.write_text("keep me")
    assert main(run_argv(out)) == 2
    assert "is a file, not a folder" in one_error_line(capsys)
    assert out.read_text() == "keep me"
    assert not dataset_cache_dir("cli-tiny", "2.0.0").exists()  # checked before the dataset was even built


@pytest.mark.parametrize(
    ("out", "reason"),
    [("/proc/mmal-bench-test/results", "cannot write results to"), ("{tmp}/" + "x" * 300, "the path is too long")],
)
def test_out_that_cannot_be_written_fails_before_any_work(tiny_suite, home: Path, tmp_path: Path, capsys, out: str, reason: str) -> None:
    assert main(run_argv(Path(out.format(tmp=tmp_path)))) == 2
    assert reason in one_error_line(capsys)
    assert not dataset_cache_dir("cli-tiny", "2.0.0").exists()


def test_mmal_bench_home_that_is_a_file(tiny_suite, tmp_path: Path, monkeypatch, capsys) -> None:
    home = tmp_path / "home"
    home.write_text("")
    monkeypatch.setenv("MMAL_BENCH_HOME", str(home))
    assert main(run_argv(tmp_path / "out")) == 2
    assert f"MMAL_BENCH_HOME={home} is a file" in one_error_line(capsys)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scheduler", "foo"], "is not a Dask scheduler address"),
        (["--seeds", "5-2"], "--seeds 5-2 is an empty range"),
        (["--seeds", "0-100000000"], "--seeds 0-100000000 names 100,000,001 seeds, more than the 10,000"),
        (["--seeds", "0-7"], "--seeds 0-7: seeds must be within the suite's published seeds (0-1)"),
        (["--official"], "--official and --key go together"),
        (["--key", "k.pem"], "--official and --key go together"),
        (["--official", "--key", "no-such.key"], "no-such.key: not a readable Ed25519 private key"),
        (["--official", "--key", "k.pem", "--instance", "0"], "--instance 0: hidden instances are numbered from 1"),
    ],
)
def test_bad_run_options_fail_at_once(tiny_suite, home: Path, tmp_path: Path, capsys, extra: list[str], message: str) -> None:
    start = time.perf_counter()
    assert main(run_argv(tmp_path / "out", *extra)) == 2
    err = one_error_line(capsys)
    assert message in err and len(err) < 300
    assert time.perf_counter() - start < 20  # 1.0.0 took 150 s and printed 989 MB for 0-100000000
    assert not list(iter_result_files(tmp_path / "out"))


def test_disk_full_mid_run_loses_nothing_and_the_rerun_resumes(tiny_suite, home: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    out = tmp_path / "out"
    assert main(["datasets", "build", "cli-tiny"]) == 0  # so only result writes call fsync below
    real_fsync, calls = os.fsync, []

    def fsync_until_full(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 5:  # the third file's: each write syncs its file, then its folder
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(outdir_module.os, "fsync", fsync_until_full)
    assert main(run_argv(out)) == 2
    err = one_error_line(capsys)
    assert "no space left on the device" in err and "seed-" in err
    written = list(iter_result_files(out))
    assert len(written) == 2 and all(read_result(p) for p in written)
    assert not [p for p in out.rglob("*") if p.name.startswith(".tmp-")]  # no partial file
    monkeypatch.setattr(outdir_module.os, "fsync", real_fsync)
    assert main(run_argv(out)) == 0
    assert "2 cells run, 2 already done" in capsys.readouterr().out


def test_nan_in_a_result_file_is_named_and_resume_reruns_it(tiny_suite, home: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(run_argv(out)) == 0
    capsys.readouterr()
    victim = sorted(iter_result_files(out))[0]
    victim.write_text(victim.read_text().replace('"aubc": ', '"aubc": NaN, "x": ', 1))
    with pytest.raises(Exception, match=str(victim).replace("+", r"\+") + ".*NaN"):
        read_result(victim)
    assert main([*run_argv(out)]) == 0
    captured = capsys.readouterr()
    assert "1 cells run (1 of them replaced a damaged or outdated file, named above), 3 already done" in captured.out
    assert f"replacing {victim}: not a readable JSON result file (non-finite number NaN" in captured.err
    assert read_result(victim).summary.aubc == read_result(victim).summary.aubc  # finite again


def test_a_results_folder_in_use_is_refused(tiny_suite, home: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with locked_out_dir(out):
        assert main(run_argv(out)) == 2
        assert "is in use by another mmal-bench run" in one_error_line(capsys)
    assert not list(iter_result_files(out))
    assert main(run_argv(out)) == 0  # released with the first run
    assert (out / LOCK_NAME).is_file()


def test_stale_temp_files_of_interrupted_writes_are_cleaned(tiny_suite, home: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    stale = out / "clitest" / "cli-tiny@2.0.0" / "low" / "random" / ".tmp-interrupted.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"half": ')
    assert main(run_argv(out)) == 0
    assert not stale.exists()
    assert len(list(iter_result_files(out))) == 4


def test_broken_cache_folder_is_rebuilt_by_datasets_build(tiny_suite, home: Path, capsys) -> None:
    assert main(["datasets", "build", "cli-tiny"]) == 0
    folder = dataset_cache_dir("cli-tiny", "2.0.0")
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"] = []
    manifest_path.write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["datasets", "verify", str(folder)]) == 2
    err = one_error_line(capsys)
    assert "lists no data files" in err and "mmal-bench datasets build cli-tiny@2.0.0" in err
    assert main(["datasets", "build", "cli-tiny"]) == 0  # what the message says to run
    assert "rebuilding it" in capsys.readouterr().out
    assert main(["datasets", "verify", str(folder)]) == 0


@pytest.mark.parametrize(("stop", "code", "says"), [("SIGINT", 130, "interrupted: "), ("SIGTERM", 143, "terminated (SIGTERM): ")])
def test_ctrl_c_and_sigterm_keep_finished_cells_and_say_so(tiny_suite, home: Path, tmp_path: Path, monkeypatch, capsys, stop, code, says) -> None:
    """The real signal, sent mid-run (after two cells are written): one line saying what was kept."""
    import signal

    from mmal_bench.harness import runner

    out = tmp_path / "out"
    real_write, written = runner.write_result, []

    def write_then_signal(root, result):
        path = real_write(root, result)
        written.append(path)
        if len(written) == 2:
            os.kill(os.getpid(), getattr(signal, stop))
        return path

    monkeypatch.setattr(runner, "write_result", write_then_signal)
    assert main(run_argv(out)) == code
    err = capsys.readouterr().err
    assert err == f"{says}2 of the 4 cells are kept in {out} (2 written by this run); 2 are not done yet: run the same command again to resume\n"
    assert sorted(iter_result_files(out)) == sorted(written)
    assert getattr(signal.getsignal(signal.SIGTERM), "__name__", "") != "_terminate"  # the caller's handler is restored
    monkeypatch.setattr(runner, "write_result", real_write)
    assert main(run_argv(out)) == 0
    assert "2 cells run, 2 already done" in capsys.readouterr().out
