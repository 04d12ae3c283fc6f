"""Contrasts vs random: planted effects get better / worse / equivalent, noise stays undecided, ranks
follow the verdicts, and each family is tested on its own datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mmal_bench.leaderboard.verdicts import contrasts, family_contrasts, power_sentence, verdict_ranks


def planted(n: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = [f"d{i}" for i in range(n)]
    return pd.DataFrame(
        {
            "random": np.zeros(n),
            "good": rng.normal(0.06, 0.02, n),
            "bad": rng.normal(-0.06, 0.02, n),
            "same": rng.normal(0.0, 0.002, n),
            "noisy": np.resize([0.09, -0.08], n) + rng.normal(0, 0.01, n),
        },
        index=cols,
    ).T


def test_planted_effects_get_their_verdicts_and_holm_agrees_on_the_clear_ones() -> None:
    c = contrasts(planted())
    assert c.table["verdict"].to_dict() == {"good": "better", "same": "equivalent", "noisy": "undecided", "bad": "worse"}
    assert c.table.loc["good", "holm_verdict"] == "better" and c.table.loc["bad", "holm_verdict"] == "worse"
    assert c.table.loc["noisy", "holm_verdict"] == "no difference shown"
    assert list(c.table.index) == list(c.table["mean"].sort_values(ascending=False).index)
    assert c.table.loc["good", "p_better"] >= 0.95 and c.table[["p_worse", "p_equivalent", "p_better"]].sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert 0 < c.detectable_bayes < 0.2 and c.detectable_wilcoxon > 0


def test_holm_is_over_the_strategies_vs_random_only() -> None:
    c = contrasts(planted())
    raw = c.table["wilcoxon_p"].sort_values()
    assert c.table.loc[raw.index[0], "holm_p"] == pytest.approx(min(1.0, raw.iloc[0] * len(raw)))


def test_ranks_follow_the_verdicts() -> None:
    order = ["good", "good2", "random", "same", "noisy", "bad"]
    rank, label = verdict_ranks({"good": "better", "good2": "better", "same": "equivalent", "noisy": "undecided", "bad": "worse"}, order)
    assert rank.to_dict() == {"good": 1, "good2": 1, "random": 3, "same": 3, "noisy": 3, "bad": 6}
    assert label["good"] == "=1" and label["bad"] == "6"


def test_each_family_is_tested_on_its_own_datasets() -> None:
    scores = planted()
    families = {d: ("f1" if i < 6 else "f2") for i, d in enumerate(scores.columns)}
    scores.loc["good", [d for d, f in families.items() if f == "f2"]] = -0.06  # good only in f1
    per = family_contrasts(scores, families)
    assert list(per) == ["f1", "f2"] and per["f1"].datasets == tuple(scores.columns[:6])
    assert per["f1"].table.loc["good", "verdict"] == "better" and per["f2"].table.loc["good", "verdict"] == "worse"
    overall = contrasts(scores, families=families)
    assert "Power" in power_sentence(overall) and np.isfinite(overall.detectable_bayes)


def test_contrasts_need_the_baseline() -> None:
    with pytest.raises(ValueError, match="random"):
        contrasts(planted().drop(index="random"))
