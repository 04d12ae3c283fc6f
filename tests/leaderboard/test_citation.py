"""BibTeX output: benchmark entry pins versions and fingerprints; strategy entries come from the catalog."""

from __future__ import annotations

import pytest

from mmal_bench.errors import ConfigError
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.citation import MIND_THE_GAP_BIBTEX, benchmark_bibtex, citation_text, strategy_bibtex
from mmal_bench.version import BENCHMARK_VERSION

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


def test_benchmark_entry_pins_versions() -> None:
    text = benchmark_bibtex({"redundant@1.0.0": "sha256:0123456789abcdef", "synergy@1.0.0": ""})
    assert text.startswith("@misc{mmalbench")
    assert f"version = {{{BENCHMARK_VERSION}}}" in text
    assert "redundant@1.0.0 (0123456789ab)" in text and "synergy@1.0.0" in text
    assert _balanced(text)


def test_default_datasets_come_from_the_standard_suite() -> None:
    text = benchmark_bibtex()
    assert "redundant@2.0.0" in text and "synergy@2.0.0" in text and "noisy-labels@2.0.0" in text


def test_strategy_entries() -> None:
    assert strategy_bibtex("mine", CATALOG) == "@article{me2024, title={Mine}}"
    assert "ash2020deep" in strategy_bibtex("badge", CATALOG)  # built-in reference
    assert strategy_bibtex("random", CATALOG) == ""
    with pytest.raises(ConfigError, match="unknown strategy 'nope'; choose from: badge, mine, random"):
        strategy_bibtex("nope", CATALOG)


def test_citation_text_combines_all_three() -> None:
    text = citation_text(["mine", "random"], CATALOG, datasets={"redundant@1.0.0": "sha256:ab"})
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
    mind_the_gap = bibtex_fields(MIND_THE_GAP_BIBTEX)
    assert cff["references"][0]["title"] == mind_the_gap["title"]
