"""`reproduce`: recomputed cells compared number by number with their files, public and official
(rebuilt from the key or from revealed seeds), a moved number named by its field, submissions skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmal_bench.cli import main
from mmal_bench.data.instances import instance_seeds
from mmal_bench.errors import ConfigError
from mmal_bench.harness import metrics, signing
from mmal_bench.harness.loop import StrategyEntry
from mmal_bench.harness.official import OfficialScoring
from mmal_bench.harness.reproduce import first_difference, reproduce
from mmal_bench.harness.runner import run_suite
from mmal_bench.harness.suites import get_suite
from mmal_bench.strategies.unimodal import RandomSampling

FIRST = get_suite("quick").protocols()[0]
SLICE = {"datasets": [FIRST.dataset], "regimes": [FIRST.regime.name], "seeds": [0]}
RUN = {"suite": "quick", **SLICE, "jobs": 1, "progress": False}


class MyRandom(RandomSampling):
    """Stands in for a submission: a strategy that is not built in."""

    name = "my-random"


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("public")
    run_suite(strategies=["random", "entropy"], extra_strategies=[StrategyEntry.of(MyRandom())], out=out, **RUN)
    return out


@pytest.fixture(scope="module")
def official(tmp_path_factory) -> tuple[Path, Path, OfficialScoring]:
    base = tmp_path_factory.mktemp("official")
    key, _ = signing.generate_keys(base / "release.key", base / "public-keys")
    scoring = OfficialScoring.from_key_file(key)
    run_suite(strategies=["random"], out=base / "results", official=scoring, **RUN)
    return base / "results", key, scoring


def test_public_cells_reproduce_and_submissions_are_skipped(public: Path) -> None:
    report = reproduce(public, "quick", jobs=1, **SLICE)
    assert len(report.compared) == 2 and report.identical
    assert report.skipped == {"my-random": 1}
    only = reproduce(public, "quick", strategies=["entropy"], datasets=[f"{FIRST.dataset}@{FIRST.dataset_version}"], jobs=1)
    assert [p.parts[-2] for p in only.compared] == ["entropy"]


def test_a_moved_number_is_named_by_its_field(public: Path, monkeypatch) -> None:
    real = metrics.macro_f1
    monkeypatch.setattr(metrics, "macro_f1", lambda *a: real(*a) + 1e-9)  # in-process: one job
    report = reproduce(public, "quick", strategies=["random"], jobs=1)
    assert not report.identical and len(report.mismatches) == 1
    assert report.mismatches[0].detail.startswith("rounds[0].macro_f1: published ")


def test_official_cells_need_the_key_or_the_revealed_seeds(official, tmp_path: Path) -> None:
    results, key, scoring = official
    with pytest.raises(ConfigError, match=r"scored on hidden instance 1; pass --key FILE .* or --revealed FILE"):
        reproduce(results, "quick", jobs=1)
    assert reproduce(results, "quick", key=key, jobs=1).identical

    ref = f"{FIRST.dataset}@{FIRST.dataset_version}"
    seeds = instance_seeds(signing.instance_secret(scoring.key), [(FIRST.dataset, FIRST.dataset_version)], 1)
    revealed = tmp_path / "revealed.json"
    revealed.write_text(json.dumps({"suite": "quick", "instance": 1, "seeds": seeds}))
    assert reproduce(results, "quick", revealed=revealed, jobs=1).identical

    revealed.write_text(json.dumps({"suite": "quick", "instance": 1, "seeds": {ref: seeds[ref] + 1}}))
    wrong = reproduce(results, "quick", revealed=revealed, jobs=1)
    assert wrong.mismatches[0].detail.startswith("provenance.dataset_fingerprint: published 'sha256:")
    revealed.write_text(json.dumps({"instance": 2, "seeds": seeds}))
    with pytest.raises(ConfigError, match=r"reveals instance 2, but the cells of .* were scored on instance 1"):
        reproduce(results, "quick", revealed=revealed, jobs=1)
    revealed.write_text("[1, 2]")
    with pytest.raises(ConfigError, match=r"not a revealed-seeds file"):
        reproduce(results, "quick", revealed=revealed, jobs=1)
    with pytest.raises(ConfigError, match=r"--key or --revealed, not both"):
        reproduce(results, "quick", key=key, revealed=revealed, jobs=1)


def test_selection_errors_are_one_line(public: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"holds no results of suite 'standard'"):
        reproduce(public, "standard", jobs=1)
    with pytest.raises(ConfigError, match=r"no published cell of suite 'quick' .* matches the selection"):
        reproduce(public, "quick", seeds=[1], jobs=1)


def test_first_difference_walks_to_the_leaf() -> None:
    a = {"rounds": [{"accuracy": 0.5}, {"accuracy": 0.75}], "summary": {"aubc": 1.0}}
    b = {"rounds": [{"accuracy": 0.5}, {"accuracy": 0.8}], "summary": {"aubc": 1.0}}
    assert first_difference(a, a) is None
    assert first_difference(a, b) == "rounds[1].accuracy: published 0.75, recomputed 0.8"
    assert first_difference({"x": [1]}, {"x": [1, 2]}) == "x: published 1 entries, recomputed 2"
    assert first_difference({"x": 1}, {}) == "x: only in the published cell"


def test_cli_exit_codes(public: Path, monkeypatch, capsys) -> None:
    assert main(["reproduce", str(public), "--suite", "quick", "--strategies", "random", "--jobs", "1", "--quiet"]) == 0
    assert "1 cells recomputed: every number identical" in capsys.readouterr().out
    real = metrics.accuracy
    monkeypatch.setattr(metrics, "accuracy", lambda *a: real(*a) * 0.5)
    assert main(["reproduce", str(public), "--suite", "quick", "--strategies", "random", "--jobs", "1", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "differs: " in out and "1 of 1 recomputed cells differ" in out


def test_a_resealed_edit_is_refused_before_any_recomputation(public: Path, tmp_path: Path) -> None:
    import shutil

    from mmal_bench.errors import ResultIntegrityError
    from mmal_bench.harness.results import read_result, write_result

    copy = tmp_path / "results"
    shutil.copytree(public, copy)
    victim = next(copy.rglob("entropy/seed-0.json"))
    result = read_result(victim)
    write_result(copy, result.model_copy(update={"summary": result.summary.model_copy(update={"aubc": 0.99})}))  # resealed
    with pytest.raises(ResultIntegrityError, match=rf"{victim}: summary\.aubc 0\.99 is not what its rounds give .*delete it and re-run"):
        reproduce(copy, "quick", jobs=1)
