"""BibTeX output: the benchmark entry pins the result set (version, suite, instance, signer, result-set
hash) and agrees between `cite` and the board; strategy entries come from the catalog."""

from __future__ import annotations

import pytest

from mmal_bench.errors import ConfigError
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.citation import MIND_THE_GAP_BIBTEX, RELEASES, ResultSet, benchmark_bibtex, citation_text, strategy_bibtex
from mmal_bench.version import BENCHMARK_VERSION

HIDDEN = ResultSet("9.9.9", "standard", ("redundant@9.9.9", "synergy@9.9.9"), (1,), ("0123456789abcdef",), "sha256:" + "ab" * 32, 40)

CATALOG = {
    "random": StrategyInfo("random", "unimodal", "sha256:0"),
    "badge": StrategyInfo("badge", "unimodal", "sha256:1"),
    "mine": StrategyInfo("mine", "multimodal", "sha256:2", kind="submission", bibtex="@article{me2024, title={Mine}}"),
}


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_benchmark_entry_pins_version_suite_instance_signer_and_result_set() -> None:
    text = benchmark_bibtex(HIDDEN)
    assert text.startswith("@misc{mmalbench")
    assert "version = {9.9.9}" in text
    for part in ("suite standard", "hidden instance 1 of the synthetic datasets", "signed by maintainers' key 0123456789abcdef",
                 "result set sha256:" + "ab" * 32 + " (40 result files)", "redundant@9.9.9, synergy@9.9.9"):  # fmt: skip
        assert part in text, part
    public = benchmark_bibtex(ResultSet("9.9.9", "quick", ("redundant@9.9.9",), (0,), (), "sha256:00", 3))
    assert "public instance (0) of every dataset, unsigned" in public and "suite quick" in public
    assert _balanced(text) and _balanced(public)


def test_by_default_the_entry_pins_the_current_release() -> None:
    from mmal_bench.harness.suites import get_suite

    assert BENCHMARK_VERSION in RELEASES, f"RELEASES has no {BENCHMARK_VERSION}: add it once leaderboard/results/{BENCHMARK_VERSION} is committed"
    release = RELEASES[BENCHMARK_VERSION]
    text = benchmark_bibtex()
    assert text == benchmark_bibtex(release) and release.results_hash in text and f"version = {{{BENCHMARK_VERSION}}}" in text
    assert release.suite == "standard" and set(release.datasets) == set(get_suite("standard").datasets)  # the whole suite
    assert "redundant-v1@3.0.0" in text and "noisy-labels-v1@3.0.0" in text and "mfeat-six@3.0.0" in text
    assert "hidden instance 1" in text and release.signers == ("cb6c08fdfe12a92d",) and "cb6c08fdfe12a92d" in text


def test_the_release_record_is_the_committed_release(monkeypatch) -> None:
    """RELEASES (what a wheel's `cite` prints) is recomputed here from leaderboard/results/<version>/:
    the same files (by their content hashes, not re-verified: the committed-leaderboard test does that)."""
    import json

    from mmal_bench.leaderboard.citation import result_set_hash
    from mmal_bench.paths import REPO_ROOT

    class Cell:  # what result_set_hash reads of a CellResult
        def __init__(self, path, raw):
            self.content_hash = raw["content_hash"]
            self.key = type("K", (), {"relative_path": staticmethod(lambda: path)})

    for version, release in RELEASES.items():
        root = REPO_ROOT / "leaderboard" / "results" / version
        cells, datasets, instances, signers = [], set(), set(), set()
        for path in root.rglob("seed-*.json"):
            raw = json.loads(path.read_text(encoding="utf-8"))
            prov = raw["provenance"]
            cells.append(Cell(path.relative_to(root), raw))
            datasets.add(f"{prov['dataset']}@{prov['dataset_version']}")
            instances.add(prov.get("instance") or 0)
            signers.add(prov.get("signed_by"))
        assert release.n_results == len(cells) and release.results_hash == result_set_hash(cells)
        assert set(release.datasets) == datasets and set(release.instances) == instances and set(release.signers) == signers
        assert {p.name for p in root.iterdir()} == {release.suite}


def test_repository_url_is_one_constant_carried_by_the_entry_and_citation_cff(monkeypatch) -> None:
    import yaml

    from mmal_bench.data import citation as data_citation
    from mmal_bench.leaderboard import citation
    from mmal_bench.paths import REPO_ROOT

    cff = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff.get("repository-code", "") == data_citation.REPOSITORY_URL
    assert ("url = {" in benchmark_bibtex(HIDDEN)) is bool(data_citation.REPOSITORY_URL)
    monkeypatch.setattr(citation, "REPOSITORY_URL", "https://example.org/mmal-bench")
    assert "  url = {https://example.org/mmal-bench}\n}" in benchmark_bibtex(HIDDEN)


def test_strategy_entries() -> None:
    assert strategy_bibtex("mine", CATALOG) == "@article{me2024, title={Mine}}"
    assert "ash2020deep" in strategy_bibtex("badge", CATALOG)  # built-in reference
    assert strategy_bibtex("random", CATALOG) == ""
    with pytest.raises(ConfigError, match="unknown strategy 'nope'; choose from: badge, mine, random"):
        strategy_bibtex("nope", CATALOG)


def test_citation_text_combines_all_three() -> None:
    text = citation_text(["mine", "random"], CATALOG, HIDDEN)
    assert "@misc{mmalbench" in text and MIND_THE_GAP_BIBTEX in text and "@article{me2024" in text
    assert "'random' has no paper of its own" in text
    assert _balanced(text)


def test_one_citation_source_for_cite_and_citation_cff(capsys) -> None:
    """`cite`, CITATION.cff and the dataset cards all carry the entry of `MMAL_BENCH_CITATION`."""
    import yaml

    from mmal_bench.cli import main
    from mmal_bench.data.suite import MMAL_BENCH_CITATION
    from mmal_bench.leaderboard.citation import base_entry, bibtex_fields
    from mmal_bench.paths import REPO_ROOT

    base = bibtex_fields(base_entry())
    assert base_entry() in MMAL_BENCH_CITATION and {"key", "title", "author", "year"} <= set(base)
    assert main(["cite"]) == 0
    cited = bibtex_fields("@" + capsys.readouterr().out.split("\n@")[1].split("\n}\n")[0] + "\n}")
    assert all(cited[k] == base[k] for k in ("key", "title", "author", "year"))
    cff = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for where in (cff, cff["preferred-citation"]):
        assert where["title"] == base["title"]
        assert [a["name"] for a in where["authors"]] == [base["author"].strip("{}")]
    assert str(cff["preferred-citation"]["year"]) == base["year"]
    assert cff["version"] == BENCHMARK_VERSION
    mind_the_gap = bibtex_fields(MIND_THE_GAP_BIBTEX)
    assert cff["references"][0]["title"] == mind_the_gap["title"]
