"""The one check of a result file against its sources: a resealed edit (hash recomputed) of the summary,
a round, the ground truth, the fingerprint or the protocol is refused in one line naming the file, what
differs and what to do; files an official run of the current suite writes pass, and the committed
2.0.0 archive is refused in one line naming the release that reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mmal_bench.data.hub import committed_manifest
from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness import signing
from mmal_bench.harness.official import OfficialScoring
from mmal_bench.harness.results import ArchivedResultError, CellResult, read_result, write_result
from mmal_bench.harness.runner import run_suite
from mmal_bench.harness.verify import DELETE_AND_RERUN, DatasetTruth, ResultChecker, suite_definition, summary_difference
from mmal_bench.paths import REPO_ROOT

ARCHIVE = sorted((REPO_ROOT / "leaderboard" / "results" / "2.0.0" / "standard").glob("*/*/random/seed-3.json"))
#: Datasets of `standard` 3.0.0 whose official cells are checked: synthetic with two modalities and with
#: four (scored on a hidden instance), and real (its public data, instance 0).
OFFICIAL_DATASETS = ("balanced-v1", "many-modalities-v1", "mfeat-fac-mor")


@pytest.fixture(scope="module")
def checker() -> ResultChecker:
    return ResultChecker("standard", suite_definition("standard"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Random's seed-3 cells of `OFFICIAL_DATASETS` in both regimes of the current `standard` suite, as
    an official run writes them (hidden instance 1 of a synthetic dataset, coarse timings, signed by a
    fresh key): what the check must pass. The first is balanced-v1, low regime."""
    base = tmp_path_factory.mktemp("official")
    key, _ = signing.generate_keys(base / "maint.key", base / "keys")
    report = run_suite(
        "standard", strategies=["random"], datasets=OFFICIAL_DATASETS, seeds=[3], out=base / "results",
        official=OfficialScoring.from_key_file(key), jobs=1, progress=False,
    )  # fmt: skip
    assert not report.failures
    return sorted(report.written)


def public(result: CellResult) -> CellResult:
    """An official (signed, on a hidden instance where the dataset has one) result made into a public one
    on the manifest's data: what a public run of the same cell records as its dataset."""
    prov = result.provenance
    manifest = committed_manifest(prov.dataset, prov.dataset_version)
    truth = DatasetTruth.from_manifest(manifest)
    stripped = prov.model_copy(update={"instance": None, "signed_by": None, "dataset_fingerprint": truth.fingerprint})
    return result.model_copy(update={"provenance": stripped, "ground_truth": dict(truth.ground_truth), "signature": None}).sealed()


def forged(result: CellResult, edit) -> CellResult:
    """``result`` edited as JSON by ``edit`` and resealed: its content hash is right again."""
    body = result.model_dump(mode="json")
    edit(body)
    return CellResult.model_validate(body).sealed()


def test_official_files_pass_and_a_public_copy_passes(checker: ResultChecker, sample: list[Path]) -> None:
    assert len(sample) == 2 * len(OFFICIAL_DATASETS)  # one per (dataset, regime)
    for path in sample:
        result = read_result(path)
        checker.check(path, result)
        checker.check(path, public(result))


def test_the_2_0_0_archive_is_refused_in_one_line_naming_the_release_that_reads_it(checker: ResultChecker) -> None:
    """The committed 2.0.0 files are never read as this release's, whether opened or handed over parsed."""
    assert len(ARCHIVE) == 29  # one per (dataset, regime) of suite 2.0.0
    for path in ARCHIVE:
        with pytest.raises(ArchivedResultError) as info:
            read_result(path)
        message = str(info.value)
        assert "\n" not in message and message.startswith(f"{path}: result of benchmark 2.0.0; ")
        assert "use mmal-bench 2.0.0 (git tag v2.0.0) to read or reproduce it" in message
        with pytest.raises(ResultIntegrityError, match=r"benchmark version 2\.0\.0 is not this release's 3\.0\.0; render it with mmal-bench 2\.0\.0"):
            checker.check(path, CellResult.model_validate_json(path.read_text()))


def _set(path: str, value):
    def edit(body: dict) -> None:
        *parents, leaf = path.split("/")
        target = body
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[leaf] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (_set("summary/aubc", 0.99), r"summary\.aubc 0\.99 is not what its rounds give \(0\.\d+\)"),
        (_set("summary/final_accuracy", 0.99), r"summary\.final_accuracy 0\.99 is not what its rounds give"),
        (_set("summary/mean_imbalance", 0.0), r"summary\.mean_imbalance 0\.0 is not what its rounds give"),
        (_set("ground_truth/a+b", 0.99), r"ground_truth\['a\+b'\] 0\.99 differs from the manifest of balanced-v1@3\.0\.0 \(0\.\d+\)"),
        (_set("provenance/dataset_fingerprint", "sha256:" + "e" * 64), r"dataset fingerprint sha256:e+ does not match the manifest of"),
        (_set("provenance/protocol_hash", "sha256:" + "c" * 64), r"protocol hash sha256:c+ differs from suite 'standard'"),
        (_set("provenance/seed", 5), r"seed 5 is not one of the protocol's seeds 0-4"),
        (_set("provenance/suite", "quick"), r"it records suite 'quick', not 'standard'"),
        (_set("provenance/regime", "huge"), r"regime huge is not part of suite 'standard'"),
        (_set("rounds/3/n_labeled", 1), r"rounds\[3\]\.n_labeled is 1, but the protocol labels \d+ in round 3"),
        (_set("rounds/2/round", 7), r"rounds\[2\]\.round is 7, expected 2"),
        (_set("rounds/0/batch_class_counts", [1, 0]), r"rounds\[0\]\.batch_class_counts sum to 1, not the batch size"),
        (_set("rounds/10/batch_class_counts", [1, 0]), r"rounds\[10\]\.batch_class_counts is set; only the last round"),
        (lambda body: body["rounds"].pop(5), r"10 rounds, but regime \w+ of the protocol has 11"),
        (lambda body: body["ground_truth"].pop("a"), r"ground_truth has subsets \['a\+b', 'b'\], but \S+ has \['a', 'a\+b', 'b'\]"),
    ],
)
def test_resealed_edit_is_refused_naming_the_file_what_differs_and_what_to_do(checker: ResultChecker, sample: list[Path], edit, says: str) -> None:
    path = sample[0]
    bad = forged(public(read_result(path)), edit)
    with pytest.raises(ResultIntegrityError) as info:
        checker.check(path, bad)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: ") and message.endswith(DELETE_AND_RERUN)
    assert re.search(says, message), message


def test_a_round_edited_with_its_summary_recomputed_is_still_refused(checker: ResultChecker, sample: list[Path]) -> None:
    """Raising round 5's accuracy and recomputing the summary leaves the round's own subset accuracy behind."""
    from mmal_bench.harness.results import summarize

    result = public(read_result(sample[0]))
    rounds = list(result.rounds)
    rounds[5] = rounds[5].model_copy(update={"accuracy": 0.99})
    bad = result.model_copy(update={"rounds": rounds, "summary": summarize(rounds)}).sealed()
    assert summary_difference(bad) is None
    with pytest.raises(ResultIntegrityError, match=r"rounds\[5\]\.accuracy 0\.99 differs from its all-modality subset accuracy"):
        checker.check(sample[0], bad)


def test_hidden_instance_results_keep_their_own_truth_but_not_other_subsets(checker: ResultChecker, sample: list[Path]) -> None:
    result = read_result(sample[0])
    assert result.provenance.instance == 1 and result.ground_truth != DatasetTruth.from_manifest(
        committed_manifest(result.provenance.dataset, result.provenance.dataset_version)
    ).ground_truth
    checker.check(sample[0], result)  # its instance's truth, vouched for by the signature (checked by loading)
    bad = forged(result, lambda body: body["ground_truth"].update({"c": 0.5}))
    with pytest.raises(ResultIntegrityError, match=r"ground_truth has subsets \['a', 'a\+b', 'b', 'c'\]"):
        checker.check(sample[0], bad)


def test_an_unknown_dataset_is_refused_naming_the_file(sample: list[Path]) -> None:
    result = read_result(sample[0])

    def nowhere(name: str, version: str) -> DatasetTruth:
        raise LookupError(f"no {name}")

    with pytest.raises(ResultIntegrityError, match=rf"{sample[0]}: no manifest for dataset balanced-v1@3\.0\.0 \(no balanced-v1\)"):
        ResultChecker("standard", None, nowhere).check(sample[0], result)


def test_a_file_written_and_read_back_passes_exactly(checker: ResultChecker, sample: list[Path], tmp_path: Path) -> None:
    """The check compares floats exactly: a JSON round trip must not move one."""
    result = public(read_result(sample[0]))
    path = write_result(tmp_path, result)
    checker.check(path, read_result(path))
    assert json.loads(path.read_text())["summary"] == result.summary.model_dump()
