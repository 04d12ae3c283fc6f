"""The calibration is data with a fingerprint: verified on load, written by `write_calibration`; a missing
or damaged file is one clear error for the suites that read it (``standard``) and nothing else."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from mmal_bench.errors import ConfigError
from mmal_bench.harness.calibration import store
from mmal_bench.harness.calibration.store import CalibratedRegimes, calibration_fingerprint, load_calibration, write_calibration
from mmal_bench.harness.suites import QUICK, STANDARD

COMMITTED = store.calibration_path("standard", "2.0.0")


@pytest.fixture
def package_data(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the committed calibration folder that `calibration_path` reads instead."""
    folder = tmp_path / "calibration"
    folder.mkdir()
    shutil.copy(COMMITTED, folder / COMMITTED.name)
    monkeypatch.setattr(store, "HERE", folder)
    return folder / COMMITTED.name


def fresh_standard():
    """`STANDARD` with regimes read anew from the (patched) package data."""
    return dataclasses.replace(STANDARD, regime_overrides=CalibratedRegimes("standard", "2.0.0"))


def test_committed_calibration_carries_its_fingerprint() -> None:
    raw = json.loads(COMMITTED.read_text())
    assert raw["fingerprint"] == calibration_fingerprint(raw) and raw["fingerprint"].startswith("sha256:")
    assert load_calibration("standard", "2.0.0") == raw


def _edit_full_pool(text: str) -> str:
    return text.replace('"full_pool_accuracy": 0.87155', '"full_pool_accuracy": 0.97155', 1)


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda p: p.write_text(_edit_full_pool(p.read_text())), r"does not match its fingerprint .*: it was edited after calibration"),
        (lambda p: p.write_text(p.read_text()[:5000]), r"is damaged, not readable JSON"),
        (lambda p: p.write_bytes(b"\xff\xfe"), r"is damaged, not readable JSON"),
        (lambda p: p.write_text(json.dumps({k: v for k, v in json.loads(p.read_text()).items() if k != "fingerprint"})), r"has no fingerprint"),
        (lambda p: p.unlink(), r"no calibration for suite standard@2\.0\.0 .*suite standard has no budgets without it"),
    ],
)
def test_damaged_or_missing_calibration_fails_standard_in_one_line_and_quick_keeps_working(package_data: Path, damage, says: str) -> None:
    assert fresh_standard().protocols()  # the copy is good
    damage(package_data)
    with pytest.raises(ConfigError) as info:
        fresh_standard().protocols()
    message = str(info.value)
    assert "\n" not in message and re.search(says, message), message
    assert "mmal-bench datasets calibrate --suite standard" in message and "git checkout" in message
    assert len(QUICK.protocols()) == 4  # the quick suite reads no calibration


def test_standard_never_falls_back_to_uncalibrated_budgets(package_data: Path) -> None:
    raw = json.loads(package_data.read_text())
    del raw["datasets"]["synergy@2.0.0"]
    write_calibration(raw, package_data)  # a valid, fingerprinted calibration that lacks one dataset
    with pytest.raises(ConfigError, match=r"dataset 'synergy' is not in the calibration of suite standard@2\.0\.0"):
        fresh_standard().protocols()


def test_write_calibration_fingerprints_what_it_writes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store, "HERE", tmp_path)
    calibration = {"suite": "demo", "suite_version": "9.0.0", "datasets": {}, "fingerprint": "sha256:stale"}
    path = write_calibration(calibration, store.calibration_path("demo", "9.0.0"))
    written = json.loads(path.read_text())
    assert written["fingerprint"] == calibration_fingerprint(calibration) != "sha256:stale"
    assert load_calibration("demo", "9.0.0") == written
    assert not list(tmp_path.glob(".tmp-*"))
    with pytest.raises(ConfigError, match=r"is for suite demo@9\.0\.0, not other@9\.0\.0"):
        shutil.copy(path, store.calibration_path("other", "9.0.0"))
        load_calibration("other", "9.0.0")
