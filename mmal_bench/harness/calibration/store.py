"""Reading and writing calibration files, the regimes they define, and the learnability gate.

The committed file is package data next to this module; the suite definition reads its regimes from
it, so budgets are data measured once (``mmal-bench datasets calibrate``), not constants in code. Like
a dataset manifest, a calibration carries a ``fingerprint`` (sha256 over its canonical JSON, written by
`write_calibration`) that is verified on every load: an edited number (a ``full_pool_accuracy`` moves
every normalised ΔAUBC) or a truncated file is one clear error for the suites that read it, and a
suite whose budgets are calibrated never falls back to other budgets.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mmal_bench.data.registry import get_entry
from mmal_bench.errors import ConfigError
from mmal_bench.harness.outdir import atomic_write_text
from mmal_bench.harness.protocol import Regime

HERE = Path(__file__).parent
#: Full-pool accuracy must be within this of the ground truth (synthetic: Bayes; real: probe).
FULL_POOL_TOLERANCE = {"synthetic": 0.03, "real": 0.05}
#: Random at the largest budget must cover at least this share of the chance → full-pool gap.
MIN_GAP_SHARE = 0.5


def calibration_path(suite: str, version: str) -> Path:
    """Where the committed calibration of ``suite@version`` lives (package data)."""
    return HERE / f"{suite}-{version}.json"


def calibration_fingerprint(calibration: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON (sorted keys, ``repr`` floats) of ``calibration`` without its
    ``fingerprint`` field: what `write_calibration` records and `load_calibration` verifies."""
    body = {key: value for key, value in calibration.items() if key != "fingerprint"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def load_calibration(suite: str, version: str) -> dict[str, Any]:
    """The committed calibration of ``suite@version``, its fingerprint verified.

    Parameters
    ----------
    suite, version : e.g. ``"standard"``, ``"2.0.0"``.

    Returns
    -------
    The calibration dict (layout in `mmal_bench.harness.calibration`).

    Raises
    ------
    ConfigError
        One line naming the file and what to do, when there is none, it is not JSON, it has no
        fingerprint, its content does not match its fingerprint, or it calibrates another suite.
    """
    path = calibration_path(suite, version)
    redo = f"restore the committed file (`git checkout -- {path.name}` in {path.parent}) or re-run `mmal-bench datasets calibrate --suite {suite}@{version}`"
    if not path.is_file():
        raise ConfigError(f"no calibration for suite {suite}@{version} ({path}); suite {suite} has no budgets without it: {redo}")
    try:
        calibration = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"calibration {path} is damaged, not readable JSON ({exc}); {redo}") from None
    if not isinstance(calibration, dict) or not isinstance(calibration.get("fingerprint"), str):
        raise ConfigError(f"calibration {path} has no fingerprint (it was not written by `mmal-bench datasets calibrate`); {redo}")
    try:
        actual = calibration_fingerprint(calibration)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"calibration {path} is damaged ({exc}); {redo}") from None
    if calibration["fingerprint"] != actual:
        raise ConfigError(
            f"calibration {path} does not match its fingerprint ({calibration['fingerprint'][:19]}…, content {actual[:19]}…): "
            f"it was edited after calibration; {redo}"
        )
    if (calibration.get("suite"), calibration.get("suite_version")) != (suite, version):
        raise ConfigError(f"calibration {path} is for suite {calibration.get('suite')}@{calibration.get('suite_version')}, not {suite}@{version}; {redo}")
    return calibration


def write_calibration(calibration: Mapping[str, Any], path: Path) -> Path:
    """Write ``calibration`` with its fingerprint (`calibration_fingerprint`) atomically as indented JSON;
    return ``path``. A fingerprint already in ``calibration`` is replaced by the one of its content."""
    fingerprinted = {**{k: v for k, v in calibration.items() if k != "fingerprint"}, "fingerprint": calibration_fingerprint(calibration)}
    return atomic_write_text(Path(path), json.dumps(fingerprinted, indent=1, allow_nan=False) + "\n")


class CalibratedRegimes(Mapping[str, tuple[Regime, ...]]):
    """Dataset name → its calibrated regimes (`regimes_from`) from the committed calibration of
    ``suite@version``, read and verified on first use.

    A suite's ``regime_overrides``: reading on first use keeps a missing or damaged calibration an
    error of the suites that need it (``--suite quick`` never reads it), and `get` refuses a dataset
    the calibration lacks instead of handing back uncalibrated default budgets.
    """

    def __init__(self, suite: str, version: str) -> None:
        self.suite, self.version = suite, version
        self._regimes: dict[str, tuple[Regime, ...]] | None = None

    def _loaded(self) -> dict[str, tuple[Regime, ...]]:
        if self._regimes is None:
            self._regimes = regimes_from(load_calibration(self.suite, self.version))
        return self._regimes

    def __getitem__(self, dataset: str) -> tuple[Regime, ...]:
        return self._loaded()[dataset]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __bool__(self) -> bool:
        """Whether the calibration file exists (not read: a damaged one fails on first use). Lets a suite
        version that is not calibrated yet write ``calibrated_regimes(...) or interim``; a released
        suite (``standard`` 2.0.0) has no such fallback: a missing file is an error when it is expanded."""
        return calibration_path(self.suite, self.version).is_file()

    def get(self, dataset: str, default: Any = None) -> tuple[Regime, ...]:  # type: ignore[override]
        """The regimes of ``dataset``; a `ConfigError` (never ``default``) when it is not calibrated."""
        regimes = self._loaded()
        if dataset not in regimes:
            raise ConfigError(
                f"dataset {dataset!r} is not in the calibration of suite {self.suite}@{self.version} ({calibration_path(self.suite, self.version)}); "
                f"re-run `mmal-bench datasets calibrate --suite {self.suite}`"
            )
        return regimes[dataset]

    def __repr__(self) -> str:
        return f"CalibratedRegimes({self.suite!r}, {self.version!r})"


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
