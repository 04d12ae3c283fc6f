"""Reading and writing calibration files, the regimes they define, and the learnability gate.

The committed file is package data next to this module; the suite definition reads its regimes from
it, so budgets are data measured once (``mmal-bench datasets calibrate``), not constants in code.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmal_bench.data.registry import get_entry
from mmal_bench.errors import ConfigError
from mmal_bench.harness.protocol import Regime

HERE = Path(__file__).parent
#: Full-pool accuracy must be within this of the ground truth (synthetic: Bayes; real: probe).
FULL_POOL_TOLERANCE = {"synthetic": 0.03, "real": 0.05}
#: Random at the largest budget must cover at least this share of the chance → full-pool gap.
MIN_GAP_SHARE = 0.5


def calibration_path(suite: str, version: str) -> Path:
    """Where the committed calibration of ``suite@version`` lives (package data)."""
    return HERE / f"{suite}-{version}.json"


def load_calibration(suite: str, version: str) -> dict[str, Any]:
    """The committed calibration of ``suite@version``; a one-line `ConfigError` if there is none.

    Parameters
    ----------
    suite, version : e.g. ``"standard"``, ``"2.0.0"``.

    Returns
    -------
    The calibration dict (layout in `mmal_bench.harness.calibration`).
    """
    path = calibration_path(suite, version)
    if not path.is_file():
        raise ConfigError(f"no calibration for suite {suite}@{version} ({path}); run `mmal-bench datasets calibrate --suite {suite}`")
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); re-run `mmal-bench datasets calibrate --suite {suite}`") from None


def write_calibration(calibration: Mapping[str, Any], path: Path) -> Path:
    """Write ``calibration`` atomically (temp file + rename) as indented JSON; return ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(calibration, indent=1, allow_nan=False) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def regimes_from(calibration: Mapping[str, Any]) -> dict[str, tuple[Regime, ...]]:
    """Dataset name → its calibrated regimes (cold start = query size, ``rounds`` rounds), duplicates dropped.

    On an easy dataset the two-labels-per-class floor can give two regimes the same budgets (redundant:
    low and mid both 8 + 8 × 10). Same budgets and same cold starts make the same cells, byte for byte,
    so keeping both would count one measurement twice in every rank test and interval: the later regime
    is dropped (`duplicate_regimes` names it).
    """
    out = {}
    for ref, entry in calibration["datasets"].items():
        dropped = duplicate_regimes(entry)
        out[ref.split("@", 1)[0]] = tuple(
            Regime(r["name"], initial=r["initial"], batch_size=r["batch_size"], rounds=r["rounds"])
            for r in entry["regimes"]
            if r["name"] not in dropped
        )
    return out


def duplicate_regimes(entry: Mapping[str, Any]) -> dict[str, str]:
    """Regime name → the earlier regime of the same dataset with identical budgets (it is not run)."""
    seen: dict[tuple[int, int, int], str] = {}
    dropped = {}
    for r in entry["regimes"]:
        budgets = (r["initial"], r["batch_size"], r["rounds"])
        if budgets in seen:
            dropped[r["name"]] = seen[budgets]
        else:
            seen[budgets] = r["name"]
    return dropped


def gate_rows(calibration: Mapping[str, Any], dataset: str | None = None) -> list[dict[str, Any]]:
    """The learnability table: per dataset, ground truth, full-pool model, random at each regime's
    final budget, and whether the gate passes.

    Gate: the full-pool model is within `FULL_POOL_TOLERANCE` of the ground truth (all modalities)
    and random at the largest budget covers at least `MIN_GAP_SHARE` of the chance → full-pool gap.
    """
    rows = []
    for ref, entry in calibration["datasets"].items():
        name, version = ref.split("@", 1)
        if dataset is not None and dataset not in (name, ref):
            continue
        kind = get_entry(name, version).kind
        chance, full, truth = entry["chance"], entry["full_pool_accuracy"], entry["ground_truth"]
        finals = {r["name"]: r["points"][-1] for r in entry["regimes"]}
        largest = max(finals.values(), key=lambda p: p["n_labeled"])
        gap_share = (largest["random_accuracy"] - chance) / (full - chance) if full > chance else float("nan")
        full_ok = abs(full - truth) <= FULL_POOL_TOLERANCE[kind]
        row = {"dataset": ref, "chance": chance, "ground truth": truth, "full-pool model": full}
        dropped = duplicate_regimes(entry)
        row["final budgets"] = " / ".join(
            f"={dropped[name]}" if name in dropped else str(p["n_labeled"]) for name, p in finals.items()
        )
        for regime, point in finals.items():
            row[f"random@{regime}"] = point["random_accuracy"]
        row["gap share at largest"] = gap_share
        row["gate"] = "pass" if full_ok and gap_share >= MIN_GAP_SHARE else ("fail: full pool" if not full_ok else "fail: random")
        rows.append(row)
    if dataset is not None and not rows:
        known = ", ".join(r.split("@", 1)[0] for r in calibration["datasets"])
        raise ConfigError(f"dataset {dataset!r} is not calibrated in suite {calibration['suite']}@{calibration['suite_version']}; choose from: {known}")
    return rows
