"""The leaderboard stage: verify result files, score them (statistics over seeds), render Markdown/CSV/HTML.

Everything here is a function of the result files; `build_leaderboard` is the one entry point most callers need.
"""

from __future__ import annotations

from mmal_bench._lazy import lazy_getattr

import sys
import types

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
    "render_html": "html_page",
    "render_markdown": "render",
    "Scoreboard": "scoring",
    "score": "scoring",
}


# Lazy: pandas/scipy/matplotlib load only when scoring is used (the sandbox worker imports
# `leaderboard.catalog` and must start fast).
__getattr__ = lazy_getattr(__name__, _EXPORTS)


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


class _CallablePackage(types.ModuleType):
    """``mmal_bench.leaderboard(results)`` scores results (the Python API, `mmal_bench.api.leaderboard`).

    The API function and this package share the name ``mmal_bench.leaderboard``; once any module of the
    package is imported, Python binds that name to the package, so the package itself is callable.
    """

    def __call__(self, *args, **kwargs):
        from mmal_bench.api import leaderboard  # resolved at call time: the API sits on top of this stage

        return leaderboard(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
