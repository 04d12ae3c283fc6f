"""The leaderboard stage: verify result files, score them (statistics over seeds), render Markdown/CSV/HTML.

Everything here is a function of the result files; `build_leaderboard` is the one entry point most callers need.
"""

from __future__ import annotations

from mmal_bench.leaderboard.catalog import StrategyInfo, builtin_catalog
from mmal_bench.leaderboard.citation import benchmark_bibtex, citation_text, strategy_bibtex
from mmal_bench.leaderboard.loading import LoadedResults, load_results, manifest_fingerprint
from mmal_bench.leaderboard.render import build_leaderboard, render_csv, render_html, render_markdown
from mmal_bench.leaderboard.scoring import Scoreboard, score

__all__ = [
    "LoadedResults",
    "Scoreboard",
    "StrategyInfo",
    "benchmark_bibtex",
    "build_leaderboard",
    "builtin_catalog",
    "citation_text",
    "load_results",
    "manifest_fingerprint",
    "render_csv",
    "render_html",
    "render_markdown",
    "score",
    "strategy_bibtex",
]
