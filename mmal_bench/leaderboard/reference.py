"""The suite's calibration data as the scoring needs it: full-pool accuracy, chance, and what each
modality supports at n labels (unimodal reference accuracies), per dataset, regime and budget.

Read through ``mmal_bench.harness.calibration.load_calibration(suite, version)`` (contract 4);
when a suite has none (e.g. the archived 1.0.0 results) every figure that needs it is "n/a" and
`Reference.reason` says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Reference:
    """Calibration figures keyed by dataset ref ``name@version`` (or bare name, as calibrated)."""

    full_pool: dict[str, float] = field(default_factory=dict)
    chance: dict[str, float] = field(default_factory=dict)
    #: (dataset, regime, n_labeled) -> {modality: unimodal reference accuracy at that n}
    unimodal: dict[tuple[str, str, int], dict[str, float]] = field(default_factory=dict)
    #: (dataset, regime, n_labeled) -> accuracy of the fused reference model at that n (random labels):
    #: v(all) of the reference game (`harness.metrics.reference_game_shares`).
    fused: dict[tuple[str, str, int], float] = field(default_factory=dict)
    #: (dataset, regime, seed, n_labeled) -> (unimodal accuracies, fused accuracy) measured on the
    #: instance that was scored, from random sampling's cells (`RoundRecord.unimodal_accuracy`, 3.0.0 on):
    #: the reference game wins over the calibration's (public-instance) one wherever it exists.
    scored: dict[tuple[str, str, int, int], tuple[dict[str, float], float]] = field(default_factory=dict)
    #: Why there is no calibration data ("" when there is).
    reason: str = ""

    def with_scored(self, results: Iterable[Any]) -> Reference:
        """This reference plus the scored-instance reference games recorded by ``results``' random cells."""
        scored = dict(self.scored)
        for r in results:
            p = r.provenance
            for rd in r.rounds:
                if rd.unimodal_accuracy is not None:
                    scored[(f"{p.dataset}@{p.dataset_version}", p.regime, p.seed, rd.n_labeled)] = (dict(rd.unimodal_accuracy), rd.accuracy)
        return replace(self, scored=scored) if scored != self.scored else self

    def game_at(self, dataset: str, regime: str, seed: int, n_labeled: int) -> tuple[dict[str, float] | None, float | None]:
        """The reference game's unimodal and fused accuracies at ``n_labeled`` labels: the scored
        instance's (same seed) where recorded, else the calibration's."""
        found = self.scored.get((dataset, regime, seed, n_labeled))
        if found is not None:
            return found
        return self.supported(dataset, regime, n_labeled), self.fused_at(dataset, regime, n_labeled)

    def lookup(self, table: Mapping, dataset: str):
        """``table[dataset]``, falling back to the bare name (calibration files may key either way)."""
        if dataset in table:
            return table[dataset]
        return table.get(dataset.partition("@")[0])

    def supported(self, dataset: str, regime: str, n_labeled: int) -> dict[str, float] | None:
        found = self.unimodal.get((dataset, regime, n_labeled))
        return found if found is not None else self.unimodal.get((dataset.partition("@")[0], regime, n_labeled))

    def fused_at(self, dataset: str, regime: str, n_labeled: int) -> float | None:
        """The fused reference model's accuracy at ``n_labeled`` labels (None if not calibrated)."""
        found = self.fused.get((dataset, regime, n_labeled))
        return found if found is not None else self.fused.get((dataset.partition("@")[0], regime, n_labeled))


def reference_from_calibration(calibration: Mapping[str, Any]) -> Reference:
    """Build a `Reference` from contract 4's calibration document.

    Parameters
    ----------
    calibration:
        Per dataset (optionally under a top-level ``"datasets"`` key): ``chance``,
        ``full_pool_accuracy`` and ``regimes``, a list of ``{name, ..., budgets: [{n_labeled,
        random_accuracy, unimodal_accuracy: {modality: acc}}]}`` (``points`` is accepted for
        ``budgets``).

    Returns
    -------
    The `Reference`; malformed entries raise ``ValueError`` naming the dataset.
    """
    datasets = calibration.get("datasets", calibration)
    ref = Reference()
    for name, entry in sorted(datasets.items()):
        try:
            ref.full_pool[name] = float(entry["full_pool_accuracy"])
            ref.chance[name] = float(entry["chance"])
            for regime in entry.get("regimes", []):
                for point in regime.get("budgets", regime.get("points", [])):
                    key = (name, str(regime["name"]), int(point["n_labeled"]))
                    accs = point.get("unimodal_accuracy")
                    if accs:
                        ref.unimodal[key] = {m: float(v) for m, v in accs.items()}
                    if point.get("random_accuracy") is not None:
                        ref.fused[key] = float(point["random_accuracy"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"calibration entry for {name!r} is malformed ({exc!r}); regenerate the calibration file") from None
    return ref


def load_reference(suite: str, version: str) -> Reference:
    """The calibration of ``suite`` at benchmark ``version``, or an empty `Reference` saying why not."""
    try:
        from mmal_bench.harness.calibration import calibration_path, load_calibration  # contract 4 (data stage)
    except ImportError:
        return Reference(reason="this package has no calibration data (mmal_bench.harness.calibration)")
    from mmal_bench.errors import ConfigError

    if not calibration_path(suite, version).is_file():  # a suite calibrated by nobody (quick): say only that
        return Reference(reason=f"no calibration data for suite {suite} {version}")
    try:
        calibration = load_calibration(suite, version)
    except (ConfigError, FileNotFoundError, LookupError, ValueError) as exc:
        return Reference(reason=f"no calibration data for suite {suite} {version} ({exc})")
    if calibration is None:
        return Reference(reason=f"no calibration data for suite {suite} {version}")
    if not isinstance(calibration, Mapping):  # a typed object: dataclass or pydantic model
        import dataclasses

        calibration = dataclasses.asdict(calibration) if dataclasses.is_dataclass(calibration) else calibration.model_dump()
    return reference_from_calibration(calibration)
