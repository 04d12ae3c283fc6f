"""Pitfall families come from a dataset's registry text and kind."""

from __future__ import annotations

import pytest

from mmal_bench.leaderboard.pitfalls import dataset_family, pitfall_family


@pytest.mark.parametrize(
    ("text", "kind", "family"),
    [
        ("missing (MNAR)", "synthetic", "missing modalities"),
        ("difficulty gap", "synthetic", "difficulty"),
        ("information gap", "synthetic", "difficulty"),
        ("synergy", "synthetic", "interaction"),
        ("redundancy", "synthetic", "interaction"),
        ("noisy labels", "synthetic", "data quality"),
        ("control", "synthetic", "control"),
        ("difficulty gap", "real", "real data"),
        ("something new", "synthetic", "other"),
    ],
)
def test_pitfall_family(text: str, kind: str, family: str) -> None:
    assert pitfall_family(text, kind) == family


def test_unregistered_dataset_is_unknown() -> None:
    assert dataset_family("no-such-dataset@9.9.9") == "unknown"
