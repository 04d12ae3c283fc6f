"""Package energy from Intel RAPL counters (``/sys/class/powercap/intel-rapl:N/energy_uj``), where readable.

The leaderboard's energy column uses these readings when every query of a strategy carries one and
falls back to a labelled CPU-TDP estimate otherwise (CodeCarbon's method). A reading covers the
whole CPU package, so it also counts whatever else the machine ran during the query.
"""

from __future__ import annotations

from pathlib import Path

#: Where Linux exposes RAPL domains; tests point it at a fake tree.
POWERCAP_ROOT = Path("/sys/class/powercap")

Reading = list[tuple[int, int]]  # per package domain: (energy_uj, max_energy_range_uj)


def read_rapl(root: Path | None = None) -> Reading | None:
    """The counters of every top-level package domain (``intel-rapl:N``; sub-domains such as
    ``intel-rapl:0:0`` are inside their package and would count twice), or ``None`` when there is
    none or one cannot be read (often root-only)."""
    root = POWERCAP_ROOT if root is None else root
    domains = sorted(p for p in root.glob("intel-rapl:*") if p.name.count(":") == 1)
    if not domains:
        return None
    try:
        return [(int((d / "energy_uj").read_text()), int((d / "max_energy_range_uj").read_text())) for d in domains]
    except (OSError, ValueError):
        return None


def joules_between(start: Reading | None, stop: Reading | None) -> float | None:
    """Energy between two readings in joules, each counter's wrap-around at its range undone; ``None``
    unless both readings exist and cover the same domains."""
    if start is None or stop is None or len(start) != len(stop):
        return None
    total_uj = 0
    for (before, span), (after, _) in zip(start, stop, strict=True):
        total_uj += after - before if after >= before else after + span - before
    return total_uj / 1e6
