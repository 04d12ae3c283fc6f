"""Only the release's pinned maintainers' key makes a board official: unsigned, foreign-signed or
mixed-instance results render with a visible UNOFFICIAL / UNSIGNED mark on the Markdown, CSV and
HTML, and ``mmal-bench leaderboard --official`` refuses them in one line, writing nothing."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from leaderboard_factory import catalog_for, fingerprint_of, write_suite

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness import signing
from mmal_bench.harness.results import read_result, write_result
from mmal_bench.leaderboard.loading import load_results
from mmal_bench.leaderboard.render import build_leaderboard
from mmal_bench.leaderboard.tables import UNOFFICIAL_MARK
from mmal_bench.version import BENCHMARK_VERSION

LEVELS = {"random": 0.60, "entropy": 0.65}
SMALL = {"datasets": ("redundant",), "regimes": ("low",), "seeds": (0, 1)}


@pytest.fixture
def keys(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """Two throwaway keys, both with a ``.pub`` in the keys folder; only ``pinned`` is pinned for this release."""
    folder = tmp_path / "keys"
    pinned, _ = signing.generate_keys(tmp_path / "pinned.key", folder)
    foreign, _ = signing.generate_keys(tmp_path / "foreign.key", folder)
    monkeypatch.setattr(signing, "TRUSTED_KEYS_DIR", folder)
    pinned_id = signing.key_id(signing.load_private_key(pinned).public_key())
    monkeypatch.setattr(signing, "PINNED_SIGNERS", ((BENCHMARK_VERSION, pinned_id),))
    return {"pinned": pinned, "foreign": foreign}


def _results(root: Path, key: Path | None, instance: int = 0) -> Path:
    paths = write_suite(root, LEVELS, **SMALL)
    if key is not None:
        private = signing.load_private_key(key)
        for path in paths:
            result = read_result(path)
            if instance:
                result = result.model_copy(update={"provenance": result.provenance.model_copy(update={"instance": instance})})
            write_result(root, signing.sign_result(result, private))
    return root


def _build(results: Path, out: Path, **kwargs):
    return build_leaderboard(results, out, catalog=catalog_for(LEVELS), fingerprint_of=fingerprint_of, plots=False, **kwargs)


def _marked(out: Path) -> None:
    md = (out / "LEADERBOARD.md").read_text()
    assert f"> **{UNOFFICIAL_MARK}**" in md.split("## ")[0]  # above the first table
    rows = list(csv.DictReader(io.StringIO((out / "leaderboard.csv").read_text())))
    assert rows and all(r["status"] == UNOFFICIAL_MARK for r in rows)
    for page in [out / "index.html", *sorted((out / "strategies").glob("*.html"))]:
        assert f"<strong>{UNOFFICIAL_MARK}</strong>" in page.read_text(), page


def test_pinned_signer_on_one_instance_is_official_and_unmarked(keys: dict[str, Path], tmp_path: Path) -> None:
    results = _results(tmp_path / "results", keys["pinned"])
    loaded = load_results(results, catalog=catalog_for(LEVELS), fingerprint_of=fingerprint_of)
    assert all(loaded.signed) and loaded.unofficial == ""
    board = _build(results, tmp_path / "out", official=True)
    assert board.unofficial == ""
    assert UNOFFICIAL_MARK not in (tmp_path / "out" / "LEADERBOARD.md").read_text()
    assert (tmp_path / "out" / "leaderboard.csv").read_text().startswith("scope,")


@pytest.mark.parametrize(
    ("signer", "reason"),
    [
        (None, r"UNSIGNED: 4 of 4 result files \(public instance — not evidence; official scoring runs on the hidden instance\)"),
        ("foreign", r"UNOFFICIAL: 4 of 4 result files signed by key [0-9a-f]{16}, not release [\d.]+'s pinned maintainers' key [0-9a-f]{16}"),
    ],
)
def test_unsigned_or_foreign_signed_results_are_marked_and_refused_by_official(keys, tmp_path: Path, signer, reason: str, capsys) -> None:
    results = _results(tmp_path / "results", keys[signer] if signer else None)
    loaded = load_results(results, catalog=catalog_for(LEVELS), fingerprint_of=fingerprint_of)
    assert not any(loaded.signed)
    board = _build(results, tmp_path / "out")
    assert re.fullmatch(reason, board.unofficial)
    _marked(tmp_path / "out")
    with pytest.raises(ResultIntegrityError, match=r"is not an official board \(.*\); drop --official") as info:
        _build(results, tmp_path / "refused", official=True)
    assert "\n" not in str(info.value) and not (tmp_path / "refused").exists()


def test_a_mixture_of_signers_or_instances_is_unofficial(keys, tmp_path: Path) -> None:
    results = _results(tmp_path / "results", keys["pinned"], instance=1)
    foreign = signing.load_private_key(keys["foreign"])
    first = sorted(results.rglob("seed-*.json"))[0]
    write_result(results, signing.sign_result(read_result(first), foreign))  # one cell re-signed by another key
    loaded = load_results(results, catalog=catalog_for(LEVELS), fingerprint_of=fingerprint_of)
    assert sum(loaded.signed) == 3 and "1 of 4 result files signed by key" in loaded.unofficial


def test_cli_official_refuses_an_unsigned_board_in_one_line(keys, tmp_path: Path, capsys, monkeypatch) -> None:
    from mmal_bench.cli import main
    from mmal_bench.leaderboard import render

    results = _results(tmp_path / "results", None)
    real = render.build_leaderboard
    # the factory's results have made-up datasets and sources: check them against the factory's
    monkeypatch.setattr(render, "build_leaderboard", lambda *a, **kw: real(*a, **{**kw, "catalog": catalog_for(LEVELS), "fingerprint_of": fingerprint_of}))
    code = main(["leaderboard", "--results", str(results), "--out", str(tmp_path / "out"), "--official", "--no-plots", "--grid", "observed",
                 "--submissions", str(tmp_path / "none")])  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and err.startswith("error:") and "not an official board (UNSIGNED" in err
    assert not (tmp_path / "out").exists()
