"""``mmal-bench`` itself: with no arguments it says what to do, and every command it names exists."""

from __future__ import annotations

import re

import pytest

from mmal_bench.cli import GETTING_STARTED, build_parser, main


def test_no_arguments_prints_getting_started(capsys) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "mmal-bench run --suite quick" in out and "mmal-bench submit DIR" in out


def test_every_command_named_in_getting_started_is_registered() -> None:
    commands = set(re.findall(r"^\s+mmal-bench (\w+)", GETTING_STARTED, flags=re.MULTILINE))
    registered = set(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001 - argparse has no public accessor
    assert commands and commands <= registered


def test_version_flag(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert re.match(r"mmal-bench \d+\.\d+\.\d+ \(benchmark \d+\.\d+\.\d+\)", capsys.readouterr().out)
