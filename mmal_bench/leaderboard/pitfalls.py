"""Which pitfall family a dataset belongs to, for the leaderboard's strategy × pitfall table.

Families are the paper's questions (missing modalities, difficulty, interaction, data quality) plus
real data and the no-pitfall control; a dataset's family comes from its registry entry (kind and
pitfall text), so a new dataset lands in the right column without a table to keep in sync.
"""

from __future__ import annotations

#: Column order of the per-pitfall table.
FAMILIES = ("missing modalities", "difficulty", "interaction", "data quality", "class structure", "real views", "real data", "control")

# First match wins: "missing" before the generic words, so "missing (MNAR)" is not read as quality.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("missing modalities", ("missing",)),
    # one modality harder to learn, or less informative (1.0.0's difficulty-gap, renamed information-gap)
    ("difficulty", ("difficulty", "information gap", "degraded")),
    ("interaction", ("redundan", "unique", "uniqueness", "synerg", "interaction")),
    ("data quality", ("noise", "noisy", "corrupt", "quality", "outlier", "label")),
    # 3.0.0: which classes the pool holds and the test asks for
    ("class structure", ("long-tail", "class-selective", "shift")),
    # real views with nothing injected (3.0.0); not the control: their modalities are not symmetric
    ("real views", ("real views",)),
    ("control", ("control", "balanced")),
)

#: The first benchmark major version whose real datasets are filed by their pitfall (3.0.0 injects the
#: pitfalls into real views, so "real data" is a second axis, `data_kind`, not a family).
REAL_BY_PITFALL_FROM = 3


def pitfall_family(pitfall: str, kind: str = "synthetic", version: str | None = None) -> str:
    """The family of a dataset whose registry entry has ``pitfall`` text, ``kind`` and ``version``.

    Parameters
    ----------
    pitfall:
        The entry's free-text pitfall (e.g. ``"missing (MCAR)"``, ``"difficulty gap"``).
    kind:
        ``"real"`` puts a dataset of a version before 3.0.0 under "real data" whatever its pitfall
        text (then real data was its own question); from 3.0.0 on a real dataset is filed by its
        pitfall like a synthetic one, and real vs synthetic is read along `data_kind`.
    version:
        The dataset's version (``None``: read as before 3.0.0).

    Returns
    -------
    One of `FAMILIES`, or ``"other"`` for text that names none of them.
    """
    if kind == "real" and _major(version) < REAL_BY_PITFALL_FROM:
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
    return pitfall_family(entry.pitfall, entry.kind, entry.version)


def data_kind(dataset_ref: str) -> str:
    """``"real"`` or ``"synthetic"`` for a registered dataset ``"name@version"`` (``"unknown"`` if not
    registered): the second axis of 3.0.0's findings, do the synthetic findings hold on real views?"""
    from mmal_bench.data.registry import get_entry
    from mmal_bench.errors import MMALBenchError

    name, _, version = dataset_ref.partition("@")
    try:
        return "real" if get_entry(name, version or None).kind == "real" else "synthetic"
    except MMALBenchError:
        return "unknown"


def _major(version: str | None) -> int:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return 0
