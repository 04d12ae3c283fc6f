"""Calibrated budget regimes per dataset (package data ``<suite>-<version>.json``) and the learnability gate.

Layout of a calibration file: ``suite``, ``suite_version``, ``model``, ``seeds``, ``fractions`` and per
dataset ref (``name@version``): ``chance``, ``full_pool_accuracy``, ``ground_truth``, ``grid`` (the
first-pass random curve) and ``regimes``: ``name``, ``initial``, ``batch_size``, ``rounds``,
``fraction``, ``reached`` and ``points`` — per budget point ``n_labeled``, ``random_accuracy`` (mean
over the calibration seeds) and ``unimodal_accuracy: {modality: mean accuracy of the unimodal
reference model at that size}``.
"""

from __future__ import annotations

from mmal_bench.harness.calibration.calibrate import FRACTIONS, calibrate, calibrate_dataset
from mmal_bench.harness.calibration.store import (
    calibration_path,
    gate_rows,
    load_calibration,
    regimes_from,
    write_calibration,
)

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
