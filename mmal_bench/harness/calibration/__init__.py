"""Calibrated budget regimes per dataset (package data ``<suite>-<version>.json``) and the learnability gate.

Layout of a calibration file: ``suite``, ``suite_version``, ``model``, ``seeds``, ``fractions`` and per
dataset ref (``name@version``): ``chance``, ``full_pool_accuracy``, ``ground_truth``, ``grid`` (the
first-pass random curve) and ``regimes``: ``name``, ``initial``, ``batch_size``, ``rounds``,
``fraction``, ``reached`` and ``points`` — per budget point ``n_labeled``, ``random_accuracy`` (mean
over the calibration seeds) and ``unimodal_accuracy: {modality: mean accuracy of the unimodal
reference model at that size}``.
"""

from __future__ import annotations

from typing import Any

#: Where each public name lives: `calibrate` trains models (torch), `store` only reads JSON, so
#: commands that only need the committed regimes (``cite``, ``--help``) never import torch.
_EXPORTS = {
    "FRACTIONS": "calibrate",
    "calibrate": "calibrate",
    "calibrate_dataset": "calibrate",
    "calibration_path": "store",
    "gate_rows": "store",
    "load_calibration": "store",
    "regimes_from": "store",
    "write_calibration": "store",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    # Importing the submodule `calibrate` binds the package attribute of that name to the module;
    # the function of the same name must win.
    globals()[name] = value
    return value


__all__ = [
    "FRACTIONS",
    "calibrate",
    "calibrate_dataset",
    "calibration_path",
    "gate_rows",
    "load_calibration",
    "regimes_from",
    "write_calibration",
]
