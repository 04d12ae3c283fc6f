"""``mmal-bench cite``: benchmark + Mind the Gap BibTeX, plus each named strategy's own entry, pinned to the
result set the numbers come from: the same text as the leaderboard's strategy page."""

from __future__ import annotations

import html
import re
from pathlib import Path

from mmal_bench.cli import main
from mmal_bench.paths import REPO_ROOT
from mmal_bench.version import BENCHMARK_VERSION


def _page_citation(page: Path) -> tuple[str, str]:
    """(the command the page names, the BibTeX it shows) of a page's Cite block."""
    text = page.read_text(encoding="utf-8")
    block = text.split('<h2 id="cite">Cite</h2>' if 'id="cite"' in text else "<h2>Cite</h2>", 1)[1]
    command = html.unescape(re.search(r"<code>(.*?)</code> prints the same", block).group(1))
    return command, html.unescape(re.search(r"<pre>(.*?)</pre>", block, flags=re.S).group(1))


def test_cite_benchmark(capsys) -> None:
    assert main(["cite"]) == 0
    out = capsys.readouterr().out
    assert "@misc{mmalbench" in out and f"version = {{{BENCHMARK_VERSION}}}" in out
    assert "(no published result set)" not in out  # pinned to the release's result set (`RELEASES`)
    assert "@article{eisenhardt2026mind" in out and "redundant-v1@3.0.0" in out and "mfeat-six@3.0.0" in out


def test_cite_submission_and_builtin(capsys) -> None:
    assert main(["cite", "information-density", "bmmal"]) == 0
    out = capsys.readouterr().out
    assert "@inproceedings{settles2008analysis" in out and "@inproceedings{shen2023towards" in out


def test_cite_unknown_strategy(capsys) -> None:
    assert main(["cite", "no-such-strategy"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown strategy 'no-such-strategy'; choose from: ") and "information-density" in err


def test_cite_prints_what_the_committed_boards_pages_show(capsys) -> None:
    """The committed board is the current release's: its overview and every strategy page it has name
    plain ``mmal-bench cite [STRATEGY]`` (no --results), which prints the page's text byte for byte."""
    board = REPO_ROOT / "leaderboard"
    pages = [(board / "index.html", None)] + [(page, page.stem) for page in sorted((board / "strategies").glob("*.html"))]
    assert len(pages) >= 3, f"no strategy pages under {board / 'strategies'}"
    for page, strategy in pages:
        command, shown = _page_citation(page)
        assert f"version = {{{BENCHMARK_VERSION}}}" in shown, f"{page} cites another benchmark version: re-render the board"
        assert command == "mmal-bench cite" + (f" {strategy}" if strategy else "")
        assert main(command.split()[1:]) == 0
        assert capsys.readouterr().out == shown + "\n", page


def test_cite_results_folder_agrees_with_its_board(tiny_suite, tmp_path: Path, capsys) -> None:
    """A user's own board: its strategy page names `cite --results`, which prints the page's text."""
    results, board = tmp_path / "results", tmp_path / "board"
    assert main(["run", "--suite", "clitest", "--strategies", "random", "entropy", "--out", str(results), "--jobs", "1", "--quiet"]) == 0
    assert main(["leaderboard", "--results", str(results), "--suite", "clitest", "--out", str(board), "--no-plots"]) == 0
    capsys.readouterr()
    command, shown = _page_citation(board / "strategies" / "entropy.html")
    assert command == "mmal-bench cite entropy --results RESULTS --suite clitest"
    assert "suite clitest, public instance (0) of every dataset, unsigned" in shown and "(4 result files)" in shown
    assert main(["cite", "entropy", "--results", str(results), "--suite", "clitest"]) == 0
    assert capsys.readouterr().out == shown + "\n"
    assert main(["cite", "--results", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder" in err
