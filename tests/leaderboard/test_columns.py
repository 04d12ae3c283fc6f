"""Column explanations have one source: the README's list is `COLUMN_NOTES`, and the HTML renders them."""

from __future__ import annotations

from mmal_bench.leaderboard.columns import COLUMN_NOTES, note_html, readme_bullets
from mmal_bench.paths import REPO_ROOT


def test_readme_lists_exactly_the_column_notes() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Columns of the leaderboard (one line each):\n\n", 1)[1].split("\n\n", 1)[0]
    assert block == readme_bullets(), "README's column list and mmal_bench.leaderboard.columns.COLUMN_NOTES differ: edit both"


def test_notes_render_as_escaped_html() -> None:
    assert note_html("**A & B** (`x<y`): z") == "<strong>A &amp; B</strong> (<code>x&lt;y</code>): z"
    assert all(note_html(n).startswith("<strong>") for n in COLUMN_NOTES)
