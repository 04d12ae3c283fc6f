"""The HTML leaderboard in a real browser (headless Chromium driven by Selenium): every page loads
without console errors, every image decodes, sorting and filtering change the visible rows, and
nothing is wider than a 1280 px window (wide tables scroll inside their own container).

A full-page screenshot of every page is written to ``$MMAL_BENCH_ARTIFACTS`` (else pytest's tmp dir)
and its path printed. Skipped only when Chromium or chromedriver is not installed
(Debian: ``apt-get install chromium chromium-driver``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from leaderboard_factory import catalog_with_submission, fingerprint_of, write_suite

from mmal_bench.leaderboard.render import build_leaderboard

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless browser tests need Chromium and chromedriver (Debian: apt-get install chromium chromium-driver)",
)

WIDTH = 1280
LEVELS = {"random": 0.60, "entropy": 0.66, "mm-best": 0.74, "margin": 0.61}


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory) -> Path:
    """A small board: 4 strategies × 2 datasets (two pitfall families) × 3 regimes × 2 seeds, one submission with a paper."""
    base = tmp_path_factory.mktemp("browser")
    results = base / "results"
    write_suite(results, LEVELS, datasets=("redundant", "difficulty-gap"), regimes=("high", "low", "mid"), seeds=(0, 1), skip={("margin", "redundant", "mid", 1)})
    catalog = catalog_with_submission(base, LEVELS)
    out = base / "board"
    build_leaderboard(results, out, catalog=catalog, fingerprint_of=fingerprint_of)
    return out


@pytest.fixture(scope="module")
def driver():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={WIDTH},900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    env = os.environ.get("MMAL_BENCH_ARTIFACTS")
    folder = Path(env) / "leaderboard-screenshots" if env else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pages(board_dir: Path) -> list[Path]:
    return [board_dir / "index.html"] + sorted((board_dir / "strategies").glob("*.html"))


def _open(driver, page: Path) -> None:
    driver.set_window_size(WIDTH, 900)
    driver.get(page.as_uri())
    driver.get_log("browser")  # drop what an earlier page logged


def _visible_rows(driver, table_id: str) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr'))"
        ".filter(function (r) { return !r.hidden && r.offsetParent !== null; })"
        ".map(function (r) { return r.innerText; });",
        table_id,
    )


def test_every_page_loads_cleanly_fits_1280px_and_is_screenshotted(board_dir: Path, driver, artifacts: Path, capsys) -> None:
    pages = _pages(board_dir)
    assert len(pages) == 1 + len(LEVELS)
    shots = []
    for page in pages:
        driver.set_window_size(WIDTH, 900)
        driver.get(page.as_uri())
        assert driver.execute_script("return document.readyState") == "complete"
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], (page.name, errors)
        images = driver.execute_script(
            "return Array.from(document.images).map(function (i) { return [i.getAttribute('src'), i.complete, i.naturalWidth]; });"
        )
        assert images, page.name  # every page shows at least one plot
        broken = [src for src, complete, width in images if not complete or width == 0]
        assert broken == [], (page.name, broken)
        assert driver.execute_script("return window.innerWidth") == WIDTH
        assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTH, page.name
        # Every table sits in a container that scrolls horizontally and itself fits the window.
        for wrap_overflow, right, table_width, wrap_width in driver.execute_script(
            "return Array.from(document.querySelectorAll('table')).map(function (t) {"
            " var w = t.parentElement; return [getComputedStyle(w).overflowX, w.getBoundingClientRect().right,"
            " t.scrollWidth, w.clientWidth]; });"
        ):
            assert wrap_overflow == "auto" and right <= WIDTH, page.name
            assert table_width <= wrap_width or wrap_overflow == "auto"
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(WIDTH, min(height + 100, 12000))
        shot = artifacts / f"{page.parent.name}__{page.stem}.png" if page.parent != board_dir else artifacts / "index.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        shots.append(shot)
    with capsys.disabled():
        print("\nleaderboard screenshots:\n" + "\n".join(f"  {s}" for s in shots))


#: For every table: [container's overflow-x, container's right edge, table width, container width,
#: whether the table is wider than the page's content column]. A table wider than its container must
#: scroll inside it, never widen the page.
_TABLE_FIT = (
    "return Array.from(document.querySelectorAll('table')).map(function (t) {"
    " var w = t.parentElement; return [getComputedStyle(w).overflowX, w.getBoundingClientRect().right, t.scrollWidth, w.clientWidth]; });"
)


def _tables_fit(driver, page: str) -> int:
    """Assert that nothing overflows a 1280 px window and every table wider than its box scrolls in a
    container of its own; return how many tables do scroll."""
    assert driver.execute_script("return document.documentElement.scrollWidth") <= WIDTH, page
    scrolling = 0
    for overflow, right, table_width, box_width in driver.execute_script(_TABLE_FIT):
        assert right <= WIDTH, page
        if table_width > box_width:
            assert overflow in ("auto", "scroll"), f"{page}: a table {table_width}px wide overflows a {box_width}px box that does not scroll"
            scrolling += 1
    return scrolling


def test_the_committed_board_fits_1280px_with_the_strategy_column_pinned(driver, artifacts: Path, capsys) -> None:
    """The real board (16+ strategies, wide tables): the index and one strategy page at 1280 px, each
    screenshotted; wide tables scroll in their own container and keep the strategy column in view."""
    from mmal_bench.paths import REPO_ROOT

    board = REPO_ROOT / "leaderboard"
    shots = []
    for page in (board / "index.html", board / "strategies" / "evidential-fusion.html"):
        _open(driver, page)
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
        scrolling = _tables_fit(driver, page.name)
        if page.name == "index.html":
            assert scrolling >= 1  # the overall table is wider than the page: it must be one that scrolls
            left, pinned, name = driver.execute_script(
                "var t = document.getElementById('overall-table'), w = t.parentElement; w.scrollLeft = w.scrollWidth;"
                "var cell = t.tBodies[0].rows[0].querySelector('td.pin');"
                "return [w.getBoundingClientRect().left, cell.getBoundingClientRect().left, cell.innerText];"
            )
            assert abs(pinned - left) <= 2 and name  # scrolled to the far right, the strategy name is still there
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(WIDTH, min(height + 100, 12000))
        shot = artifacts / f"committed__{page.stem}.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        shots.append(shot)
    with capsys.disabled():
        print("\ncommitted leaderboard screenshots:\n" + "\n".join(f"  {s}" for s in shots))


def test_a_table_that_overflows_without_a_scroll_container_fails_the_check(driver, tmp_path: Path) -> None:
    """The check above can fail: a wide table outside any scroll container is caught."""
    page = tmp_path / "wide.html"
    cells = "".join(f"<td>column {i} with some text</td>" for i in range(40))
    page.write_text(f"<!DOCTYPE html><html><body style='max-width:1200px'><div><table><tr>{cells}</tr></table></div></body></html>")
    _open(driver, page)
    with pytest.raises(AssertionError):
        _tables_fit(driver, page.name)
    page.write_text(f"<!DOCTYPE html><html><body style='max-width:1200px;margin:0'><div style='overflow-x:auto'><table><tr>{cells}</tr></table></div></body></html>")
    _open(driver, page)
    assert _tables_fit(driver, page.name) == 1


def test_sorting_a_column_reorders_the_rows(board_dir: Path, driver) -> None:
    _open(driver, board_dir / "index.html")
    before = _visible_rows(driver, "overall-table")
    assert [r.split("\t")[1] for r in before] == ["mm-best", "entropy", "random"]
    header = driver.find_elements("css selector", "#overall-table thead th")
    strategy_col = next(h for h in header if h.text.startswith("Strategy"))
    strategy_col.click()
    ascending = [r.split("\t")[1] for r in _visible_rows(driver, "overall-table")]
    assert ascending == ["entropy", "mm-best", "random"]
    strategy_col.click()
    assert [r.split("\t")[1] for r in _visible_rows(driver, "overall-table")] == ["random", "mm-best", "entropy"]
    aubc = next(h for h in header if h.text.startswith("AUBC"))
    aubc.click()  # numeric, ascending: the weakest first
    assert [r.split("\t")[1] for r in _visible_rows(driver, "overall-table")] == ["random", "entropy", "mm-best"]
    assert driver.get_log("browser") == []


def test_filters_by_pitfall_dataset_and_regime_change_the_rows_and_plots(board_dir: Path, driver) -> None:
    from selenium.webdriver.support.ui import Select

    _open(driver, board_dir / "index.html")
    all_rows = _visible_rows(driver, "settings-table")
    figures = "return Array.from(document.querySelectorAll('figure[data-dataset]')).filter(function (f) { return !f.hidden; }).length;"
    assert driver.execute_script(figures) == 6  # 2 datasets × 3 regimes
    regimes = [o.text for o in Select(driver.find_element("id", "filter-regime")).options]
    assert regimes == ["all", "low", "mid", "high"]
    Select(driver.find_element("id", "filter-dataset")).select_by_visible_text("redundant@1.0.0")
    redundant = _visible_rows(driver, "settings-table")
    assert 0 < len(redundant) < len(all_rows) and all(r.startswith("redundant@1.0.0\t") for r in redundant)
    Select(driver.find_element("id", "filter-regime")).select_by_visible_text("mid")
    mid = _visible_rows(driver, "settings-table")
    assert {r.split("\t")[1] for r in mid} == {"mid"} and len(mid) == 3  # margin lacks a seed there
    assert driver.execute_script(figures) == 1
    assert driver.find_element("id", "filter-count").text == f"3 of {len(all_rows)} rows shown"
    Select(driver.find_element("id", "filter-dataset")).select_by_visible_text("all")
    Select(driver.find_element("id", "filter-regime")).select_by_visible_text("all")
    family = Select(driver.find_element("id", "filter-family"))
    assert [o.text for o in family.options] == ["all", "difficulty", "interaction"]
    family.select_by_visible_text("difficulty")
    rows = _visible_rows(driver, "settings-table")
    assert 0 < len(rows) < len(all_rows) and all(r.split("\t")[0] == "difficulty-gap@1.0.0" for r in rows)
    assert driver.execute_script(figures) == 3
    family.select_by_visible_text("all")
    assert _visible_rows(driver, "settings-table") == all_rows
    assert driver.get_log("browser") == []


def test_strategy_page_links_back_and_to_its_submission(board_dir: Path, driver) -> None:
    _open(driver, board_dir / "index.html")
    driver.find_element("link text", "mm-best").click()
    assert driver.current_url.endswith("/strategies/mm-best.html")
    text = driver.find_element("tag name", "body").text
    assert "MM best" in text and "@article{x, title={MM best}}" in text and "Overall rank" in text
    assert driver.find_element("partial link text", "submission.yaml").get_attribute("href").endswith("/submissions/mm-best/submission.yaml")
    driver.find_element("partial link text", "leaderboard").click()
    assert driver.current_url.endswith("/board/index.html")
