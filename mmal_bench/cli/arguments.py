"""Arguments several commands share (``--seeds``, ``--jobs``), checked right after parsing, before a
command imports anything heavy: a bad value fails in milliseconds, not after the imports of a run.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from mmal_bench.errors import ConfigError

#: The most seeds one ``--seeds`` may name. Suites publish a few dozen; the guard refuses a range like
#: 0-100000000 before it is expanded (1.0.0's ``reproduce`` spent 374 s expanding one, then failed).
MAX_SEEDS = 10_000


def add_seeds_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """``--seeds 0 3-5 7,8``: checked by `check_shared` (syntax and size) before the command runs."""
    parser.add_argument("--seeds", nargs="+", metavar="SEED", help=help)
    parser.set_defaults(seed_ranges=True)


def parse_seeds(values: Sequence[str] | None, allowed: Sequence[int] | None = None) -> list[int] | None:
    """``["0", "3-5", "2,3"]`` → ``[0, 3, 4, 5, 2]`` (ranges inclusive, duplicates dropped); a bad token is
    a `ConfigError`.

    A range must go upwards (``5-2`` is an error, not an empty selection), and all of them together may
    name at most `MAX_SEEDS` seeds, counted before anything is expanded. With ``allowed`` (the suite's
    published seeds), a range reaching outside them is refused.
    """
    if values is None:
        return None
    spans: list[tuple[str, int, int]] = []
    for token in (t for v in values for t in v.split(",") if t):
        try:
            low, high = (int(x) for x in token.split("-", 1)) if "-" in token.lstrip("-") else (int(token), int(token))
        except ValueError:
            raise ConfigError(f"--seeds takes integers or ranges like 0-4, got {token!r}") from None
        if low < 0:
            raise ConfigError(f"--seeds {token}: seeds are non-negative integers")
        if low > high:
            raise ConfigError(f"--seeds {token} is an empty range; write the smaller seed first ({high}-{low})")
        if allowed is not None and (low < min(allowed) or high > max(allowed)):
            raise ConfigError(f"--seeds {token}: seeds must be within the suite's published seeds ({min(allowed)}-{max(allowed)})")
        spans.append((token, low, high))
    total = sum(high - low + 1 for _, low, high in spans)
    if total > MAX_SEEDS:
        widest = max(spans, key=lambda s: s[2] - s[1])[0]
        raise ConfigError(f"--seeds {widest} names {total:,} seeds, more than the {MAX_SEEDS:,} one command takes; a suite publishes a few dozen")
    if not spans:
        raise ConfigError("--seeds needs at least one seed, e.g. --seeds 0 1")
    return list(dict.fromkeys(seed for _, low, high in spans for seed in range(low, high + 1)))


def check_shared(args: argparse.Namespace) -> None:
    """Refuse a bad shared argument with a one-line `ConfigError`, before the command's own imports:
    ``--jobs`` below 1 (every command that takes it means worker processes) and malformed or oversized
    ``--seeds`` of the commands that registered them with `add_seeds_argument`."""
    jobs = getattr(args, "jobs", None)
    if isinstance(jobs, int) and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    if getattr(args, "seed_ranges", False):
        parse_seeds(args.seeds)
