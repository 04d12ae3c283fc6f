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


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["--version"], ["run", "--help"], ["datasets", "list"], ["cite"], ["cite", "information-density"]],
)
def test_fast_commands_import_neither_torch_nor_datasets(argv) -> None:
    """Start-up time is import time: these commands must not load torch (~3 s) or `datasets` (~1 s).

    Checked on the modules loaded (robust on a loaded machine), timed by benchmarks/bench_cli_startup.py.
    """
    import subprocess
    import sys

    probe = (
        "import sys\nfrom mmal_bench.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'datasets', 'pandas', 'scipy', 'sklearn'})\n"
        "print('HEAVY', heavy, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "HEAVY []" in done.stderr, done.stderr[-500:]
