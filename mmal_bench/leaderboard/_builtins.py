"""The built-in strategies as `StrategyInfo`s: modality and source hash read from the strategies stage.

Kept apart from `catalog` so that importing the catalog type does not import every strategy.
"""

from __future__ import annotations

from mmal_bench.leaderboard.catalog import StrategyInfo


def builtin_infos() -> dict[str, StrategyInfo]:
    """``name`` → info for every built-in strategy, with the source hash the harness stamps on results."""
    from mmal_bench.harness.loop import strategy_source_hash
    from mmal_bench.leaderboard.citation import BUILTIN_REFERENCES
    from mmal_bench.strategies import BUILTIN_STRATEGIES, get_strategy

    out = {}
    for name in sorted(BUILTIN_STRATEGIES):
        strategy = get_strategy(name)
        bibtex = getattr(strategy, "bibtex", "") or BUILTIN_REFERENCES.get(name, "")
        out[name] = StrategyInfo(
            name=name,
            modality=getattr(strategy, "modality", "unimodal"),
            source_hash=strategy_source_hash(strategy),
            kind="builtin",
            bibtex=bibtex,
        )
    return out
