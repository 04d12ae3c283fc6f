"""Render a `Scoreboard` as LEADERBOARD.md, leaderboard.csv and PNG plots; `build_leaderboard` also writes
the static HTML pages of `html_page`.

Output is a deterministic function of the result files (fixed float formats and sort orders), and
is written atomically: everything is rendered into a temp folder first, then moved into place.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from mmal_bench.harness.outdir import fsync_dir, pid_alive
from mmal_bench.leaderboard import html_page
from mmal_bench.leaderboard.catalog import StrategyInfo
from mmal_bench.leaderboard.loading import FingerprintLookup, load_results, manifest_fingerprint
from mmal_bench.leaderboard.scoring import BASELINE, GridCell, Scoreboard, regime_key, score
from mmal_bench.leaderboard.tables import (
    DIGITS,
    GROUP_HEADERS,
    HTML_NAME,
    NA,
    STRATEGY_PAGES_DIR,
    UNOFFICIAL_MARK,
    _modality,
    _sections,
    board_order,
    flat_curves,
    group_rows,
    missing_lines,
    overall_headers,
    overall_rows,
    short_hash,
    slug,
    statistics_lines,
)

MARKDOWN_NAME = "LEADERBOARD.md"
CSV_NAME = "leaderboard.csv"
PLOTS_DIR = "plots"
#: Prefix of the staging folder a render writes into before moving its files into place (+ pid).
BUILD_PREFIX = ".leaderboard-build-"
CD_NAME = "cd_diagram.png"


def build_leaderboard(
    results_root: Path,
    out_dir: Path,
    *,
    suite: str | None = None,
    catalog: Mapping[str, StrategyInfo] | None = None,
    fingerprint_of: FingerprintLookup | None = manifest_fingerprint,
    verify_sources: bool = True,
    expected: Iterable[GridCell] | None = None,
    plots: bool = True,
    links_from: Path | None = None,
    official: bool = False,
) -> Scoreboard:
    """Verify and score every result file under ``results_root``; write the leaderboard to ``out_dir``.

    Writes ``LEADERBOARD.md``, ``leaderboard.csv``, ``index.html``, ``strategies/*.html`` (one page per
    strategy) and ``plots/*.png``. Nothing in
    ``out_dir`` changes unless every file rendered: a bad result file (integrity, mixed versions) or
    a rendering error leaves the previous leaderboard as it was. Other files in ``out_dir`` (e.g.
    committed results) are left alone. See `load_results` for the verification parameters.
    ``links_from`` is the folder the pages' links to submission folders are relative to (default
    ``out_dir``): a check that re-renders the committed leaderboard elsewhere gets the same bytes.
    ``official``: refuse (one line, nothing written) results that are not all signed by the release's
    pinned key on one hidden instance; otherwise such a board is written with an UNOFFICIAL mark.
    """
    from mmal_bench.leaderboard.catalog import builtin_catalog

    catalog = builtin_catalog() if catalog is None else dict(catalog)
    loaded = load_results(results_root, suite=suite, catalog=catalog, fingerprint_of=fingerprint_of, verify_sources=verify_sources)
    if official and loaded.unofficial:
        from mmal_bench.errors import ResultIntegrityError

        raise ResultIntegrityError(f"{results_root} is not an official board ({loaded.unofficial}); drop --official to render it marked {UNOFFICIAL_MARK}")
    board = score(loaded, catalog, expected=expected)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stray_builds(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{os.getpid()}-", dir=out_dir))
    try:
        plot_files = write_plots(board, staging / PLOTS_DIR) if plots else {}
        if plots and board.rank_groups is not None:
            from mmal_bench.leaderboard.cd_diagram import plot_cd_diagram

            plot_cd_diagram(board.rank_groups, staging / PLOTS_DIR / CD_NAME, f"{board.suite} {board.benchmark_version}", order=board_order(board))
            plot_files[("cd", "")] = f"{PLOTS_DIR}/{CD_NAME}"
        (staging / MARKDOWN_NAME).write_text(render_markdown(board), encoding="utf-8")
        (staging / CSV_NAME).write_text(render_csv(board), encoding="utf-8")
        for rel, text in html_page.render_pages(board, plot_files, links_from or out_dir).items():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_text(text, encoding="utf-8")
        _publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return board


def remove_stray_builds(out_dir: Path) -> list[Path]:
    """Delete the staging folders that killed renders left in ``out_dir``; return them.

    A staging folder is named after the pid of its render, so a render never deletes one that a
    render still running (another process) is filling; one of an older, pid-less name is stray.
    """
    stray = []
    for folder in sorted(Path(out_dir).glob(f"{BUILD_PREFIX}*")):
        pid = folder.name[len(BUILD_PREFIX) :].split("-", 1)[0]
        if not (pid.isdigit() and pid_alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            stray.append(folder)
    return stray


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the rendered files over the old ones (each `os.replace` is atomic; folders swap whole)."""
    for folder in (PLOTS_DIR, STRATEGY_PAGES_DIR):
        new, old = staging / folder, out_dir / folder
        if new.exists():
            if old.exists():
                os.replace(old, staging / f"old-{folder}")
            os.replace(new, old)
    for name in (CSV_NAME, MARKDOWN_NAME, HTML_NAME):
        os.replace(staging / name, out_dir / name)
    fsync_dir(out_dir)  # the renames are durable once the folder is synced


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def render_markdown(board: Scoreboard) -> str:
    """The whole leaderboard as Markdown (tabulate, GitHub tables); byte-stable for the same results."""
    out = [
        "# mmal-bench leaderboard",
        "",
        f"Suite `{board.suite}`, benchmark version {board.benchmark_version}. Generated by `mmal-bench leaderboard` "
        "from the result files; do not edit by hand.",
        "",
    ]
    if board.unofficial:
        out += [f"> **{UNOFFICIAL_MARK}**: {board.unofficial}.", ""]
    if board.indicative:
        out += [f"> **Indicative only**: {board.indicative}. Do not cite these ranks as the benchmark's.", ""]
    sections = _sections(board)
    if sections and sections[0][0] == "Per pitfall":
        title, note, headers, rows = sections.pop(0)
        out += [f"## {title}", "", note, "", _md_table(headers, rows), ""]
    out += ["## Overall", ""]
    out += [line for text in statistics_lines(board) for line in (text, "")]
    out += [_md_table(overall_headers(board), overall_rows(board)) if len(board.overall) else "_No strategy has a complete set of results._", ""]
    if board.rank_groups is not None:
        out += [f"Critical-difference diagram: `{PLOTS_DIR}/{CD_NAME}`.", ""]
    if board.missing:
        out += ["### Not ranked (incomplete results)", ""]
        out += [f"- {line}" for line in missing_lines(board)] + [""]
    for title, note, headers, rows in sections:
        out += [f"## {title}", "", note, "", _md_table(headers, rows), ""]
    datasets = [[d, board.families.get(d, NA), f] for d, f in board.datasets.items()]
    out += ["## Datasets", "", _md_table(["Dataset", "Pitfall family", "Fingerprint"], datasets), ""]
    for group in board.groups:
        seeds = ", ".join(str(s) for s in group.seeds)
        out += [
            f"## {group.label}",
            "",
            f"Seeds {seeds}; protocol `{short_hash(group.protocol_hash)}`. Rank: by mean AUBC over seeds in this group only.",
            "",
            _md_table(GROUP_HEADERS, group_rows(board, group)) if not group.table.empty else "_No strategy has all seeds._",
            "",
        ]
    out += [f"_Built from {board.n_results} result files._", ""]
    return "\n".join(out)


def render_overview(board: Scoreboard) -> str:
    """The overall table (and the unranked strategies) as plain text for the terminal."""
    lines = [f"mmal-bench leaderboard: suite {board.suite}, benchmark {board.benchmark_version}, {board.n_results} result files", ""]
    if board.unofficial:
        lines += [f"{UNOFFICIAL_MARK}: {board.unofficial}.", ""]
    if board.indicative:
        lines += [f"INDICATIVE ONLY: {board.indicative}.", ""]
    if len(board.overall):
        columns = [0, 1, 2, 3, 6, 7, 8]  # rank, strategy, type, headline, verdict: what fits a terminal
        table = [[row[i] for i in columns] for row in overall_rows(board)]
        lines.append(tabulate(table, headers=[overall_headers(board)[i] for i in columns], tablefmt="simple", disable_numparse=True))
        if board.headline is not None and not board.headline.normalised:
            lines += ["", f"† raw: the AUBC difference to {BASELINE} in accuracy units, not divided by {BASELINE}'s gap to "
                      f"full-pool accuracy ({board.headline.reason}); compare strategies within this table only."]  # fmt: skip
    else:
        lines.append("No strategy has a complete set of results yet.")
    if board.missing:
        lines += ["", "Not ranked (incomplete):"] + [f"  {line}" for line in missing_lines(board)]
    return "\n".join(lines)


def render_csv(board: Scoreboard) -> str:
    """Long-format CSV: one row per (scope, strategy); scope ``overall``, ``pitfall/<family>``,
    ``dataset/<dataset>`` or ``<dataset>/<regime>``; a column is empty where it does not apply."""
    cols = [
        "scope", "dataset", "regime", "family", "strategy", "modality", "rank", "rank_label", "n_seeds",
        "delta", "delta_low", "delta_high", "p_rank1", "rank_low", "rank_high",
        "verdict", "p_better", "p_equivalent", "p_worse", "holm_p", "aubc", "aubc_low", "aubc_high", "final_accuracy", "final_accuracy_low", "final_accuracy_high",
        "delta_aubc", "delta_aubc_low", "delta_aubc_high", "gap_closed", "over_reliance", "truth_gap", "shares_na",
        "missing_rate", "corrupted_rate", "noisy_label_rate", "class_tv", "query_seconds",
        "query_cpu_seconds_median", "query_cpu_seconds_total", "query_peak_bytes", "energy_joules", "source_hash",
    ]  # fmt: skip
    records = []
    for s, r in board.overall.iterrows():
        cost = board.costs.loc[s].to_dict() if s in board.costs.index else {}
        records.append({**r.to_dict(), **cost, "scope": "overall", "strategy": s, "modality": _modality(board, str(s))})
    for r in board.pitfalls.itertuples(index=False):
        c = board.family_contrasts.get(r.family)
        v = c.table.loc[r.strategy, ["verdict", "p_better", "p_equivalent", "p_worse", "holm_p"]].to_dict() if c is not None and r.strategy in c.table.index else {}
        records.append({"scope": f"pitfall/{r.family}", "family": r.family, "strategy": r.strategy, "modality": _modality(board, r.strategy),
                        "delta": r.delta, "delta_low": r.low, "delta_high": r.high, "over_reliance": r.over_reliance, **v})  # fmt: skip
    for r in board.per_dataset.drop(columns="over_reliance_by_modality", errors="ignore").to_dict("records"):
        records.append({**r, "scope": f"dataset/{r['dataset']}", "family": board.families.get(r["dataset"], ""), "modality": _modality(board, r["strategy"])})
    for g in board.groups:
        for s, r in g.table.iterrows():
            records.append(
                {**r.to_dict(), "scope": f"{g.dataset}/{g.regime}", "dataset": g.dataset, "regime": g.regime, "strategy": s,
                 "modality": _modality(board, str(s)), "source_hash": board.source_hashes.get(str(s), "")}
            )  # fmt: skip
    frame = pd.DataFrame(records, columns=cols)
    if board.unofficial:  # official boards keep the released columns byte for byte
        frame.insert(0, "status", UNOFFICIAL_MARK)
    for c in ("rank", "n_seeds", "rank_low", "rank_high"):
        frame[c] = frame[c].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(int(v)))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format=f"%.{DIGITS + 2}f", lineterminator="\n", na_rep="")
    return buffer.getvalue()


#: Small multiples wrap after this many panels, so that no panel shrinks below a readable width.
PANELS_PER_ROW = 3
#: One panel's size in inches at `PLOT_DPI` (380 × 290 px: readable at the page's 1200 px width).
PANEL_SIZE = (3.8, 2.9)
PLOT_DPI = 100


def strategy_plot_name(strategy: str) -> str:
    return f"strategy__{slug(strategy)}.png"


#: How many of the board's best strategies the plots draw in colour (the rest muted grey, `BASELINE` black).
HIGHLIGHTED = 3


def highlighted(board: Scoreboard) -> list[str]:
    """The strategies the plots draw in colour: the `HIGHLIGHTED` best of the table (never the baseline)."""
    return [s for s in board_order(board) if s != BASELINE and s in board.overall.index][:HIGHLIGHTED]


def _styles(board: Scoreboard) -> dict[str, dict]:
    """Line style per strategy: the `highlighted` best in distinct colours, the baseline black dashed,
    every other strategy thin light grey (there, but not competing for the eye)."""
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab10")
    styles = {s: {"color": "#b8bec4", "lw": 0.8, "zorder": 1} for s in board_order(board)}
    for i, s in enumerate(highlighted(board)):
        styles[s] = {"color": cmap(i % 10), "lw": 1.8, "marker": "o", "ms": 3, "zorder": 3}
    styles[BASELINE] = {"color": "black", "ls": "--", "lw": 1.4, "zorder": 2}
    return styles


def _panels(n: int):
    """A figure of ``n`` panels, at most `PANELS_PER_ROW` per row; unused grid cells hidden."""
    import matplotlib.pyplot as plt

    cols = min(n, PANELS_PER_ROW)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(PANEL_SIZE[0] * cols, PANEL_SIZE[1] * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _save(fig, path: Path, handles: list, labels: list[str], ncol: int = 4) -> None:
    """Shared legend under the panels (it names every line), then a metadata-free PNG (byte-stable)."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=max(1, min(ncol, len(labels))), frameon=False)
    fig.savefig(path, dpi=PLOT_DPI, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)


def write_plots(board: Scoreboard, folder: Path) -> dict[tuple[str, str], str]:
    """The page's PNGs; returns ``{key: path relative to the leaderboard folder}``.

    Per (dataset, regime), key ``(dataset, regime)``: learning curves and each modality's Shapley share
    over rounds (one share panel for two modalities, as the other is its complement). Per strategy, key
    ``("strategy", name)``: its learning curve on every dataset, one panel per dataset, one line per
    regime (low → mid → high) with `BASELINE` dashed in the same colour.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    styles = _styles(board)
    shown = set(highlighted(board)) | {BASELINE}
    out: dict[tuple[str, str], str] = {}
    with plt.rc_context({"svg.hashsalt": "mmal-bench", "font.size": 9, "legend.fontsize": 9}):
        for g in board.groups:
            if not g.curves:
                continue
            modalities = g.modalities[:1] if len(g.modalities) == 2 else g.modalities
            fig, axes = _panels(1 + len(modalities))
            ax = axes[0]
            order = board_order(board, g.curves)
            for s in order:
                ax.plot(g.curves[s].n_labeled, g.curves[s].accuracy, label=_legend_label(s, shown), **styles[s])
            if g.dataset in board.full_pool:
                ax.axhline(board.full_pool[g.dataset], color="black", ls=":", lw=1.2, label="full pool (upper bound)")
            ax.set(title=f"{g.label}: learning curves", xlabel="labelled samples", ylabel="test accuracy (mean over seeds)")
            ax.grid(alpha=0.3)
            handles, labels = ax.get_legend_handles_labels()
            for ax, m in zip(axes[1:], modalities, strict=True):
                for s in order:
                    ax.plot(g.curves[s].n_labeled, g.curves[s].shares[m], label=_legend_label(s, shown), **styles[s])
                if m in g.truth_shares:
                    ax.axhline(g.truth_shares[m], color="black", ls="-.", lw=1.0, label="share the data supports")
                ax.set(title=f"share of modality '{m}' (Shapley)", xlabel="labelled samples", ylabel="share", ylim=(0, 1))
                ax.grid(alpha=0.3)
                for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                    if lab not in labels:
                        handles, labels = handles + [h], labels + [lab]
            for s, (low, high) in flat_curves(board, g).items():  # say it on the plot, where the eye is
                ax = axes[0]
                ax.annotate(f"{s}: flat ({low:.2f}–{high:.2f})", xy=(0.98, 0.04), xycoords="axes fraction", ha="right", va="bottom", fontsize=7)
            keep = [i for i, lab in enumerate(labels) if labels.index(lab) == i]  # the muted strategies share one entry
            handles, labels = [handles[i] for i in keep], [labels[i] for i in keep]
            name = f"{slug(g.dataset)}__{slug(g.regime)}.png"
            _save(fig, folder / name, handles, labels)
            out[(g.dataset, g.regime)] = f"{PLOTS_DIR}/{name}"
        out.update(_strategy_plots(board, folder))
    return out


def _legend_label(strategy: str, shown: set[str]) -> str:
    if strategy == BASELINE:
        return f"{strategy} (reference)"
    return strategy if strategy in shown else "other strategies"


def _strategy_plots(board: Scoreboard, folder: Path) -> dict[tuple[str, str], str]:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    datasets = sorted({g.dataset for g in board.groups if g.curves})
    regimes = sorted({g.regime for g in board.groups}, key=regime_key)
    regime_colors = {r: plt.get_cmap("tab10")(i % 10) for i, r in enumerate(regimes)}
    out = {}
    for strategy in sorted({s for g in board.groups for s in g.curves}):
        fig, axes = _panels(len(datasets))
        lines: dict[str, object] = {}
        for ax, dataset in zip(axes, datasets, strict=True):
            for g in (g for g in board.groups if g.dataset == dataset):
                own, base = g.curves.get(strategy), g.curves.get(BASELINE)
                color = regime_colors[g.regime]
                if own is not None:
                    (lines[f"{g.regime}: {strategy}"],) = ax.plot(own.n_labeled, own.accuracy, marker="o", ms=3, lw=1.4, color=color)
                if base is not None and strategy != BASELINE:
                    (lines[f"{g.regime}: {BASELINE}"],) = ax.plot(base.n_labeled, base.accuracy, ls="--", lw=1.0, color=color)
            # Log budget axis: the regimes' budgets differ ~10×, and on a linear axis the low one is a smudge.
            ax.set(title=dataset, xlabel="labelled samples (log scale)", ylabel="test accuracy", xscale="log")
            ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 10, 20, 50, 100, … as plain numbers
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.grid(alpha=0.3, which="both")
        order = [f"{r}: {s}" for r in regimes for s in (strategy, BASELINE) if f"{r}: {s}" in lines]
        fig.suptitle(f"{strategy}: learning curves (mean over seeds)")
        name = strategy_plot_name(strategy)
        _save(fig, folder / name, [lines[k] for k in order], order, ncol=len(regimes))  # a column per regime
        out[("strategy", strategy)] = f"{PLOTS_DIR}/{name}"
    return out


__all__ = [
    "build_leaderboard",
    "render_markdown",
    "render_overview",
    "render_csv",
    "write_plots",
]
