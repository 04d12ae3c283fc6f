"""Hidden instances: same generator settings, secret seed; deterministic, key-dependent, never the public data."""

from __future__ import annotations

import numpy as np
import pytest

from mmal_bench.data.hub import load_benchmark
from mmal_bench.data.instances import build_instance, has_hidden_instances, instance_seed, instance_seeds
from mmal_bench.errors import ConfigError
from mmal_bench.harness.suites import get_suite

NAME, VERSION = get_suite("quick").dataset_refs()[0]


def test_instance_is_deterministic_secret_and_like_the_public_one() -> None:
    public = load_benchmark(NAME, VERSION)
    one = build_instance(b"secret", NAME, VERSION, 1)
    again = build_instance(b"secret", NAME, VERSION, 1)
    other_key = build_instance(b"other", NAME, VERSION, 1)
    assert one.fingerprint == again.fingerprint and np.array_equal(one.pool.labels, again.pool.labels)
    assert len({public.fingerprint, one.fingerprint, other_key.fingerprint}) == 3
    assert not np.array_equal(public.pool.labels, one.pool.labels)  # memorised public labels do not help
    # Same generator settings: same shapes, classes and (up to sampling error) the same ground truth.
    assert one.pool.features["a"].shape == public.pool.features["a"].shape and one.class_names == public.class_names
    assert all(abs(one.ground_truth[k] - public.ground_truth[k]) < 0.02 for k in public.ground_truth)
    assert not one.pool.labels.flags.writeable


def test_seeds_reveal_and_refusals() -> None:
    seeds = instance_seeds(b"secret", get_suite("quick").dataset_refs(), 1)
    assert seeds[f"{NAME}@{VERSION}"] == instance_seed(b"secret", NAME, VERSION, 1) != instance_seed(b"secret", NAME, VERSION, 2)
    with pytest.raises(ConfigError, match="numbered from 1"):
        instance_seed(b"secret", NAME, VERSION, 0)
    assert has_hidden_instances(NAME, VERSION)
    assert not has_hidden_instances("uci-mfeat", "1.0.0")
    with pytest.raises(ConfigError, match="is a real dataset; it has no hidden instances"):
        build_instance(b"secret", "uci-mfeat", "1.0.0", 1)


def test_an_instance_keeps_the_metric_only_columns() -> None:
    noisy = build_instance(b"secret", "noisy-labels", "2.0.0", 1)
    assert noisy.pool.annotated and noisy.test.annotated
    assert np.mean(noisy.pool.noisy_label) == pytest.approx(0.15)  # the official run measures noise purchase too
    assert np.array_equal(noisy.test.labels, noisy.test.clean_labels)
    assert not noisy.pool.clean_labels.flags.writeable and not noisy.pool.corrupted.flags.writeable
