"""`submit`: broken submissions are each rejected with the right one-line message and change nothing;
a good one is scored on (a slice of) the quick suite, published and put on the leaderboard."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from submission_factory import HEADER, child_pids, make_submission, metadata, snapshot

from mmal_bench.errors import SubmissionError
from mmal_bench.harness.runner import run_suite
from mmal_bench.harness.suites import get_suite
from mmal_bench.leaderboard.render import build_leaderboard
from mmal_bench.submissions.catalog import full_catalog
from mmal_bench.submissions.sandbox import SandboxLimits
from mmal_bench.submissions.submit import submit

# The smallest slice of the quick suite: its first (dataset, regime) and first seed, one cell per strategy.
FIRST = get_suite("quick").protocols()[0]
SLICE = {"suite": "quick", "datasets": [FIRST.dataset], "regimes": [FIRST.regime.name], "seeds": [FIRST.seeds[0]], "jobs": 1, "progress": False}
CELL = f"{FIRST.dataset_ref} regime {FIRST.regime.name} seed {FIRST.seeds[0]}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A results root with real `random` results of the slice, and the leaderboard built from it."""
    base = tmp_path_factory.mktemp("world")
    subs, results, board = base / "submissions", base / "results", base / "leaderboard"
    subs.mkdir()
    run_suite(strategies=["random"], out=results, **SLICE)
    build_leaderboard(results, board, suite="quick", catalog=full_catalog(subs), plots=False)
    return subs, results, board


BROKEN = [
    ("syntax-error", {"source": "def select(:\n"}, {}, r"strategy 'syntax-error': strategy.py failed to load: SyntaxError: .*\(strategy.py, line 1\)"),
    ("missing-class", {"source": "import numpy as np\nX = 1\n"}, {}, r"must define exactly one concrete subclass of mmal_bench.strategies.Strategy \(found: none\)"),
    ("bad-metadata", {"meta": metadata("bad-metadata", modality="bimodal")}, {}, r"submission.yaml: field 'modality' Input should be 'unimodal' or 'multimodal'"),
    (
        "name-mismatch",
        {"source": HEADER + "class S(Strategy):\n    name = 'other'\n    def select(self, view, model, batch_size, rng):\n        return view.unlabeled_ids[:batch_size]\n"},
        {},
        r"the strategy class has name = 'other'; set it to the slug 'name-mismatch'",
    ),
    ("wrong-count", {"select_body": "return view.unlabeled_ids[:batch_size - 1]"}, {}, r"check_strategy failed: wrong-count returned 9 ids; exactly batch_size=10 are required"),
    ("duplicates", {"select_body": "return np.repeat(view.unlabeled_ids[:1], batch_size)"}, {}, r"check_strategy failed: duplicates returned duplicate ids \["),
    ("labeled-ids", {"select_body": "return view.labeled_ids[:batch_size]"}, {}, r"check_strategy failed: labeled-ids returned already labeled ids \["),
    ("unknown-ids", {"select_body": "return np.arange(batch_size) + 10**6"}, {}, r"check_strategy failed: unknown-ids returned ids not in the pool \[1000000"),
    (
        "nan-ids",
        {"select_body": "out = view.unlabeled_ids[:batch_size].astype(float)\nout[0] = np.nan\nreturn out"},
        {},
        r"check_strategy failed: strategy 'nan-ids': select\(\) returned NaN ids",
    ),
    ("raises", {"select_body": "raise RuntimeError('boom')"}, {}, r"check_strategy failed: strategy 'raises': select\(\) raised RuntimeError: boom \(strategy.py, line 9\)"),
    (
        "mutates-view",
        {"select_body": "view.unlabeled.features['image'][0, 0] = 1.0\nreturn view.unlabeled_ids[:batch_size]"},
        {},
        r"select\(\) raised ValueError: assignment destination is read-only \(strategy.py, line 9\)",
    ),
    (
        "infinite-loop",
        {"select_body": "while True:\n    pass"},
        {"query_seconds": 2.0},
        # which of the two equal limits (wall clock, CPU time) trips first depends on the worker's spinning threads
        r"check_strategy failed: strategy 'infinite-loop': exceeded the 2 s (CPU-)?time limit while answering select\(\); the strategy process was stopped",
    ),
    (
        "memory-hog",
        {"select_body": "hog = np.ones(2**28)  # 2 GiB\nreturn view.unlabeled_ids[:batch_size]"},
        {"memory_mb": 256},
        r"check_strategy failed: strategy 'memory-hog': exceeded the memory limit of 256 MiB in select\(\)",
    ),
    (
        "fails-at-scale",  # passes check_strategy and the smoke run (120-row pool), breaks on the suite
        {"select_body": "if len(view.unlabeled_ids) > 1000:\n    raise RuntimeError('too big')\nreturn view.unlabeled_ids[:batch_size]"},
        {},
        r"scoring failed on " + FIRST.dataset_ref + " regime " + FIRST.regime.name + r" \(stopped there\): strategy 'fails-at-scale' failed on " + CELL + r" round 0: .*RuntimeError: too big",
    ),
]


@pytest.mark.parametrize(("slug", "spec", "limits", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_submission_is_rejected_and_nothing_changes(world, slug, spec, limits, message) -> None:
    subs, results, board = world
    folder = make_submission(subs, slug, **spec)
    before = snapshot(results, board)
    kids = child_pids()
    try:
        with pytest.raises(SubmissionError, match=message) as info:
            submit(folder, results_root=results, leaderboard_dir=board, limits=SandboxLimits(recheck_share=0.0, **limits), baselines=["random"], **SLICE)
        assert "\n" not in str(info.value)
        assert snapshot(results, board) == before  # no partial results, leaderboard untouched
        assert not list(results.glob(".staging-*"))
        assert child_pids() == kids  # the sandbox process is gone
    finally:
        shutil.rmtree(folder)


def test_good_submission_is_scored_published_and_ranked(world, tmp_path: Path) -> None:
    subs, results, board = world
    results = Path(shutil.copytree(results, tmp_path / "results"))
    board = tmp_path / "leaderboard"
    folder = make_submission(subs, "good-one")
    try:
        lines: list[str] = []
        report = submit(folder, results_root=results, leaderboard_dir=board, echo=lines.append, baselines=["random"], **SLICE)
        assert lines[0] == "note: public instance — not evidence; official scoring runs on the hidden instance"
        assert [line[:5] for line in lines[1:6]] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]", "[5/5]"]
        assert lines[5].endswith("(public instance — not evidence; official scoring runs on the hidden instance)")
        assert [p.relative_to(results).as_posix() for p in report.results] == [f"quick/{FIRST.dataset_ref}/{FIRST.regime.name}/good-one/seed-{FIRST.seeds[0]}.json"]
        assert report.board is not None and set(report.board.overall.index) == {"good-one", "random"}
        md = (board / "LEADERBOARD.md").read_text()
        assert "good-one" in md and report.source_hash.split(":")[1][:12] in md
        assert "> **UNOFFICIAL / UNSIGNED**: UNSIGNED: 2 of 2 result files (public instance — not evidence; official scoring runs on the hidden instance)" in md
        # Re-submitting the same code replaces its results (same files, no duplicates).
        again = submit(folder, results_root=results, leaderboard_dir=None, baselines=["random"], **SLICE)
        assert [p.name for p in again.results] == [f"seed-{FIRST.seeds[0]}.json"]
        assert len(list(results.rglob("good-one/seed-*.json"))) == 1
    finally:
        shutil.rmtree(folder)


@pytest.fixture
def maintainer_key(tmp_path: Path, monkeypatch) -> Path:
    """A fresh maintainers' private key, its public key the only one and pinned for the test."""
    from mmal_bench.harness import signing
    from mmal_bench.version import BENCHMARK_VERSION

    private, public = signing.generate_keys(tmp_path / "maint.key", tmp_path / "keys")
    monkeypatch.setattr(signing, "TRUSTED_KEYS_DIR", tmp_path / "keys")
    monkeypatch.setattr(signing, "PINNED_SIGNERS", ((BENCHMARK_VERSION, public.stem),))
    return private


def test_official_run_uses_hidden_instances_builtins_complete_provenance_and_signatures(world, tmp_path: Path, maintainer_key: Path) -> None:
    from mmal_bench.harness.results import harness_hash, read_result, tree_hash
    from mmal_bench.leaderboard.loading import load_results

    subs, _, _ = world
    private = maintainer_key
    folder = make_submission(subs, "signed-one")
    (folder / "helper.txt").write_text("a sibling file is part of the submission hash")
    results, board = tmp_path / "out" / "results", tmp_path / "out" / "leaderboard"
    try:
        report = submit(folder, results_root=results, leaderboard_dir=board, baselines=["random"], signing_key=private, **SLICE)
        assert set(report.board.overall.index) == {"signed-one", "random"}  # never a table of one
        prov = read_result(report.results[0]).provenance
        assert (prov.jailed, prov.instance, prov.signed_by is not None) == (True, 1, True)
        assert prov.submission_hash == tree_hash(folder) and prov.harness_hash == harness_hash()
        public = read_result(next(world[1].rglob("random/seed-*.json"))).provenance.dataset_fingerprint
        assert prov.dataset_fingerprint != public  # scored on the hidden instance, not the public data
        loaded = load_results(results, suite="quick", catalog=full_catalog(subs))
        assert {r.provenance.strategy: (s, r.provenance.instance) for r, s in zip(loaded.results, loaded.signed)} == {
            "random": (True, 1),  # the built-ins ran on the same hidden instance
            "signed-one": (True, 1),
        }
        (folder / "helper.txt").write_text("changed after scoring")
        with pytest.raises(Exception, match="submission folder hash .* does not match the current folder"):
            load_results(results, suite="quick", catalog=full_catalog(subs))
    finally:
        shutil.rmtree(folder)


def test_official_submission_reuses_the_builtins_of_run_official_with_the_same_key(world, tmp_path: Path, maintainer_key: Path) -> None:
    from mmal_bench.harness.official import OfficialScoring

    subs, _, _ = world
    private = maintainer_key
    results = tmp_path / "out" / "results"
    run_suite(strategies=["random"], out=results, official=OfficialScoring.from_key_file(private), **SLICE)
    (builtin,) = results.rglob("random/seed-*.json")
    before = builtin.read_bytes()
    folder = make_submission(subs, "reuses-official")
    try:
        report = submit(folder, results_root=results, leaderboard_dir=None, baselines=["random"], signing_key=private, **SLICE)
        assert len(report.results) == 1 and builtin.read_bytes() == before  # reused, not recomputed
    finally:
        shutil.rmtree(folder)
