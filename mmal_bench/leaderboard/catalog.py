"""What the leaderboard knows about each strategy besides its results: modality, current source hash, citation.

Built-in strategies are described here; submissions are added by `mmal_bench.submissions` (a later
stage), which passes the merged catalog in, so this module never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class StrategyInfo:
    """One strategy as the leaderboard shows and verifies it.

    ``source_hash`` is the hash of the strategy's *current* source, in the same form the harness
    records in `Provenance.strategy_source_hash`; a result whose recorded hash differs was produced by
    other code and is rejected. ``None`` means "cannot be verified" and is only allowed when the
    caller switches source verification off. ``folder`` is a submission's folder (linked from the
    HTML page); ``bibtex`` its citation.
    """

    name: str
    modality: Literal["unimodal", "multimodal"]
    source_hash: str | None
    kind: Literal["builtin", "submission"] = "builtin"
    title: str = ""
    bibtex: str = ""
    paper_url: str = ""
    folder: Path | None = None

    @property
    def display_name(self) -> str:
        return self.title or self.name


def builtin_catalog() -> dict[str, StrategyInfo]:
    """Every built-in strategy with its modality, current source hash and reference."""
    from mmal_bench.leaderboard._builtins import builtin_infos

    return builtin_infos()
