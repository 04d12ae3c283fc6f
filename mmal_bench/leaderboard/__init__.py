"""The leaderboard stage: verify result files, score them (statistics over seeds), render Markdown/CSV/HTML.

Everything here is a function of the result files; `build_leaderboard` is the one entry point most callers need.
"""

from __future__ import annotations

_EXPORTS = {
    "StrategyInfo": "catalog",
    "builtin_catalog": "catalog",
    "benchmark_bibtex": "citation",
    "citation_text": "citation",
    "strategy_bibtex": "citation",
    "LoadedResults": "loading",
    "load_results": "loading",
    "manifest_fingerprint": "loading",
    "build_leaderboard": "render",
    "render_csv": "render",
    "render_html": "render",
    "render_markdown": "render",
    "Scoreboard": "scoring",
    "score": "scoring",
}


def __getattr__(name: str):
    # Lazy: pandas/scipy/matplotlib load only when scoring is used (the sandbox worker imports
    # `leaderboard.catalog` and must start fast).
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"mmal_bench.leaderboard.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'mmal_bench.leaderboard' has no attribute {name!r}")


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
