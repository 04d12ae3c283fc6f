"""Tests of mmal_bench.data.registry: lookup, errors, validation of entries and built content."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mmal_bench.data.registry import BuiltDataset, check_built, get_entry, list_entries, parse_ref, register, unregister
from mmal_bench.data.suite import SUITE_3_0_0
from mmal_bench.errors import DatasetNotFoundError

SUITE_NAMES = {
    "balanced",
    "redundant",
    "unique",
    "synergy",
    "difficulty-gap",
    "information-gap",
    "missing-mcar",
    "missing-mnar",
    "corrupted-modality",
    "noisy-labels",
}
LEGACY_NAMES = {"balanced", "redundant", "unique", "synergy", "difficulty-gap", "missing-mcar", "missing-mnar"}


def test_parse_ref():
    assert parse_ref("redundant@1.0.0") == ("redundant", "1.0.0")
    assert parse_ref("redundant") == ("redundant", None)
    with pytest.raises(DatasetNotFoundError, match="malformed dataset reference"):
        parse_ref("redundant@")


def test_suite_is_registered_with_consistent_metadata():
    entries = {e.name: e for e in list_entries() if e.kind == "synthetic"}
    assert SUITE_NAMES <= set(entries)
    for name in SUITE_NAMES:
        e = entries[name]
        assert e.version == "2.0.0" and e.schema_version == 2 and e.modalities == ("a", "b") and e.modality_dims == (16, 16)
        assert e.pool_size >= 5000 and e.test_size >= 2000 and e.n_classes == (2 if name == "synergy" else 4)
        assert "eisenhardt2026mind" in e.citation and "version 2.0.0" in e.citation and e.license
        assert "version 3.0.0" not in e.citation  # a card cites its dataset's version, not the package's
    for name in LEGACY_NAMES:  # the archived suite stays loadable
        assert get_entry(name, "1.0.0").schema_version == 1 and "version 1.0.0" in get_entry(name, "1.0.0").citation
    assert len(SUITE_3_0_0) >= 30
    for e in SUITE_3_0_0:  # the current release's synthetic population
        assert get_entry(e.name, e.version) is e and e.kind == "synthetic"
        assert e.version == "3.0.0" and e.schema_version == 2 and len(e.modalities) >= 2 and e.test_size >= 2000
        assert "eisenhardt2026mind" in e.citation and "version 3.0.0" in e.citation and e.license


def test_get_entry_latest_and_errors(toy):
    assert get_entry("redundant").version == "2.0.0"
    assert get_entry("redundant@1.0.0") is get_entry("redundant", "1.0.0")
    register(dataclasses.replace(toy, version="0.10.0"))
    try:
        assert get_entry("toy-test").version == "0.10.0"  # numeric, not lexicographic, order
    finally:
        unregister("toy-test", "0.10.0")
    with pytest.raises(DatasetNotFoundError, match=r"unknown dataset 'redundnat'; known datasets: .*redundant"):
        get_entry("redundnat")
    with pytest.raises(DatasetNotFoundError, match=r"dataset 'redundant' has no version '9.9.9'; known versions: 1.0.0"):
        get_entry("redundant", "9.9.9")


def test_register_rejects_duplicates_and_malformed_entries(toy):
    with pytest.raises(ValueError, match="already registered"):
        register(toy)
    with pytest.raises(ValueError, match="name 'Bad Name'.*version '1.0'"):
        register(dataclasses.replace(toy, name="Bad Name", version="1.0"))
    with pytest.raises(ValueError, match="at least two distinct modalities"):
        register(dataclasses.replace(toy, name="one-mod", modalities=("a",), modality_dims=(6,)))


def test_check_built_catches_schema_violations(toy):
    built = toy.build()
    check_built(toy, built)
    shuffled = dataclasses.replace(built, pool=built.pool.take(np.arange(len(built.pool.ids))[::-1]))
    with pytest.raises(ValueError, match="ids must be 0..n-1"):
        check_built(toy, shuffled)
    with pytest.raises(ValueError, match="ground truth keys"):
        check_built(toy, dataclasses.replace(built, ground_truth={"a": 0.5}))
    bad_order = dict(built.cold_start_order) | {0: np.array([1, 1], dtype=np.int64)}
    with pytest.raises(ValueError, match="distinct int64 ids"):
        check_built(toy, dataclasses.replace(built, cold_start_order=bad_order))
    assert isinstance(built, BuiltDataset)
