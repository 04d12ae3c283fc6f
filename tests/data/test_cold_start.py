"""Tests of mmal_bench.data.cold_start: every prefix class-balanced, distinct, deterministic."""

from __future__ import annotations

import numpy as np

from mmal_bench.data.cold_start import cold_start_orders


def test_every_prefix_is_class_balanced_and_seeds_differ():
    labels = np.random.default_rng(0).integers(0, 4, 2000)
    orders = cold_start_orders(labels, base_seed=3, seeds=range(3), length=400)
    for seed, order in orders.items():
        assert order.dtype == np.int64 and len(order) == 400 and len(np.unique(order)) == 400
        counts = np.zeros((len(order), 4), dtype=int)
        counts[np.arange(len(order)), labels[order]] = 1
        prefix = np.cumsum(counts, axis=0)
        assert (prefix.max(axis=1) - prefix.min(axis=1)).max() <= 1, seed
    assert not np.array_equal(orders[0], orders[1])
    again = cold_start_orders(labels, base_seed=3, seeds=range(3), length=400)
    assert all(np.array_equal(orders[s], again[s]) for s in orders)


def test_scarce_class_drops_out_after_it_runs_out():
    labels = np.array([0] * 50 + [1] * 3 + [2] * 50)
    order = cold_start_orders(labels, base_seed=0, seeds=[0], length=30)[0]
    assert np.bincount(labels[order[:9]], minlength=3).tolist() == [3, 3, 3]
    assert np.bincount(labels[order], minlength=3).tolist() == [14, 3, 13] or np.bincount(labels[order], minlength=3).tolist() == [13, 3, 14]
