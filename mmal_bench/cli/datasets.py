"""``mmal-bench datasets``: placeholder registration until the datasets stage lands (owned by its issue)."""

from __future__ import annotations


def register(subparsers) -> None:
    subparsers.add_parser("datasets", help="(not yet available)")
