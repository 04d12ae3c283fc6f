"""``mmal-bench run``: placeholder registration until the run stage lands (owned by its issue)."""

from __future__ import annotations


def register(subparsers) -> None:
    subparsers.add_parser("run", help="(not yet available)")
