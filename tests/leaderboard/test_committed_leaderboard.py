"""The committed leaderboards.

3.0.0 (the current release): every result file under ``leaderboard/results/3.0.0`` is a cell of the
current standard suite, official (synthetic datasets on hidden instance 1, real ones on their public
data) and signed by the pinned maintainers' key; the
committed ``leaderboard/`` is byte for byte what the current package renders from those files, and
``FINDINGS.md`` is what ``mmal-bench findings`` writes from them.

1.0.0 and 2.0.0 (the archives): the current package refuses their results in one line that names the
package version reproducing them, and writes nothing. Re-rendering one byte for byte is the job of the
package that wrote it (``git checkout v0.1.0`` / ``git checkout v2.0.0``, then ``python -m pytest
tests/leaderboard/test_committed_leaderboard.py``); versions never mix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mmal_bench.cli import main
from mmal_bench.data.instances import has_hidden_instances
from mmal_bench.errors import ResultIntegrityError
from mmal_bench.harness.results import read_result
from mmal_bench.harness.suites import get_suite
from mmal_bench.leaderboard.render import build_leaderboard
from mmal_bench.leaderboard.scoring import suite_grid
from mmal_bench.paths import REPO_ROOT
from mmal_bench.submissions.catalog import published_catalog
from mmal_bench.version import BENCHMARK_VERSION

BOARD = REPO_ROOT / "leaderboard"
RELEASE = BOARD / "results" / "3.0.0"
RELEASE_KEY = "cb6c08fdfe12a92d"
#: Archived release -> (its result files, the package that reads them).
ARCHIVES = {"1.0.0": (3240, "0.1.0"), "2.0.0": (9860, "2.0.0")}
RENDERED = ("LEADERBOARD.md", "leaderboard.csv", "index.html", "strategies", "plots")


@pytest.fixture(scope="module")
def catalog():
    return published_catalog(REPO_ROOT / "submissions")


def test_release_holds_every_cell_of_the_standard_suite_for_every_strategy_official_and_signed(catalog) -> None:
    assert BENCHMARK_VERSION == "3.0.0"
    suite = get_suite("standard")
    files = sorted(RELEASE.rglob("seed-*.json"))
    cells = suite_grid("standard")
    assert len(cells) == len(suite.protocols()) * len(suite.seeds)
    found: dict[str, set] = {}
    harness: set[str | None] = set()
    for path in files:
        prov = read_result(path).provenance
        hidden = 1 if has_hidden_instances(prov.dataset, prov.dataset_version) else 0  # real data: its public instance only
        assert (prov.instance or 0, prov.signed_by) == (hidden, RELEASE_KEY), path
        assert prov.jailed is (True if catalog[prov.strategy].folder is not None else None), path  # submissions ran jailed
        found.setdefault(prov.strategy, set()).add((f"{prov.dataset}@{prov.dataset_version}", prov.regime, prov.seed))
        harness.add(prov.harness_hash)
    assert set(found) == set(catalog)  # every built-in and every submission
    assert all(seen == cells for seen in found.values())
    assert len(files) == len(cells) * len(catalog)
    assert len(harness) == 1 and None not in harness  # one harness (the release commit's) scored every cell


def test_committed_leaderboard_is_byte_identical_to_a_re_render_of_the_committed_results(catalog, tmp_path: Path) -> None:
    """Verification runs on the way (signatures against leaderboard/keys, the current suite definition,
    the strategies' current sources): a tampered or stale file fails here, naming itself."""
    out = tmp_path / "board"
    build_leaderboard(RELEASE, out, suite="standard", catalog=catalog, expected=suite_grid("standard"), links_from=BOARD)
    rendered = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(BOARD) for name in RENDERED for p in (BOARD / name).rglob("*") if p.is_file())
    committed += [Path(name) for name in RENDERED if (BOARD / name).is_file()]
    assert rendered == sorted(committed)
    for rel in rendered:
        assert (out / rel).read_bytes() == (BOARD / rel).read_bytes(), f"leaderboard/{rel} differs from a re-render"


def test_findings_md_is_what_the_findings_command_writes_from_the_committed_results(monkeypatch, capsys) -> None:
    monkeypatch.chdir(REPO_ROOT)  # the file's header quotes the command with these relative paths
    argv = ["findings", "--results", "leaderboard/results/3.0.0", "--suite", "standard", "--out", "FINDINGS.md", "--check"]
    assert main(argv) == 0, capsys.readouterr().err


@pytest.mark.parametrize("version", sorted(ARCHIVES))
def test_archived_results_are_refused_in_one_line_naming_the_package(version: str, catalog, tmp_path: Path) -> None:
    files, package = ARCHIVES[version]
    archive = BOARD / "results" / version
    assert len(list(archive.rglob("seed-*.json"))) == files  # the archive stays in the repository
    assert (BOARD / "results" / f"{version}-leaderboard" / "LEADERBOARD.md").is_file()  # and its rendered board
    with pytest.raises(ResultIntegrityError) as info:
        build_leaderboard(archive, tmp_path / "out", suite="standard", catalog=catalog, plots=False)
    message = str(info.value)
    assert "\n" not in message and f"benchmark {version}" in message and f"mmal-bench {package} (git tag v{package})" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
