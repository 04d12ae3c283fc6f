"""The static HTML leaderboard: an overview page and one page per strategy.

Readers need no build step and no network: plain HTML, one inline style sheet and one inline script
(sorting and filtering). Every table sits in its own horizontally scrolling container, so the page
itself fits a 1280 px window. The text is a deterministic function of the `Scoreboard` (same result
files → same bytes); links are relative, so the folder can be opened from the file system or served.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from pathlib import Path

from mmal_bench.leaderboard.citation import RELEASES, citation_text
from mmal_bench.leaderboard.columns import COLUMN_NOTES, note_html
from mmal_bench.leaderboard.pitfalls import FAMILIES
from mmal_bench.leaderboard.scoring import BASELINE, Scoreboard, regime_key
from mmal_bench.leaderboard.tables import (
    COST_HEADERS,
    GROUP_HEADERS,
    HTML_NAME,
    NA,
    STRATEGY_PAGES_DIR,
    UNOFFICIAL_MARK,
    _sections,
    cost_rows,
    flat_curves,
    group_rows,
    missing_lines,
    overall_headers,
    overall_rows,
    short_hash,
    slug,
    statistics_lines,
)

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1rem 1.25rem 3rem;color:#1f2328;line-height:1.45}
h1{margin:0.5rem 0 0.25rem;font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:0.2rem;font-size:1.3rem}
h3{font-size:1.05rem;margin-top:1.4rem}
nav.toc{display:flex;flex-wrap:wrap;gap:0.3rem 1rem;margin:0.6rem 0 1rem;font-size:0.9rem}
a{color:#0550ae}
.table-wrap{overflow-x:auto;width:fit-content;max-width:100%;margin:0.5rem 0 1.25rem;border:1px solid #d0d7de;border-radius:4px}
.table-wrap.tall{max-height:34rem;overflow-y:auto}
table{border-collapse:collapse;font-size:0.82rem}
th,td{border-bottom:1px solid #e5e8eb;padding:0.3rem 0.55rem;text-align:left;vertical-align:top}
td{white-space:nowrap;font-variant-numeric:tabular-nums}
th{background:#f6f8fa;font-weight:600;min-width:4.5rem;max-width:12rem;position:sticky;top:0;z-index:1}
td.pin,th.pin{position:sticky;left:0;z-index:2;box-shadow:inset -1px 0 0 #d0d7de}td.pin{background:#fff}th.pin{z-index:3}
tbody tr:nth-child(even) td.pin{background:#fbfcfd}tbody tr:hover td.pin{background:#eef4fb}
tbody tr:nth-child(even){background:#fbfcfd}tbody tr:hover{background:#eef4fb}
th.sortable{cursor:pointer;user-select:none}th.sortable:hover{background:#e8ecf0}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
code,pre{font-size:0.8rem}pre{background:#f6f8fa;padding:0.6rem;white-space:pre-wrap;overflow-wrap:anywhere;border-radius:4px}
figure{margin:0.8rem 0 1.6rem}figure img{display:block;max-width:100%;height:auto}
figcaption{font-size:0.85rem;color:#57606a;margin-bottom:0.3rem;font-weight:600}
figcaption .flat{font-weight:400;color:#9a6700}
.note{color:#57606a;font-size:0.88rem;max-width:60rem}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:0.5rem 0.75rem;border-radius:4px}
.filters{display:flex;flex-wrap:wrap;gap:0.5rem 1.25rem;align-items:center;background:#f6f8fa;padding:0.5rem 0.75rem;border-radius:4px;position:sticky;top:0;z-index:2}
.filters label{font-size:0.88rem}.filters select{margin-left:0.3rem}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:0.2rem 1rem;font-size:0.9rem}dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
ul.columns li{margin-bottom:0.3rem;font-size:0.9rem}
"""

# Sorting: by each cell's data-v (numbers numerically, text alphabetically, n/a last either way).
# Filtering: every element carrying data-dataset is shown only if it matches all three selects.
_JS = """
(function () {
  function key(cell) {
    var v = cell.getAttribute("data-v");
    var n = parseFloat(v);
    return { na: v === "n/a" || v === "", num: isNaN(n) ? null : n, text: v };
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      th.classList.add("sortable");
      th.title = "Click to sort";
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]), r;
          if (x.na || y.na) { return (x.na ? 1 : 0) - (y.na ? 1 : 0); }
          if (x.num !== null && y.num !== null) { r = x.num - y.num; } else { r = x.text.localeCompare(y.text); }
          return asc ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var selects = document.querySelectorAll("select[data-filter]");
  function apply() {
    var want = {};
    selects.forEach(function (s) { want[s.getAttribute("data-filter")] = s.value; });
    var shown = 0, total = 0;
    document.querySelectorAll("[data-dataset]").forEach(function (el) {
      var ok = Object.keys(want).every(function (k) { return want[k] === "" || el.getAttribute("data-" + k) === want[k]; });
      el.hidden = !ok;
      if (el.tagName === "TR") { total += 1; shown += ok ? 1 : 0; }
    });
    var count = document.getElementById("filter-count");
    if (count) { count.textContent = shown + " of " + total + " rows shown"; }
  }
  selects.forEach(function (s) { s.addEventListener("change", apply); });
  if (selects.length) { apply(); }
})();
"""


def _sort_value(text: str) -> str:
    """The number a cell sorts by: its leading figure (``0.71 [0.69, 0.73]`` → 0.71, rank ``=2`` → 2), else the text."""
    if text == "baseline":  # the baseline's difference to itself
        return "0"
    match = re.match(r"^\s*=?([+-]?\d+(?:\.\d+)?)(?=$|\s|/|–|%)", text)
    return match.group(1) if match else text


def _table(headers: list[str], rows: list[list[str]], cell_html: Mapping[tuple[int, int], str] | None = None,
           row_attrs: list[str] | None = None, table_id: str = "", tall: bool = False) -> str:  # fmt: skip
    """A sortable table inside its own scrolling container (wide tables scroll there, not the page;
    ``tall`` ones also scroll vertically under a sticky header). The strategy column (else the first)
    stays in place while the rest scrolls sideways, so every row keeps its name."""
    cell_html = cell_html or {}
    pin = headers.index("Strategy") if "Strategy" in headers else 0
    pinned = [' class="pin"' if j == pin else "" for j in range(len(headers))]
    head = "".join(f"<th scope=\"col\"{pinned[j]}>{html.escape(h)}</th>" for j, h in enumerate(headers))
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f"<td{pinned[j]} data-v=\"{html.escape(_sort_value(v), quote=True)}\">{cell_html.get((i, j), html.escape(v))}</td>"
            for j, v in enumerate(row)
        )
        body.append(f"<tr{row_attrs[i] if row_attrs else ''}>{cells}</tr>")
    ident = f" id=\"{table_id}\"" if table_id else ""
    wrap = "table-wrap tall" if tall else "table-wrap"
    return f"<div class=\"{wrap}\"><table class=\"sortable\"{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            "<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            f"<title>{html.escape(title)}</title>",
            f"<style>{_CSS}</style></head><body>",
            *body,
            f"<script>{_JS}</script>",
            "</body></html>",
        ]
    ) + "\n"


def _unofficial(board: Scoreboard) -> list[str]:
    """The UNOFFICIAL / UNSIGNED banner of a board that is not official (nothing for an official one)."""
    if not board.unofficial:
        return []
    return [f"<p class=\"warn\"><strong>{html.escape(UNOFFICIAL_MARK)}</strong>: {html.escape(board.unofficial)}.</p>"]


def strategy_page(strategy: str) -> str:
    """Path of a strategy's page, relative to the leaderboard folder."""
    return f"{STRATEGY_PAGES_DIR}/{slug(strategy)}.html"


def _strategy_link(strategy: str, prefix: str = "") -> str:
    return f"<a href=\"{html.escape(prefix + strategy_page(strategy), quote=True)}\">{html.escape(strategy)}</a>"


def _flat_note(board: Scoreboard, group) -> str:
    """A caption sentence for each strategy whose learning curve is flat in ``group`` (`flat_curves`):
    a flat line beside a rising baseline looks like a plotting error unless the page says it is the data."""
    flat = flat_curves(board, group)
    if not flat:
        return ""
    parts = "; ".join(f"{html.escape(s)} stays at {low:.2f}–{high:.2f}" for s, (low, high) in flat.items())
    return (f"<br><span class=\"flat\">Flat curve: {parts} over the whole budget while {html.escape(BASELINE)} rises; "
            "the labels it buys do not improve the model (see the batch missing/corrupted rates in the tables).</span>")  # fmt: skip


def _citation(board: Scoreboard, strategy: str | None = None) -> str:
    """What to cite for this board's numbers (of ``strategy``): `citation.citation_text` pinned to the
    board's result set (version, suite, instance, signer, result-set hash), byte for byte what
    ``mmal-bench cite [STRATEGY]`` prints (with ``--results`` for a board other than the release),
    preceded by that command."""
    command = "mmal-bench cite" + (f" {strategy}" if strategy else "")
    if board.cited is not None and board.cited != RELEASES.get(board.cited.benchmark_version):
        command += " --results RESULTS" + (f" --suite {board.suite}" if board.suite != "standard" else "")
    text = citation_text([strategy] if strategy else [], board.catalog, board.cited)
    return f"<p class=\"note\"><code>{html.escape(command)}</code> prints the same:</p><pre>{html.escape(text.rstrip())}</pre>"


def _long_group_rows(board: Scoreboard, strategy: str | None = None) -> tuple[list[str], list[list[str]], list[str]]:
    """Every dataset × regime table stacked into one (dataset, regime and family as columns)."""
    headers = ["Dataset", "Regime", "Pitfall family"] + GROUP_HEADERS
    rows, attrs = [], []
    for g in board.groups:
        family = board.families.get(g.dataset, NA)
        for row in group_rows(board, g):
            if strategy is not None and row[1] != strategy:
                continue
            rows.append([g.dataset, g.regime, family] + row)
            attrs.append(_filter_attrs(family, g.dataset, g.regime))
    return headers, rows, attrs


def _filter_attrs(family: str, dataset: str, regime: str) -> str:
    esc = html.escape
    return f" data-family=\"{esc(family, quote=True)}\" data-dataset=\"{esc(dataset, quote=True)}\" data-regime=\"{esc(regime, quote=True)}\""


def _family_key(family: str) -> tuple[int, str]:
    """Pitfall families in the per-pitfall table's order, unknown ones after them by name."""
    return (FAMILIES.index(family) if family in FAMILIES else len(FAMILIES), family)


def _filters(board: Scoreboard) -> str:
    options = {
        "family": ("Pitfall", sorted({board.families.get(g.dataset, NA) for g in board.groups}, key=_family_key)),
        "dataset": ("Dataset", list(dict.fromkeys(g.dataset for g in board.groups))),
        "regime": ("Regime", sorted({g.regime for g in board.groups}, key=regime_key)),
    }
    out = ["<div class=\"filters\">"]
    for key, (label, values) in options.items():
        opts = "".join(f"<option value=\"{html.escape(v, quote=True)}\">{html.escape(v)}</option>" for v in values)
        out.append(f"<label>{label}<select id=\"filter-{key}\" data-filter=\"{key}\"><option value=\"\">all</option>{opts}</select></label>")
    out.append("<span id=\"filter-count\" class=\"note\"></span></div>")
    return "".join(out)


def render_html(board: Scoreboard, plot_files: Mapping[tuple[str, str], str], out_dir: Path) -> str:
    """The overview page: per-pitfall and overall views first, then the filterable dataset × regime
    results with their plots, the other tables, what every column means, and the citation."""
    esc = html.escape
    ranked = list(board.overall.index)
    everyone = ranked + sorted(set(board.source_hashes) - set(ranked))
    body = [
        "<h1>mmal-bench leaderboard</h1>",
        f"<p class=\"note\">Suite <code>{esc(board.suite)}</code>, benchmark version {esc(board.benchmark_version)}, "
        f"{board.n_results} result files. Generated from the result files by <code>mmal-bench leaderboard</code>. "
        "Click a column header to sort; each strategy's name opens its own page.</p>",
        "<nav class=\"toc\"><a href=\"#Per_pitfall\">Per pitfall</a><a href=\"#overall\">Overall</a>"
        "<a href=\"#by-setting\">Per dataset × regime</a><a href=\"#more\">More tables</a><a href=\"#strategies\">Strategies</a>"
        "<a href=\"#columns\">Columns explained</a><a href=\"#cite\">Cite</a></nav>",
    ]
    body += _unofficial(board)
    if board.indicative:
        body.append(f"<p class=\"warn\"><strong>Indicative only</strong>: {esc(board.indicative)}. Do not cite these ranks as the benchmark's.</p>")
    sections = _sections(board)
    links = {name: _strategy_link(name) for name in everyone}
    if sections and sections[0][0] == "Per pitfall":
        title, note, headers, rows = sections.pop(0)
        cells = {(i, 0): links.get(r[0], esc(r[0])) for i, r in enumerate(rows)}
        body += [f"<h2 id=\"{slug(title)}\">{esc(title)}</h2>", f"<p class=\"note\">{esc(note)}</p>", _table(headers, rows, cells)]
    body.append("<h2 id=\"overall\">Overall</h2>")
    body += [f"<p class=\"note\">{note_html(line)}</p>" for line in statistics_lines(board)]
    rows = overall_rows(board)
    cells = {(i, 1): links[r[1]] for i, r in enumerate(rows)}
    body.append(_table(overall_headers(board), rows, cells, table_id="overall-table") if rows else "<p>No strategy has a complete set of results.</p>")
    cd = plot_files.get(("cd", ""))
    if cd:
        body.append(f"<figure><figcaption>Critical-difference diagram (names in the table's order; each sits at its mean rank)</figcaption>"
                    f"<img src=\"{esc(cd, quote=True)}\" alt=\"critical-difference diagram\"></figure>")  # fmt: skip
    if board.missing:
        body.append("<h3>Not ranked (incomplete results)</h3><ul>")
        body += [f"<li>{esc(line)}</li>" for line in missing_lines(board)]
        body.append("</ul>")

    body += ["<h2 id=\"by-setting\">Per dataset × regime</h2>",
             "<p class=\"note\">Rank within one dataset × regime by mean AUBC over its seeds. The filters apply to this table "
             "and to the plots below it.</p>", _filters(board)]  # fmt: skip
    headers, rows, attrs = _long_group_rows(board)
    cells = {(i, 4): links.get(r[4], esc(r[4])) for i, r in enumerate(rows)}
    body.append(_table(headers, rows, cells, attrs, table_id="settings-table", tall=True))
    for g in board.groups:
        plot = plot_files.get((g.dataset, g.regime))
        if plot:
            seeds = ", ".join(map(str, g.seeds))
            body.append(
                f"<figure{_filter_attrs(board.families.get(g.dataset, NA), g.dataset, g.regime)} id=\"{esc(slug(f'{g.dataset}-{g.regime}'), quote=True)}\">"
                f"<figcaption>{esc(g.label)} — seeds {esc(seeds)}; protocol <code>{esc(short_hash(g.protocol_hash))}</code>{_flat_note(board, g)}</figcaption>"
                f"<img src=\"{esc(plot, quote=True)}\" alt=\"learning curves and modality shares, {esc(g.label, quote=True)}\"></figure>"
            )

    body.append("<h2 id=\"more\">More tables</h2>")
    for title, note, headers, srows in sections:
        cells = {(i, 0): links.get(r[0], esc(r[0])) for i, r in enumerate(srows)}
        body += [f"<h3 id=\"{slug(title)}\">{esc(title)}</h3>", f"<p class=\"note\">{esc(note)}</p>", _table(headers, srows, cells)]
    datasets = [[d, board.families.get(d, NA), f] for d, f in board.datasets.items()]
    body += ["<h3 id=\"datasets\">Datasets</h3>", _table(["Dataset", "Pitfall family", "Fingerprint"], datasets)]

    body.append("<h2 id=\"strategies\">Strategies</h2><ul>")
    for s in everyone:
        info = board.catalog.get(s)
        kind = f"{info.modality}, {info.kind}" if info else NA
        body.append(f"<li>{links[s]} ({esc(kind)})</li>")
    body.append("</ul>")
    body += ["<h2 id=\"columns\">Columns explained</h2>", "<ul class=\"columns\">"]
    body += [f"<li>{note_html(note)}</li>" for note in COLUMN_NOTES]
    body.append("</ul>")
    body += ["<h2 id=\"cite\">Cite</h2>", "<p class=\"note\">The benchmark, pinned to the result set these numbers come "
             "from; each strategy's page adds the strategy's paper.</p>", _citation(board)]  # fmt: skip
    return _page(f"mmal-bench leaderboard ({board.suite}, benchmark {board.benchmark_version})", body)


def render_strategy(board: Scoreboard, strategy: str, plot_files: Mapping[tuple[str, str], str], out_dir: Path) -> str:
    """One strategy's page: where it ranks, its curves on every dataset, its results per setting,
    its source hash and query cost, and what to cite."""
    esc = html.escape
    up = "../"
    info = board.catalog.get(strategy)
    body = [f"<p><a href=\"{up}{HTML_NAME}\">← leaderboard</a></p>", f"<h1>{esc(info.display_name if info else strategy)}</h1>"]
    facts = [("Name", f"<code>{esc(strategy)}</code>"), ("Type", esc(info.modality if info else NA)), ("Kind", esc(info.kind if info else NA))]
    if strategy in board.overall.index:
        r = board.overall.loc[strategy]
        row = overall_rows(board)[list(board.overall.index).index(strategy)]
        facts += [("Overall rank", esc(str(r["rank_label"]))), ("Headline", esc(row[3])), ("P(rank 1)", esc(row[4])), ("Rank 95% interval", esc(row[5]))]
    else:
        facts.append(("Overall rank", f"not ranked: {len(board.missing.get(strategy, ()))} missing cell(s)"))
    facts.append(("Source hash", f"<code>{esc(board.source_hashes.get(strategy, NA))}</code>"))
    if info is not None and info.paper_url:
        facts.append(("Paper", f"<a href=\"{esc(info.paper_url, quote=True)}\">{esc(info.paper_url)}</a>"))
    if info is not None and info.folder is not None and Path(info.folder).is_dir():
        rel = Path(os.path.relpath(Path(info.folder).resolve(), (Path(out_dir) / STRATEGY_PAGES_DIR).resolve())).as_posix()
        facts.append(("Submission", f"<a href=\"{esc(rel, quote=True)}/submission.yaml\">{esc(rel)}/submission.yaml</a>"))
    body += _unofficial(board)
    if board.indicative:
        body.append(f"<p class=\"warn\"><strong>Indicative only</strong>: {esc(board.indicative)}.</p>")
    body.append("<dl class=\"facts\">" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    plot = plot_files.get(("strategy", strategy))
    if plot:
        body += ["<h2>Learning curves</h2>",
                 f"<p class=\"note\">Mean test accuracy over seeds on every dataset; one colour per regime, {esc(BASELINE)} dashed.</p>",
                 f"<figure><img src=\"{up}{esc(plot, quote=True)}\" alt=\"learning curves of {esc(strategy, quote=True)} on every dataset\"></figure>"]  # fmt: skip
    headers, rows, _ = _long_group_rows(board, strategy)
    keep = [i for i, h in enumerate(headers) if h not in ("Strategy", "Type")]  # the page's own, said above
    headers, rows = [headers[i] for i in keep], [[r[i] for i in keep] for r in rows]
    body += ["<h2>Per dataset × regime</h2>", _table(headers, rows) if rows else "<p>No complete dataset × regime setting.</p>"]
    cost = [row for row in cost_rows(board) if row[0] == strategy]
    if cost:
        body += ["<h2>Query cost</h2>", f"<p class=\"note\">Energy: {esc(board.energy_method)}.</p>", _table(COST_HEADERS, cost)]
    body += ["<h2>Cite</h2>", _citation(board, strategy)]
    return _page(f"{strategy} — mmal-bench leaderboard ({board.suite}, benchmark {board.benchmark_version})", body)


def render_pages(board: Scoreboard, plot_files: Mapping[tuple[str, str], str], out_dir: Path) -> dict[str, str]:
    """Every HTML page: ``{path relative to the leaderboard folder: text}``."""
    pages = {HTML_NAME: render_html(board, plot_files, out_dir)}
    for strategy in list(board.overall.index) + sorted(set(board.source_hashes) - set(board.overall.index)):
        pages[strategy_page(strategy)] = render_strategy(board, strategy, plot_files, out_dir)
    return pages


__all__ = ["render_html", "render_pages", "render_strategy", "strategy_page"]
