"""The ``mmal-bench`` command line: one sub-command module per stage, dispatched from here.

Each module in `COMMAND_MODULES` exposes ``register(subparsers)``, which adds its parser(s) and sets
``func`` (a callable taking the parsed namespace and returning an exit code).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import signal
import sys
import threading
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


#: Exit codes of a stopped command: 128 + SIGINT (Ctrl-C), 128 + SIGTERM.
STOPPED = (128 + int(signal.SIGINT), 128 + int(signal.SIGTERM))


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so a stop by ``kill`` or a scheduler takes the path of
    Ctrl-C: workers stopped at once, written cells kept, one line saying so."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mmal-bench`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        print(GETTING_STARTED.format(package=PACKAGE_VERSION, benchmark=BENCHMARK_VERSION))
        return 0
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        code = _dispatch(args)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    if argv is None and code in STOPPED:
        # The console script after Ctrl-C / SIGTERM: every result is already fsynced and the workers
        # are gone. The exit handlers still run (multiprocessing releases its semaphores), but the
        # interpreter's teardown of torch and friends, seconds on a loaded 2-core machine (2.8 s
        # measured), is skipped: the user asked to stop.
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; every error a user can cause is one ``error:`` line (exit 2)."""
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
    except KeyboardInterrupt as exc:
        terminated = any(isinstance(e, Terminated) for e in _causes(exc))
        what = str(exc) or "finished cells are saved; run the same command again to resume"
        print(f"{'terminated (SIGTERM)' if terminated else 'interrupted'}: {what}", file=sys.stderr)
        return 128 + int(signal.SIGTERM if terminated else signal.SIGINT)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from, outermost first (a stop re-raised with a clearer
    message keeps the `Terminated` it came from down the chain)."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__
    return chain


if __name__ == "__main__":
    sys.exit(main())
