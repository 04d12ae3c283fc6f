"""``mmal-bench cite``: placeholder registration until the cite stage lands (owned by its issue)."""

from __future__ import annotations


def register(subparsers) -> None:
    subparsers.add_parser("cite", help="(not yet available)")
