"""2.0.0's measures beside 3.0.0's: on the Bayes model of every dataset of the committed 2.0.0 results the
one-game over-reliance is 0 by construction, while the main-effect measure of 2.0.0 is not.

The 2.0.0 cells are an archive the current package refuses to score (versions never mix); the test reads
their JSON as data, which is all the Bayes model's game needs (ground truth and the model's v(∅))."""

from __future__ import annotations

import math

import pytest

from mmal_bench.harness.results import CellResult
from mmal_bench.leaderboard.findings_measures import bayes_over_reliance
from mmal_bench.leaderboard.reference import load_reference
from mmal_bench.paths import REPO_ROOT

RELEASE = REPO_ROOT / "leaderboard" / "results" / "2.0.0" / "standard"


def one_cell_per_dataset():
    return {d.name: CellResult.model_validate_json(next(d.rglob("random/seed-0.json")).read_text()) for d in sorted(RELEASE.iterdir()) if d.is_dir()}


def test_bayes_model_reads_zero_in_one_game_on_every_dataset() -> None:
    cells = one_cell_per_dataset()
    reference = load_reference("standard", "2.0.0")
    assert len(cells) == 10
    old = {}
    for dataset, result in cells.items():
        main_effect, one_game = bayes_over_reliance(result, reference.lookup(reference.chance, dataset))
        assert one_game == 0.0, dataset
        old[dataset] = main_effect
    # the figures: the interaction term read as over-reliance by the main-effect reference
    assert old["information-gap@2.0.0"] == pytest.approx(0.044, abs=0.002)
    assert old["missing-mcar@2.0.0"] == pytest.approx(0.027, abs=0.002)
    assert math.isnan(old["synergy@2.0.0"])  # no main effect: the 2.0.0 measure has nothing to divide by
