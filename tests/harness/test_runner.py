"""Runs: planning, atomic per-cell files, resume after a crash, group-subset resume, executors agree."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from harness_factory import TINY_MODEL, FirstUnlabeled, MaxEntropy, RandomPick, ReturnsLabeled, tiny_data, tiny_protocol

from mmal_bench.errors import ConfigError, ResultIntegrityError
from mmal_bench.harness import runner
from mmal_bench.harness.executors import DaskExecutor, InlineExecutor, LocalPoolExecutor
from mmal_bench.harness.loop import StrategyEntry
from mmal_bench.harness.results import TIMING_FIELDS, iter_result_files, read_result
from mmal_bench.harness.verify import DatasetTruth

DATA = tiny_data()
DATA_B = tiny_data(name="tiny-b", pool_size=70)
DATASETS = {DATA.ref: DATA, DATA_B.ref: DATA_B}
PROTOCOLS = [tiny_protocol(DATA), tiny_protocol(DATA_B)]
STRATEGIES = [StrategyEntry.of(s) for s in (FirstUnlabeled(), RandomPick(), MaxEntropy())]
N_CELLS = 2 * 2 * 3  # datasets × seeds × strategies


def run(out: Path, strategies=STRATEGIES, executor=None, protocols=PROTOCOLS, **kwargs) -> runner.RunReport:
    return runner.run_protocols(protocols, strategies, out, executor=executor or InlineExecutor(), data=DATASETS, progress=False, **kwargs)


def snapshot(out: Path) -> dict[str, dict]:
    """Every result under ``out`` by relative path, timings and the hash over them removed."""
    files = {}
    for path in iter_result_files(out):
        body = json.loads(path.read_text())
        body.pop("content_hash")
        for record in body["rounds"]:
            for name in TIMING_FIELDS:
                record.pop(name)
        files[str(path.relative_to(out))] = body
    return files


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    report = run(out)
    assert report.ok and len(report.written) == N_CELLS and not report.skipped
    return out


def test_one_valid_file_per_cell_and_rerun_skips_all(reference: Path) -> None:
    files = list(iter_result_files(reference))
    assert len(files) == N_CELLS
    assert "test/tiny@1.0.0/tiny/maxent/seed-1.json" in {str(p.relative_to(reference)) for p in files}
    for path in files:
        read_result(path)
    again = run(reference)
    assert again.written == [] and len(again.skipped) == N_CELLS and len(again.paths) == N_CELLS


def test_crash_mid_run_then_resume_gives_the_uninterrupted_results(tmp_path: Path, reference: Path, monkeypatch) -> None:
    real_write = runner.write_result
    calls = {"n": 0}

    def crashing_write(root, result):
        if calls["n"] == 4:
            raise KeyboardInterrupt  # as if the user hit Ctrl-C between two writes
        calls["n"] += 1
        return real_write(root, result)

    monkeypatch.setattr(runner, "write_result", crashing_write)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path)
    assert len(list(iter_result_files(tmp_path))) == 4
    assert not list(tmp_path.rglob(".tmp-*")), "no partial file may be left behind"
    monkeypatch.setattr(runner, "write_result", real_write)
    resumed = run(tmp_path)
    assert len(resumed.skipped) == 4 and len(resumed.written) == N_CELLS - 4
    assert snapshot(tmp_path) == snapshot(reference)


def test_resuming_a_group_with_only_its_missing_strategies_is_identical(tmp_path: Path, reference: Path) -> None:
    run(tmp_path)
    for path in tmp_path.rglob("maxent/seed-0.json"):
        path.unlink()
    resumed = run(tmp_path)
    assert {p.parent.name for p in resumed.written} == {"maxent"} and len(resumed.written) == 2
    assert snapshot(tmp_path) == snapshot(reference)


def test_invalid_file_is_rerun_and_a_stale_strategy_is_replaced(tmp_path: Path, reference: Path) -> None:
    run(tmp_path)
    victim = next(tmp_path.rglob("rand/seed-1.json"))
    victim.write_text(victim.read_text().replace('"accuracy": 0.', '"accuracy": 1.', 1))
    changed = [StrategyEntry(e.name, e.strategy, "sha256:new-code" if e.name == "first" else e.source_hash) for e in STRATEGIES]
    truths = {ref: DatasetTruth.of(data) for ref, data in DATASETS.items()}
    statuses = [c.status for c in runner.plan_cells(PROTOCOLS, changed, tmp_path, truths=truths)]
    assert statuses.count("invalid") == 1 and statuses.count("stale") == 4
    report = run(tmp_path, strategies=changed)
    assert len(report.written) == 5
    assert read_result(victim) and snapshot(tmp_path).keys() == snapshot(reference).keys()


def test_results_of_another_protocol_are_never_mixed(tmp_path: Path) -> None:
    run(tmp_path, strategies=STRATEGIES[:1], protocols=PROTOCOLS[:1], seeds=[0])
    other = replace(PROTOCOLS[0], model=replace(TINY_MODEL, steps=6))
    with pytest.raises(ResultIntegrityError, match="was produced under another protocol.*another --out"):
        run(tmp_path, strategies=STRATEGIES[:1], protocols=[other], seeds=[0])


def test_seed_outside_the_protocol_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"seed\(s\) 5 are not in suite 'test'; its published seeds are 0, 1"):
        run(tmp_path, seeds=[5])


def test_failed_cells_are_reported_and_not_written(tmp_path: Path) -> None:
    report = run(tmp_path, strategies=[StrategyEntry.of(ReturnsLabeled()), *STRATEGIES[:1]], protocols=PROTOCOLS[:1])
    assert not report.ok and len(report.failures) == 2 and len(report.written) == 2
    assert all("strategy 'cheater' failed" in reason for reason in report.failures.values())
    assert {p.parent.name for p in report.paths} == {"first"}


def test_local_process_pool_and_dask_give_the_inline_results(tmp_path: Path, reference: Path) -> None:
    with LocalPoolExecutor(2) as pool:
        report = run(tmp_path / "pool", executor=pool)
    assert report.ok and snapshot(tmp_path / "pool") == snapshot(reference)
    with DaskExecutor("local", jobs=1) as dask:
        report = run(tmp_path / "dask", executor=dask, protocols=PROTOCOLS[:1])
    assert report.ok
    assert snapshot(tmp_path / "dask") == {k: v for k, v in snapshot(reference).items() if k.startswith("test/tiny@")}


def _reseal(path: Path, edit) -> None:
    """Edit the file's JSON and recompute its content hash, as a forger would."""
    from mmal_bench.harness.results import CellResult

    body = json.loads(path.read_text())
    edit(body)
    body.pop("content_hash")
    sealed = CellResult.model_validate(body).sealed()
    path.write_text(json.dumps(sealed.model_dump(mode="json"), indent=1, sort_keys=True))


#: Damaged and forged files: each is named with its reason and recomputed, never counted as done.
DAMAGES = {
    "tiny@1.0.0/tiny/first/seed-0.json": (lambda p: p.write_text(p.read_text()[:200]), "not a readable JSON result file"),
    "tiny@1.0.0/tiny/first/seed-1.json": (lambda p: p.write_bytes(b""), "not a readable JSON result file"),
    "tiny@1.0.0/tiny/rand/seed-0.json": (lambda p: p.write_text(p.read_text().replace('"aubc": 0.', '"aubc": 1.', 1)), "content hash mismatch"),
    "tiny@1.0.0/tiny/rand/seed-1.json": (lambda p: _reseal(p, lambda b: b["summary"].update(aubc=0.99)), "summary.aubc 0.99 is not what its rounds give"),
    "tiny@1.0.0/tiny/maxent/seed-0.json": (lambda p: _reseal(p, lambda b: b["ground_truth"].update({"a+b": 0.5})), "ground_truth['a+b'] 0.5 differs from the manifest"),
    "tiny@1.0.0/tiny/maxent/seed-1.json": (
        lambda p: _reseal(p, lambda b: b["provenance"].update(dataset_fingerprint="sha256:forged")), "dataset fingerprint sha256:forged does not match"
    ),
    "tiny-b@1.0.0/tiny/first/seed-0.json": (lambda p: _reseal(p, lambda b: b["rounds"][1].update(n_labeled=7)), "rounds[1].n_labeled is 7, but the protocol labels 12"),
    "tiny-b@1.0.0/tiny/rand/seed-0.json": (
        lambda p: _reseal(p, lambda b: b.update(signature="00" * 64) or b["provenance"].update(signed_by="01b9218d74799d59")),
        "the signature does not match the content",
    ),
    "tiny-b@1.0.0/tiny/maxent/seed-0.json": (lambda p: _reseal(p, lambda b: b["provenance"].update(signed_by="0123456789abcdef")), "half-signed result"),
    "tiny-b@1.0.0/tiny/maxent/seed-1.json": (lambda p: p.write_text(p.read_text().replace("0.", "NaN", 1)), "non-finite number NaN"),
}


def test_damaged_and_forged_files_are_named_with_the_reason_and_recomputed(tmp_path: Path, reference: Path) -> None:
    run(tmp_path)
    for rel, (damage, _) in DAMAGES.items():
        damage(tmp_path / "test" / rel)
    lines: list[str] = []
    report = run(tmp_path, notify=lines.append)
    assert len(report.skipped) == N_CELLS - len(DAMAGES) and len(report.written) == len(DAMAGES)
    assert {str(p.relative_to(tmp_path / "test")) for p in report.replaced} == set(DAMAGES)
    for rel, (_, reason) in DAMAGES.items():
        path = tmp_path / "test" / rel
        assert reason in report.replaced[path], (rel, report.replaced[path])
        assert any(line.startswith(f"replacing {path}: ") and reason in line for line in lines), rel
    assert len(lines) == len(DAMAGES) and all("\n" not in line for line in lines)
    assert snapshot(tmp_path) == snapshot(reference)
    assert not run(tmp_path).replaced  # nothing left to repair
