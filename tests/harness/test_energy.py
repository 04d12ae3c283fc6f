"""RAPL readings: package domains only, wrap-around undone, absent or unreadable counters give None."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmal_bench.harness import energy


def fake_domain(root: Path, name: str, energy_uj: int, max_uj: int = 1_000_000) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "energy_uj").write_text(f"{energy_uj}\n")
    (root / name / "max_energy_range_uj").write_text(f"{max_uj}\n")


def test_package_domains_are_summed_and_wrap_around_is_undone(tmp_path: Path) -> None:
    fake_domain(tmp_path, "intel-rapl:0", 900_000)
    fake_domain(tmp_path, "intel-rapl:0:0", 5)  # a sub-domain: inside its package, never added again
    fake_domain(tmp_path, "intel-rapl:1", 100)
    start = energy.read_rapl(tmp_path)
    assert start == [(900_000, 1_000_000), (100, 1_000_000)]
    fake_domain(tmp_path, "intel-rapl:0", 150_000)  # wrapped: 100,000 to the range, then 150,000
    fake_domain(tmp_path, "intel-rapl:1", 2_100)
    assert energy.joules_between(start, energy.read_rapl(tmp_path)) == pytest.approx((250_000 + 2_000) / 1e6)


def test_no_or_unreadable_counters_give_none(tmp_path: Path) -> None:
    assert energy.read_rapl(tmp_path) is None
    (tmp_path / "intel-rapl:0").mkdir()
    assert energy.read_rapl(tmp_path) is None  # no energy_uj (e.g. root-only): no reading, no guess
    assert energy.joules_between(None, [(1, 2)]) is None
