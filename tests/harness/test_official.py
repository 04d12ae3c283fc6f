"""`run --official`: built-ins scored on hidden instances, each cell signed as it is written, resumable,
and never mixed with public or otherwise-signed results in one folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness import signing
from mmal_bench.harness.official import OfficialScoring
from mmal_bench.harness.results import harness_hash, iter_result_files, read_result
from mmal_bench.harness.runner import run_suite
from mmal_bench.harness.suites import get_suite

FIRST = get_suite("quick").protocols()[0]
SLICE = {"suite": "quick", "datasets": [FIRST.dataset], "regimes": [FIRST.regime.name], "seeds": [0], "jobs": 1, "progress": False}


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("keys")
    one, _ = signing.generate_keys(base / "one.key", base / "public")
    two, _ = signing.generate_keys(base / "two.key", base / "public")
    return one, two


def test_official_cells_are_signed_on_the_hidden_instance_and_resume(keys, tmp_path: Path) -> None:
    official = OfficialScoring.from_key_file(keys[0])
    out = tmp_path / "official"
    first = run_suite(strategies=["random", "entropy"], out=out, official=official, **SLICE)
    assert len(first.written) == 2
    public = run_suite(strategies=["random"], out=tmp_path / "public", **SLICE)
    signed, plain = read_result(first.written[0]), read_result(public.written[0])
    prov = signed.provenance
    assert (prov.signed_by, prov.instance, prov.harness_hash) == (official.signer, 1, harness_hash())
    assert signing.verify_signature(signed, {official.signer: official.key.public_key()}, first.written[0])
    assert prov.dataset_fingerprint != plain.provenance.dataset_fingerprint  # not the public data

    before = {p: p.read_bytes() for p in iter_result_files(out)}
    again = run_suite(strategies=["random", "entropy"], out=out, official=official, **SLICE)
    assert again.written == [] and len(again.skipped) == 2  # resumed: nothing recomputed
    lost = first.written[1]
    lost.unlink()
    redone = run_suite(strategies=["random", "entropy"], out=out, official=official, **SLICE)
    assert redone.written == [lost]
    redone_body, old_body = read_result(lost).model_dump(), read_result_bytes(before[lost])
    for body in (redone_body, old_body):  # timings and the signature over them differ, numbers do not
        for r in body["rounds"]:
            for k in ("train_seconds", "query_seconds", "query_cpu_seconds", "query_peak_bytes", "query_energy_joules"):
                r.pop(k)
        body.pop("content_hash"), body.pop("signature")
    assert redone_body == old_body


def read_result_bytes(data: bytes) -> dict:
    from mmal_bench.harness.results import CellResult

    return CellResult.model_validate_json(data).model_dump()


def test_an_official_run_refuses_a_folder_with_other_results(keys, tmp_path: Path) -> None:
    out = tmp_path / "mixed"
    run_suite(strategies=["random"], out=out, **SLICE)  # a public result
    with pytest.raises(ResultIntegrityError, match=r"is a public \(unsigned\) result, not an official result of key .* on instance 1; write this official run to its own --out"):
        run_suite(strategies=["random"], out=out, official=OfficialScoring.from_key_file(keys[0]), **SLICE)
    signed = tmp_path / "signed"
    run_suite(strategies=["random"], out=signed, official=OfficialScoring.from_key_file(keys[0]), **SLICE)
    with pytest.raises(ResultIntegrityError, match=r"is signed by .*, instance 1, not an official result of key"):
        run_suite(strategies=["random"], out=signed, official=OfficialScoring.from_key_file(keys[1]), **SLICE)
    with pytest.raises(ResultIntegrityError, match=r"instance 1, not an official result of key .* on instance 2"):
        run_suite(strategies=["random"], out=signed, official=OfficialScoring.from_key_file(keys[0], instance=2), **SLICE)
    with pytest.raises(ResultIntegrityError, match=r"is an official result on hidden instance 1; write this public run to its own --out"):
        run_suite(strategies=["random"], out=signed, **SLICE)


def test_official_files_publish_query_timings_as_powers_of_ten(keys, tmp_path: Path) -> None:
    """A strategy that sleeps to encode hidden data gets about 2.6 bits per timing out, not a float."""
    from mmal_bench.harness.official import coarse

    assert [coarse(x) for x in (None, 0.0, 1e-6, 0.001, 0.0011, 0.05, 0.1, 0.1001, 3.2, 10.0, 99.0)] == [
        None, 0.0, 0.001, 0.001, 0.01, 0.1, 0.1, 1.0, 10.0, 10.0, 100.0
    ]  # fmt: skip
    official = OfficialScoring.from_key_file(keys[0])
    (path,) = run_suite(strategies=["random"], out=tmp_path / "official", official=official, **SLICE).written
    (plain,) = run_suite(strategies=["random"], out=tmp_path / "public", **SLICE).written
    timed = [r for r in read_result(path).rounds if r.query_seconds is not None]
    assert timed and all(coarse(r.query_seconds) == r.query_seconds and coarse(r.query_cpu_seconds) == r.query_cpu_seconds for r in timed)
    assert any(r.query_seconds not in (None, coarse(r.query_seconds)) for r in read_result(plain).rounds)  # public files keep the float
