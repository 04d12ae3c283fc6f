"""The README's promises: its leaderboard table is the committed one, its quickstart is two commands,
and every command in its bash blocks works."""

from __future__ import annotations

import py_compile
import re
import shlex
import tomllib

import pytest

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


# ----------------------------------------------------------------------------- every bash command works
# Each command of every ```bash block is exercised: cheap ones run for real, expensive or networked ones
# are parsed by the real CLI parser and planned (suite, datasets, regimes, seeds, strategies resolved)
# without computing a cell. A command no rule covers fails the test, so a new README command gets one.

CHEAP = {("datasets", "list"), ("datasets", "info"), ("cite",)}


def bash_commands(text: str) -> list[str]:
    """Every command of every bash block: comments dropped, ``&&`` chains split, continuations joined."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands += [part.strip() for part in line.split("&&")]
    return commands


def check_mmal_bench(argv: list[str], capsys) -> None:
    from mmal_bench.cli import build_parser, main

    args = build_parser().parse_args(argv)  # every flag and value is known to the parser
    if tuple(argv[:2]) in CHEAP or tuple(argv[:1]) in CHEAP:
        assert main(argv) == 0, capsys.readouterr().err
        assert capsys.readouterr().out.strip()
    elif argv[0] == "run":
        from mmal_bench.cli.run import parse_seeds
        from mmal_bench.harness.executors import _SCHEDULER_ADDRESS
        from mmal_bench.harness.runner import resolve_strategies
        from mmal_bench.harness.suites import get_suite

        suite = get_suite(args.suite)
        parse_seeds(args.seeds, suite.seeds)
        assert suite.protocols(args.datasets, args.regimes)
        resolve_strategies(args.strategies)
        assert args.scheduler is None or _SCHEDULER_ADDRESS.match(args.scheduler)
    elif argv[0] == "reproduce":
        from mmal_bench.cli.run import parse_seeds

        seeds = parse_seeds(args.seeds)
        assert (args.key is None) != (args.revealed is None), "reproduce takes --key or --revealed"
        if not args.results.is_absolute():  # a committed folder (an absolute one is an earlier command's output)
            suite_dir = REPO_ROOT / args.results / args.suite
            assert any(suite_dir.glob(f"*/*/*/seed-{seeds[0] if seeds else 0}.json")), f"no published cells under {suite_dir}"
    elif argv[0] == "submit":
        from mmal_bench.cli.submit import check_official_flags
        from mmal_bench.submissions.metadata import load_metadata

        check_official_flags(args)
        load_metadata(REPO_ROOT / args.folder)
    elif argv[0] == "datasets" and (getattr(args, "ref", None) or getattr(args, "target", None)):
        from mmal_bench.data.registry import get_entry, parse_ref

        get_entry(*parse_ref(getattr(args, "ref", None) or args.target))  # the named dataset exists
    with pytest.raises(SystemExit) as done:  # and its sub-command's --help works
        main([*[a for a in argv if not a.startswith("-")][:2], "--help"] if argv[0] == "datasets" else [argv[0], "--help"])
    assert done.value.code == 0


def check_command(command: str, capsys) -> None:
    words = shlex.split(command)
    tool = words[0]
    if tool == "mmal-bench":
        check_mmal_bench(words[1:], capsys)
    elif tool in ("python", "python3", ".venv/bin/python") and words[1:3] == ["-m", "pytest"]:
        assert (REPO_ROOT / "tests").is_dir()
    elif tool in ("python", "python3") and words[1:3] == ["-m", "venv"]:
        pass  # the standard library's
    elif tool in ("python", "python3") and words[1:3] == ["-m", "build"]:
        import build  # noqa: F401 - in the test extra; CI builds and smoke-tests the wheel (.ci/run)

        assert (REPO_ROOT / "setup.py").is_file() and (REPO_ROOT / "MANIFEST.in").is_file()
    elif tool in ("python", "python3") and words[1].endswith(".py"):
        py_compile.compile(str(REPO_ROOT / words[1]), doraise=True)
    elif tool in (".", "source"):
        assert words[1] == ".venv/bin/activate"
    elif tool == "pip" and words[1] == "install":
        extras = re.findall(r'"?\.\[([\w,-]+)\]"?', command)
        declared = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
        assert all(e in declared for group in extras for e in group.split(",")), f"unknown extra in {command!r}"
    elif tool == "bash":
        assert (REPO_ROOT / words[1]).is_file()
    elif tool in ("apt-get", "sudo"):
        pass  # system packages; CI installs them itself
    else:
        raise AssertionError(f"README command {command!r} is not exercised by any rule in tests/test_readme.py; add one")


README_COMMANDS = bash_commands((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
#: The submission guide's commands, its placeholder slugs read as the example submission.
SUBMISSION_GUIDE_COMMANDS = [
    re.sub(r"<(your-)?slug>", "information-density", c) for c in bash_commands((REPO_ROOT / "submissions" / "README.md").read_text(encoding="utf-8"))
]


@pytest.mark.parametrize("command", README_COMMANDS)
def test_every_readme_bash_command_works(command: str, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # nothing a command writes lands in the checkout
    check_command(command, capsys)


@pytest.mark.parametrize("command", SUBMISSION_GUIDE_COMMANDS)
def test_every_submission_guide_bash_command_works(command: str, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    check_command(command, capsys)


def test_a_maintainer_command_without_official_is_caught() -> None:
    """The check the guide's commands go through refuses --key without --official, as the CLI does."""
    from mmal_bench.cli import build_parser
    from mmal_bench.cli.submit import check_official_flags
    from mmal_bench.errors import ConfigError

    with pytest.raises(ConfigError, match="--official and --key go together"):
        check_official_flags(build_parser().parse_args(["submit", "submissions/information-density", "--key", "k.key"]))


def test_readme_commands_were_found() -> None:
    assert len(README_COMMANDS) >= 10 and any("--datasets synergy" in c for c in README_COMMANDS)
    assert len(SUBMISSION_GUIDE_COMMANDS) >= 4 and any("--official" in c for c in SUBMISSION_GUIDE_COMMANDS)
