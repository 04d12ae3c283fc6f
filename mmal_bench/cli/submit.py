"""``mmal-bench submit``: placeholder registration until the submit stage lands (owned by its issue)."""

from __future__ import annotations


def register(subparsers) -> None:
    subparsers.add_parser("submit", help="(not yet available)")
