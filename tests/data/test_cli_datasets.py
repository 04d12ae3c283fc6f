"""Tests of ``mmal-bench datasets`` (mmal_bench/cli/datasets.py): output and exit codes."""

from __future__ import annotations

import pytest

from mmal_bench.cli import main
from mmal_bench.data import hub

POOL_SHARD = "data/toy-test/pool-00000-of-00001.parquet"


def test_list_shows_the_suite(capsys):
    assert main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    for col in ("name", "version", "modalities", "classes", "pool / test", "pitfall"):
        assert col in out
    for name in ("balanced", "redundant", "unique", "synergy", "difficulty-gap", "missing-mcar", "missing-mnar"):
        assert f"| {name} " in out
    assert "5,000 / 2,000" in out and "a(16), b(16)" in out


def test_info_prints_card_ground_truth_and_fingerprint(capsys):
    assert main(["datasets", "info", "synergy@1.0.0"]) == 0
    out = capsys.readouterr().out
    assert "# synergy 1.0.0" in out and "fingerprint: sha256:" in out and "ground truth: a=0.25" in out


def test_build_to_out_dir_then_verify_dir(toy, tmp_path, capsys):
    assert main(["datasets", "build", "toy-test", "--out", str(tmp_path / "out")]) == 0
    folder = tmp_path / "out" / "toy-test" / "0.1.0"
    assert f"toy-test@0.1.0: {folder}" in capsys.readouterr().out
    assert main(["datasets", "verify", str(folder)]) == 0
    assert capsys.readouterr().out.startswith("ok toy-test@0.1.0")
    shard = folder / POOL_SHARD
    data = bytearray(shard.read_bytes())
    data[100] ^= 1
    shard.write_bytes(bytes(data))
    assert main(["datasets", "verify", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: toy-test@0.1.0: file") and "pool-00000-of-00001.parquet is corrupted" in err


def test_build_into_cache_and_verify_by_name(toy, home, capsys):
    assert main(["datasets", "build", "toy-test@0.1.0"]) == 0
    assert str(home / "datasets" / "toy-test" / "0.1.0") in capsys.readouterr().out
    assert main(["datasets", "verify", "toy-test"]) == 0
    assert "ok toy-test@0.1.0" in capsys.readouterr().out


def test_errors_exit_2_with_one_line(capsys, home):
    assert main(["datasets", "info", "nope"]) == 2
    assert "error: unknown dataset 'nope'; known datasets:" in capsys.readouterr().err
    assert main(["datasets", "verify", "redundant@3.0.0"]) == 2
    assert "has no version '3.0.0'; known versions: 1.0.0" in capsys.readouterr().err
    assert main(["datasets", "build"]) == 2
    assert "name a dataset (NAME[@VERSION]) or pass --all" in capsys.readouterr().err


def test_push_uses_the_hub_api(toy, monkeypatch, capsys):
    seen = {}

    def fake_push(name, version, repo_id, token=None):
        seen.update(name=name, version=version, repo_id=repo_id)
        return "deadbeef"

    monkeypatch.setattr(hub, "push_to_hub", fake_push)
    assert main(["datasets", "push", "toy-test", "--repo-id", "org/toy"]) == 0
    assert seen == {"name": "toy-test", "version": "0.1.0", "repo_id": "org/toy"}
    assert "tagged 0.1.0" in capsys.readouterr().out


def test_push_dry_run_prints_the_plan_and_uploads_nothing(toy, monkeypatch, capsys):
    import json

    monkeypatch.setattr(hub, "push_to_hub", lambda *a, **k: pytest.fail("a dry run uploads nothing"))
    assert main(["datasets", "push", "toy-test", "--dry-run"]) == 0
    out = capsys.readouterr().out
    folder = hub.dataset_cache_dir("toy-test", "0.1.0")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert out.startswith(f"toy-test@0.1.0: push {folder} to https://huggingface.co/datasets/mmal-bench/toy-test, then tag it 0.1.0\n")
    assert f"fingerprint {manifest['fingerprint']} (verified)" in out and out.endswith("dry run: nothing uploaded\n")
    for rel in ["README.md", "manifest.json", *manifest["files"]]:
        assert f"  {rel}  {(folder / rel).stat().st_size:,} bytes\n" in out
    assert f"  {len(manifest['files']) + 2} files, " in out


def test_learnability_prints_the_gate_table_of_the_committed_calibration(capsys):
    from mmal_bench.harness.suites import get_suite

    suite = get_suite("standard")  # the current release: suite 3.0.0, regimes low and mid
    assert main(["datasets", "learnability"]) == 0
    out = capsys.readouterr().out
    for col in ("dataset", "ground truth", "full-pool model", "random@low", "random@mid", "gate"):
        assert col in out
    assert "random@high" not in out
    assert len(suite.datasets) >= 50 and all(out.count(f"| {ref} ") == 1 for ref in suite.datasets)  # a row per dataset
    assert "synergy-v1@3.0.0" in out and "noisy-labels-v1@3.0.0" in out and "real-noisy-labels-mnist@3.0.0" in out
    assert main(["datasets", "learnability", "synergy-v1"]) == 0
    assert capsys.readouterr().out.count("@3.0.0") == 1
    assert main(["datasets", "learnability", "nope"]) == 2
    assert capsys.readouterr().err.startswith("error: dataset 'nope' is not calibrated in suite standard@3.0.0")
    # the archived 2.0.0 calibration (three regimes) stays readable by name@version
    assert main(["datasets", "learnability", "--suite", "standard@2.0.0", "synergy"]) == 0
    out = capsys.readouterr().out
    assert "random@high" in out and out.count("@2.0.0") == 1 and "synergy@2.0.0" in out


def test_calibrate_refuses_bad_arguments_in_one_line_and_writes_nothing(capsys, tmp_path):
    out = tmp_path / "cal.json"
    assert main(["datasets", "calibrate", "--seeds", "a,b", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("error: --seeds 'a,b': use comma-separated integers")
    assert main(["datasets", "calibrate", "--datasets", "nope", "--out", str(out)]) == 2
    assert "unknown dataset(s) nope for suite 'standard'" in capsys.readouterr().err
    assert main(["datasets", "calibrate", "--suite", "full", "--out", str(out)]) == 2
    assert not out.exists()
