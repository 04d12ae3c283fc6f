"""Rendered leaderboard: byte-identical Markdown/CSV for the same files, well-formed self-contained HTML,
atomic replacement (a failed build leaves the previous leaderboard untouched)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from leaderboard_factory import catalog_for, catalog_with_submission, fingerprint_of, verdicts_on_few_datasets, write_suite  # noqa: F401 (fixture)

from mmal_bench.errors import ResultIntegrityError
from mmal_bench.leaderboard.render import build_leaderboard
from mmal_bench.leaderboard.tables import fmt, fmt_ci
from mmal_bench.version import BENCHMARK_VERSION

pytestmark = pytest.mark.usefixtures("verdicts_on_few_datasets")  # 3-dataset fixtures (leaderboard_factory)

LEVELS = {"random": 0.60, "entropy": 0.65, "mm-best": 0.72, "margin": 0.60}
VOID = {"meta", "img", "br", "hr", "link", "input"}


def _build(results: Path, out: Path, catalog=None):
    return build_leaderboard(results, out, catalog=catalog or catalog_for(LEVELS), fingerprint_of=fingerprint_of)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("lb")
    results = base / "results"
    write_suite(results, LEVELS, skip={("margin", "synergy", "mid", 2)})
    catalog = catalog_with_submission(base, LEVELS)
    out = base / "out"
    board = _build(results, out, catalog)
    return results, out, board, catalog


def test_same_files_give_byte_identical_markdown_and_csv(built, tmp_path: Path) -> None:
    results, out, _, catalog = built
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)  # another location, other mtimes: only content matters
    out2 = tmp_path / "out2"
    _build(copy, out2, catalog)
    for name in ("LEADERBOARD.md", "leaderboard.csv"):
        assert (out / name).read_bytes() == (out2 / name).read_bytes()
    assert (out / "plots").is_dir() and sorted(p.name for p in (out / "plots").iterdir()) == sorted(p.name for p in (out2 / "plots").iterdir())


def test_same_files_give_byte_identical_pages_and_plots(built) -> None:
    results, out, _, catalog = built
    again = out.parent / "out-again"  # same depth, so the relative links to the submission folder match
    _build(results, again, catalog)
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.suffix in {".html", ".png"})
    assert len(files) > 5 and files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file() and p.suffix in {".html", ".png"})
    for rel in files:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_markdown_content(built) -> None:
    _, out, _, _ = built
    md = (out / "LEADERBOARD.md").read_text()
    assert f"Suite `quick`, benchmark version {BENCHMARK_VERSION}" in md
    overall = md.split("## Overall")[1].split("###")[0]
    lines = [line for line in overall.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| Rank") and "Source hash" in lines[0]
    assert [line.split("|")[2].strip() for line in lines[1:]] == ["mm-best", "entropy", "random"]
    assert "| baseline " in lines[3]
    assert "- margin: 1 missing cell(s): synergy@1.0.0/mid/seed 2" in md
    for section in ("## redundant@1.0.0 / low", "## synergy@1.0.0 / mid", "## Pairwise penalty matrix", "## Datasets", "## Query cost"):
        assert section in md
    assert md.index("## Per pitfall") < md.index("## Overall")  # the paper's question comes first
    assert "**Indicative only**" in md and "| =1 " in md


def test_csv_parses_and_matches_the_board(built) -> None:
    _, out, board, _ = built
    rows = list(csv.DictReader(io.StringIO((out / "leaderboard.csv").read_text())))
    overall = [r for r in rows if r["scope"] == "overall"]
    assert [r["strategy"] for r in overall] == ["mm-best", "entropy", "random"]
    assert float(overall[1]["delta"]) == pytest.approx(board.overall.loc["entropy", "delta"], abs=1e-6)
    assert overall[0]["rank"] == "1" and overall[0]["rank_label"] == "=1"
    groups = {"redundant@1.0.0/low", "redundant@1.0.0/mid", "synergy@1.0.0/low", "synergy@1.0.0/mid"}
    assert {r["scope"] for r in rows} == {"overall", "pitfall/interaction", "dataset/redundant@1.0.0", "dataset/synergy@1.0.0"} | groups
    assert all(r["source_hash"].startswith("sha256:") for r in rows if r["scope"] == "overall" or r["scope"] in groups)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.refs: list[str] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.refs.append(attrs[key])
        if tag == "link" or (tag == "script" and attrs.get("src")):
            self.errors.append(f"external resource {tag} {attrs}")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def test_html_is_well_formed_and_references_only_existing_files(built) -> None:
    _, out, board, _ = built
    pages = sorted(out.rglob("*.html"))
    assert [p.relative_to(out).as_posix() for p in pages] == ["index.html"] + [f"strategies/{s}.html" for s in sorted(LEVELS)]
    refs: list[str] = []
    for page in pages:
        checker = _Checker()
        checker.feed(page.read_text())
        checker.close()
        assert checker.errors == [] and checker.stack == [], page
        assert {"table", "script", "pre"} <= checker.tags, page
        local = [r for r in checker.refs if not r.startswith(("http://", "https://", "#"))]
        for ref in local:
            assert (page.parent / ref).exists(), (page, ref)
        refs += checker.refs
    assert any(r.endswith(".png") for r in refs) and any(r.endswith("submission.yaml") for r in refs)
    assert all(not r.startswith("http") or r == "https://example.org/paper" for r in refs)


def test_html_shows_integer_ranks_column_notes_and_the_one_citation(built) -> None:
    from mmal_bench.leaderboard.citation import benchmark_bibtex
    from mmal_bench.leaderboard.columns import COLUMN_NOTES, note_html

    _, out, board, _ = built
    index = (out / "index.html").read_text()
    assert all(note_html(note) in index for note in COLUMN_NOTES)
    assert html.escape(benchmark_bibtex(board.cited)) in index and board.cited.results_hash in index
    ranks = re.findall(r'<table class="sortable" id="overall-table">.*?</table>', index, flags=re.S)[0]
    first_cells = re.findall(r"<tr><td data-v=\"([^\"]*)\">([^<]*)</td>", ranks)
    # mm-best and entropy are planted above random on every dataset: better, so they share rank 1 above it
    assert [label for _, label in first_cells] == ["=1", "=1", "3"] and [v for v, _ in first_cells] == ["1", "1", "3"]
    assert "1.0<" not in ranks
    page = (out / "strategies" / "mm-best.html").read_text()
    assert "@article{x, title={MM best}}" in page and board.source_hashes["mm-best"] in page and "Query cost" in page


def test_failed_build_leaves_the_previous_leaderboard_untouched(built, tmp_path: Path) -> None:
    results, out, _, catalog = built
    copy = tmp_path / "results"
    shutil.copytree(results, copy)
    target = tmp_path / "out"
    _build(copy, target, catalog)
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    victim = next(copy.rglob("seed-1.json"))
    raw = json.loads(victim.read_text())
    raw["summary"]["final_accuracy"] = 1.0
    victim.write_text(json.dumps(raw))
    with pytest.raises(ResultIntegrityError, match="content hash mismatch"):
        _build(copy, target, catalog)
    after = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before


def test_rendering_error_leaves_no_partial_output(built, tmp_path: Path, monkeypatch) -> None:
    results, _, _, catalog = built
    import mmal_bench.leaderboard.html_page as html_page

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(html_page, "render_pages", boom)
    target = tmp_path / "fresh"
    with pytest.raises(RuntimeError):
        _build(results, target, catalog)
    assert list(target.iterdir()) == []


def test_number_formats() -> None:
    assert fmt(float("nan")) == "n/a" and fmt(-0.00001) == "0.0000" and fmt(-0.00001, signed=True) == "+0.0000"
    assert fmt(0.12345) == "0.1235" and fmt(-0.5, signed=True) == "-0.5000"
    assert fmt_ci(0.5, float("nan"), float("nan")) == "0.5000"
    assert fmt_ci(0.01, -0.02, 0.04, signed=True) == "+0.0100 [-0.0200, +0.0400]"


def test_sort_keys() -> None:
    from mmal_bench.leaderboard.html_page import _sort_value

    assert _sort_value("0.7100 [0.6900, 0.7300]") == "0.7100"
    assert _sort_value("3/9/0") == "3" and _sort_value("baseline") == "0" and _sort_value("=2") == "2" and _sort_value("1–3") == "1"
    assert _sort_value("49b282c93a17") == "49b282c93a17" and _sort_value("-0.0200") == "-0.0200"


def test_intervals_of_accuracies_are_clipped_to_the_unit_range() -> None:
    from mmal_bench.leaderboard.tables import UNIT

    assert fmt_ci(0.888, 0.723, 1.053, bounds=UNIT) == "0.8880 [0.7230, 1.0000]"
    assert fmt_ci(0.05, -0.02, 0.12, bounds=UNIT) == "0.0500 [0.0000, 0.1200]"
    assert fmt_ci(0.05, -0.02, 0.12, signed=True) == "+0.0500 [-0.0200, +0.1200]"  # differences are not proportions


def test_one_order_for_tables_cd_diagram_and_plots_and_a_caption_for_flat_curves(built, monkeypatch, tmp_path: Path) -> None:
    import dataclasses

    import numpy as np

    from mmal_bench.leaderboard import cd_diagram, html_page
    from mmal_bench.leaderboard.render import highlighted
    from mmal_bench.leaderboard.tables import board_order, flat_curves

    results, _, board, catalog = built
    order = board_order(board)
    assert order[: len(board.overall)] == [str(s) for s in board.overall.index]
    assert highlighted(board) == [s for s in board.overall.index if s != "random"][:3]  # ranked ones only
    seen = {}
    real = cd_diagram.plot_cd_diagram
    monkeypatch.setattr(cd_diagram, "plot_cd_diagram", lambda groups, path, title="", order=None: seen.setdefault("order", order) and real(groups, path, title, order))
    _build(results, tmp_path / "board", catalog)
    assert seen["order"] == order  # the CD diagram lists names in the table's order
    group = next(g for g in board.groups if "mm-best" in g.curves and "random" in g.curves)
    flat = dataclasses.replace(group.curves["mm-best"], accuracy=np.full_like(group.curves["mm-best"].accuracy, 0.41))
    flat.accuracy[-1] = 0.415
    group = dataclasses.replace(group, curves={**group.curves, "mm-best": flat})
    assert flat_curves(board, group) == {"mm-best": (0.41, 0.415)}
    assert "Flat curve: mm-best stays at 0.41–0.41" in html_page._flat_note(board, group)
    assert flat_curves(board, dataclasses.replace(group, curves={"mm-best": flat})) == {}  # no baseline to compare with


def test_the_terminal_table_explains_raw_dagger(built) -> None:
    from mmal_bench.leaderboard.render import render_overview

    _, _, board, _ = built
    text = render_overview(board)
    assert board.headline is not None and not board.headline.normalised  # the factory's datasets have no calibration
    assert "(raw†)" in text and "† raw: the AUBC difference to random in accuracy units, not divided by random's gap" in text
    assert board.headline.reason in text
