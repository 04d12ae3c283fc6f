"""``mmal-bench leaderboard``: placeholder registration until the leaderboard stage lands (owned by its issue)."""

from __future__ import annotations


def register(subparsers) -> None:
    subparsers.add_parser("leaderboard", help="(not yet available)")
