"""Which pitfall family a dataset belongs to, for the leaderboard's strategy × pitfall table.

Families are the paper's questions (missing modalities, difficulty, interaction, data quality) plus
real data and the no-pitfall control; a dataset's family comes from its registry entry (kind and
pitfall text), so a new dataset lands in the right column without a table to keep in sync.
"""

from __future__ import annotations

#: Column order of the per-pitfall table.
FAMILIES = ("missing modalities", "difficulty", "interaction", "data quality", "real data", "control")

# First match wins: "missing" before the generic words, so "missing (MNAR)" is not read as quality.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("missing modalities", ("missing",)),
    # one modality harder to learn, or less informative (1.0.0's difficulty-gap, renamed information-gap)
    ("difficulty", ("difficulty", "information gap")),
    ("interaction", ("redundan", "unique", "uniqueness", "synerg", "interaction")),
    ("data quality", ("noise", "noisy", "corrupt", "quality", "outlier", "label")),
    ("control", ("control", "balanced")),
)


def pitfall_family(pitfall: str, kind: str = "synthetic") -> str:
    """The family of a dataset whose registry entry has ``pitfall`` text and ``kind``.

    Parameters
    ----------
    pitfall:
        The entry's free-text pitfall (e.g. ``"missing (MCAR)"``, ``"difficulty gap"``).
    kind:
        ``"real"`` puts the dataset under "real data" whatever its pitfall text: real data is its
        own question (do the synthetic findings hold?).

    Returns
    -------
    One of `FAMILIES`, or ``"other"`` for text that names none of them.
    """
    if kind == "real":
        return "real data"
    text = pitfall.lower()
    for family, words in _KEYWORDS:
        if any(w in text for w in words):
            return family
    return "other"


def dataset_family(dataset_ref: str) -> str:
    """The family of a registered dataset ``"name@version"``; ``"unknown"`` if it is not registered
    (e.g. an archived version the current package no longer builds)."""
    from mmal_bench.data.registry import get_entry
    from mmal_bench.errors import MMALBenchError

    name, _, version = dataset_ref.partition("@")
    try:
        entry = get_entry(name, version or None)
    except MMALBenchError:
        return "unknown"
    return pitfall_family(entry.pitfall, entry.kind)
