"""The registry of built-ins and the PoolView's label hygiene."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pytest

from mmal_bench.errors import ConfigError
from mmal_bench.strategies import BUILTIN_STRATEGIES, get_strategy
from mmal_bench.strategies.check import make_view, tiny_pool


def test_registry_names_and_kinds():
    assert {"random", "entropy", "margin", "least-confidence", "bald", "coreset", "badge", "bmmal",
            "modality-disagreement", "weakest-modality-uncertainty", "evidential-fusion", "rl-mba-style",
            "conformal-disagreement", "missing-aware", "noise-aware"} <= set(BUILTIN_STRATEGIES)
    for name, cls in BUILTIN_STRATEGIES.items():
        assert cls.name == name and get_strategy(name).name == name
        assert cls.modality in ("unimodal", "multimodal")
    assert sum(cls.modality == "multimodal" for cls in BUILTIN_STRATEGIES.values()) >= 8
    assert [n for n, cls in BUILTIN_STRATEGIES.items() if cls.stateful] == ["rl-mba-style"]


def test_unknown_strategy_lists_known_ones():
    with pytest.raises(ConfigError, match=r"unknown strategy 'entropie'; built-in strategies: random, entropy"):
        get_strategy("entropie")


def _arrays(obj, seen=None):
    """Every numpy array reachable from a view through dataclass fields and mappings."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj]
    if dataclasses.is_dataclass(obj):
        return [a for f in dataclasses.fields(obj) for a in _arrays(getattr(obj, f.name), seen)]
    if isinstance(obj, dict) or hasattr(obj, "values"):
        return [a for v in obj.values() for a in _arrays(v, seen)]
    return []


def test_pool_view_holds_no_unbought_label():
    pool = tiny_pool(n_pool=60, seed=3)
    labeled = np.arange(0, 60, 4)
    view = make_view(pool, labeled, 3)
    assert {f.name for f in dataclasses.fields(view)} == {
        "unlabeled_ids", "unlabeled", "labeled_ids", "labeled", "labeled_labels", "n_classes"}
    assert not hasattr(view.unlabeled, "labels") and not hasattr(view, "labels")
    unbought = pool.labels[np.setdiff1d(pool.ids, labeled)]
    for arr in _arrays(view):
        assert not np.shares_memory(arr, pool.labels)
        assert not arr.flags.writeable
        assert not (arr.shape == unbought.shape and np.array_equal(arr, unbought))
    referents = gc.get_referents(view, view.unlabeled, view.labeled, *vars(view).values())
    assert all(r is not pool.labels and r is not pool for r in referents)
    np.testing.assert_array_equal(view.labeled_labels, pool.labels[labeled])
