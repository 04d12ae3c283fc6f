"""The ``mmal-bench`` command line: one sub-command module per stage, dispatched from here.

Each module in `COMMAND_MODULES` exposes ``register(subparsers)``, which adds its parser(s) and sets
``func`` (a callable taking the parsed namespace and returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from mmal_bench.cli.arguments import check_shared
from mmal_bench.errors import MMALBenchError
from mmal_bench.version import BENCHMARK_VERSION, PACKAGE_VERSION

COMMAND_MODULES = ("datasets", "run", "reproduce", "leaderboard", "findings", "submit", "cite")

GETTING_STARTED = """\
mmal-bench {package} (benchmark {benchmark}): the benchmark for multimodal active learning.

Start here:
  mmal-bench run --suite quick   the main job: build the datasets, run the quick suite, print the leaderboard
  mmal-bench datasets list       the published datasets
  mmal-bench run --help          run a suite (strategies x datasets x regimes x seeds)
  mmal-bench submit DIR          score your own strategy (see submissions/README.md)
  mmal-bench cite                BibTeX for the benchmark

Every command takes --help.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mmal-bench", description="The benchmark for multimodal active learning.")
    parser.add_argument("--version", action="version", version=f"mmal-bench {PACKAGE_VERSION} (benchmark {BENCHMARK_VERSION})")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"mmal_bench.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mmal-bench`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        print(GETTING_STARTED.format(package=PACKAGE_VERSION, benchmark=BENCHMARK_VERSION))
        return 0
    try:
        check_shared(args)  # before the command's imports: a bad --jobs / --seeds fails at once
        return int(args.func(args) or 0)
    except MMALBenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (`mmal-bench datasets list | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        # Disk full, a path too long, no permission: the user's to fix, never a traceback. (Result
        # files are written atomically, so nothing already written is damaged.)
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot access{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished cells are saved; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
