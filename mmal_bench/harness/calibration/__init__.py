"""Calibrated budget regimes per dataset (package data ``<suite>-<version>.json``) and the learnability gate.

Layout of a calibration file: ``suite``, ``suite_version``, ``model``, ``seeds``, ``fractions`` and per
dataset ref (``name@version``): ``chance``, ``full_pool_accuracy``, ``ground_truth``, ``grid`` (the
first-pass random curve) and ``regimes``: ``name``, ``initial``, ``batch_size``, ``rounds``,
``fraction``, ``reached`` and ``points`` — per budget point ``n_labeled``, ``random_accuracy`` (mean
over the calibration seeds) and ``unimodal_accuracy: {modality: mean accuracy of the unimodal
reference model at that size}``; and ``fingerprint``, the sha256 of all the rest (verified on load).
"""

from __future__ import annotations

from mmal_bench._lazy import lazy_getattr

#: Where each public name lives: `calibrate` trains models (torch), `store` only reads JSON, so
#: commands that only need the committed regimes (``cite``, ``--help``) never import torch.
_EXPORTS = {
    "FRACTIONS": "calibrate",
    "calibrate": "calibrate",
    "calibrate_dataset": "calibrate",
    "CalibratedRegimes": "store",
    "calibration_fingerprint": "store",
    "calibration_path": "store",
    "gate_rows": "store",
    "load_calibration": "store",
    "regimes_from": "store",
    "write_calibration": "store",
}


__getattr__ = lazy_getattr(__name__, _EXPORTS)


__all__ = [
    "FRACTIONS",
    "CalibratedRegimes",
    "calibration_fingerprint",
    "calibrate",
    "calibrate_dataset",
    "calibration_path",
    "gate_rows",
    "load_calibration",
    "regimes_from",
    "write_calibration",
]
