"""The README's promises: its leaderboard table is the committed one, its quickstart is two commands."""

from __future__ import annotations

import re

from mmal_bench.paths import REPO_ROOT


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_readme_overall_table_is_the_committed_leaderboard() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    board = (REPO_ROOT / "leaderboard" / "LEADERBOARD.md").read_text(encoding="utf-8")
    copied = readme.split("<!-- overall-table:start -->", 1)[1].split("<!-- overall-table:end -->", 1)[0]
    overall = board.split("## Overall", 1)[1].split("\n## ", 1)[0]
    assert _table_rows(copied) and _table_rows(copied) == _table_rows(overall)


def test_quickstart_is_two_commands_that_install_run_the_main_job_and_test() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quickstart.*?```bash\n(.*?)```", readme, flags=re.DOTALL).group(1)
    commands = block.strip().splitlines()
    assert len(commands) == 2
    assert "pip install" in commands[0] and commands[0].endswith("mmal-bench run --suite quick")
    assert "pytest" in commands[1]
