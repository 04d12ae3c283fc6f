"""What every leaderboard column means, written once: the README's "Columns of the leaderboard" list
and the HTML page's "Columns explained" section both come from `COLUMN_NOTES` (a test keeps the README
in step with it).
"""

from __future__ import annotations

import html
import re

#: One Markdown bullet (without the leading ``- ``) per column or table of the leaderboard.
COLUMN_NOTES: tuple[str, ...] = (
    "**Per pitfall** (first table): headline ΔAUBC [CI], the verdict vs random with that family's datasets as the units, and "
    "over-reliance per strategy over the datasets of each pitfall family.",
    "**Rank**: follows the verdict vs random: 1 + the number of strategies in a better tier (better than random, then not "
    "shown to differ, then worse); \"=k\" = shared rank (the test does not order strategies inside a tier).",
    "**Verdict vs random**, **P(better / equiv. / worse)**: Benavoli et al.'s Bayesian signed-rank test over datasets with a "
    "region of practical equivalence of ±0.01: better, worse or equivalent at posterior probability ≥ 0.95, else undecided "
    "(\"undecided\" is not \"equivalent\"). **Holm p vs random**: Wilcoxon signed-rank over datasets, Holm over the strategies.",
    "**ΔAUBC vs random / gap [95 % CI]** (headline, sort order): mean over datasets of the paired AUBC difference to random "
    "divided by random's gap to full-pool accuracy, hierarchical bootstrap CI (datasets, then seeds); \"raw†\" when there "
    "is no calibration data.",
    "**P(rank 1)**, **Rank 95 % interval**: how often, and at which ranks, the strategy lands over the same bootstrap replicates.",
    "**AUBC**: mean area under the budget curve, each dataset weighing the same.",
    "**Over-reliance** (3.0.0): signed, in one game: the model's Shapley share of the modality the dataset's ground truth "
    "favours minus that modality's share in the reference game (unimodal reference models and random's own model, trained "
    "on random's labels of the same seed on the scored instance); 0 = leans as the labels support, > 0 = beyond; n/a for "
    "more than two modalities or below 3 standard errors of accuracy (per dataset, per modality, in its own table).",
    "**Truth gap**: the same distance to the dataset's asymptotic ground-truth shares (what infinite labels would support).",
    "**Shares n/a**: share of rounds whose model contributes less than 0.02 accuracy in total, where shares are undefined (never 1.0).",
    "**Missing / Corrupted / Noisy-label rate**: share of bought rows with that defect divided by its share in the pool "
    "(1 = bought at the pool's rate).",
    "**Class TV**: total-variation distance between the bought class mix and the pool's.",
    "**Query s (median)**: median wall seconds per query; the **Query cost** table adds CPU-seconds (median, suite total), "
    "peak query memory and energy in joules (RAPL counters where readable, else a labelled CPU-TDP estimate).",
    "**Pairwise penalty matrix**: Lüth et al.'s per-budget paired t-test wins, 1/n_budgets each, summed over dataset × "
    "regime settings (row beats column).",
    "**Critical-difference diagram** (`plots/cd_diagram.png`): Friedman mean ranks, bars join strategies no corrected test separates.",
    "**Indicative only**: shown when cells have fewer seeds than the standard suite, or strategies miss cells.",
)


def readme_bullets() -> str:
    """`COLUMN_NOTES` as the README's bullet list (one ``- `` line each)."""
    return "\n".join(f"- {note}" for note in COLUMN_NOTES)


def note_html(note: str) -> str:
    """One note as HTML: escaped, with Markdown ``**bold**`` and ```code``` turned into tags."""
    text = html.escape(note, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)
