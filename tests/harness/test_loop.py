"""The AL loop: records, the strategy's view, determinism, group-composition independence, failures."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pytest

from mmal_bench.harness import metrics
from mmal_bench.harness.loop import StrategyEntry, build_view, run_group
from mmal_bench.harness.results import TIMING_FIELDS, CellResult
from mmal_bench.models.trainer import train_models
from harness_factory import (
    TINY_REGIME,
    Exploding,
    FirstUnlabeled,
    MaxEntropy,
    RandomPick,
    ReturnsLabeled,
    tiny_data,
    tiny_protocol,
)

DATA = tiny_data()
PROTOCOL = tiny_protocol(DATA)


def entries(*strategies) -> list[StrategyEntry]:
    return [StrategyEntry.of(s) for s in strategies]


def without_timings(result: CellResult) -> dict:
    body = result.model_dump(mode="json")
    for record in body["rounds"]:
        for name in TIMING_FIELDS:
            record.pop(name)
    return body


@pytest.fixture(scope="module")
def full_group():
    return run_group(DATA, PROTOCOL, 0, entries(FirstUnlabeled(), RandomPick(), MaxEntropy()))


def test_records_follow_the_regime_and_metrics_are_consistent(full_group) -> None:
    assert not full_group.failures
    result = full_group.results["maxent"]
    assert [r.n_labeled for r in result.rounds] == [6, 12, 18]
    empty = metrics.empty_coalition_value(DATA.test.labels, DATA.n_classes)
    for record in result.rounds:
        assert set(record.subset_accuracy) == {"a", "b", "a+b"}
        assert record.accuracy == record.subset_accuracy["a+b"]
        assert sum(record.shapley.values()) == pytest.approx(record.accuracy - empty)  # efficiency
        assert 0.0 <= record.imbalance <= 1.0 and 0.0 <= record.utilization_gap <= 1.0
    for record in result.rounds[:-1]:
        assert sum(record.batch_class_counts) == TINY_REGIME.batch_size
        assert set(record.batch_missing_share) == {"a", "b"} and record.batch_missing_share["a"] == 0.0
        assert record.query_seconds is not None and record.query_seconds >= 0
    last = result.rounds[-1]
    assert last.batch_class_counts is None and last.batch_missing_share is None and last.query_seconds is None
    assert result.summary.final_accuracy == last.accuracy
    assert result.summary.aubc == pytest.approx(metrics.aubc([6, 12, 18], [r.accuracy for r in result.rounds]))
    assert result.ground_truth == {"a": 0.9, "b": 0.6, "a+b": 0.95}
    p = result.provenance
    assert (p.dataset, p.regime, p.seed, p.strategy, p.protocol_hash) == ("tiny", "tiny", 0, "maxent", PROTOCOL.protocol_hash)
    assert p.strategy_source_hash.startswith("sha256:") and set(p.packages) == {"torch", "numpy", "datasets", "sklearn"}


def test_round_zero_is_shared_and_first_strategy_buys_first_ids(full_group) -> None:
    first, rand = full_group.results["first"], full_group.results["rand"]
    assert without_timings(first)["rounds"][0] == without_timings(rand)["rounds"][0] | {
        "batch_class_counts": first.rounds[0].batch_class_counts,
        "batch_missing_share": first.rounds[0].batch_missing_share,
    }
    cold = set(DATA.cold_start(0, 6).tolist())
    bought = [i for i in range(len(DATA.pool.ids)) if i not in cold][:6]
    assert first.rounds[0].batch_class_counts == metrics.class_counts(DATA.pool.labels[bought], 3)


def test_same_cell_twice_is_identical_timings_aside(full_group) -> None:
    again = run_group(DATA, PROTOCOL, 0, entries(FirstUnlabeled(), RandomPick(), MaxEntropy()))
    for name, result in full_group.results.items():
        assert without_timings(again.results[name]) == without_timings(result)


def test_cell_does_not_depend_on_the_other_strategies_in_its_group(full_group) -> None:
    alone = run_group(DATA, PROTOCOL, 0, entries(MaxEntropy()))
    pair = run_group(DATA, PROTOCOL, 0, entries(RandomPick(), MaxEntropy()))
    assert without_timings(alone.results["maxent"]) == without_timings(full_group.results["maxent"])
    assert without_timings(pair.results["rand"]) == without_timings(full_group.results["rand"])


def test_a_failing_strategy_fails_its_cell_only(full_group) -> None:
    outcome = run_group(DATA, PROTOCOL, 0, entries(Exploding(fail_round=1), ReturnsLabeled(), MaxEntropy()))
    assert set(outcome.results) == {"maxent"}
    assert outcome.failures["exploding"] == "strategy 'exploding' failed on tiny@1.0.0 regime tiny seed 0 round 1: RuntimeError: boom"
    assert outcome.failures["cheater"].startswith("strategy 'cheater' failed on tiny@1.0.0 regime tiny seed 0 round 0: ")
    assert without_timings(outcome.results["maxent"]) == without_timings(full_group.results["maxent"])


def _reachable(root: object) -> list[object]:
    seen, stack, out = set(), [root], []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen.add(id(obj))
        out.append(obj)
        stack.extend(gc.get_referents(obj))
        if isinstance(obj, np.ndarray) and obj.base is not None:
            stack.append(obj.base)
    return out


def test_view_cannot_reveal_unbought_labels() -> None:
    labeled = DATA.cold_start(0, 6)
    view = build_view(DATA.pool, labeled, DATA.n_classes)
    assert np.array_equal(view.labeled_labels, DATA.pool.labels[np.sort(labeled)])
    assert len(view.unlabeled_ids) == len(DATA.pool.ids) - 6 and not np.isin(view.unlabeled_ids, labeled).any()
    assert not hasattr(view, "labels") and not hasattr(view.unlabeled, "labels") and not hasattr(view.labeled, "labels")
    arrays = [o for o in _reachable(view) if isinstance(o, np.ndarray)]
    assert arrays, "the walk must reach the view's arrays"
    pool_arrays = [*DATA.pool.features.values(), *DATA.pool.present.values()]
    for array in arrays:
        assert array is not DATA.pool.labels and not np.shares_memory(array, DATA.pool.labels)
        # read-only, but for the pool's own feature and presence arrays, reached through a view's .base
        assert not array.flags.writeable or any(array is a for a in pool_arrays)
    with pytest.raises(ValueError, match="read-only"):
        view.unlabeled.features["a"][0, 0] = 1.0


def test_a_view_copies_no_pool_rows_until_a_strategy_reads_them() -> None:
    """Issue 15: building a view costs the mask and the ids, not a copy of the pool per strategy; rows
    are gathered when read, equal to the pool's and read-only."""
    import tracemalloc

    from mmal_bench.data.schema import Split

    rng = np.random.default_rng(0)
    n = 200_000
    pool = Split({"a": rng.normal(size=(n, 64)).astype(np.float32)}, {"a": rng.random(n) > 0.1}, np.arange(n), rng.integers(0, 3, n))
    labeled = rng.choice(n, 500, replace=False)
    tracemalloc.start()
    view = build_view(pool, labeled, 3)
    built = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert built < 0.2 * pool.features["a"].nbytes  # 51 MB of features; the view holds a mask, ids and positions
    unlabeled = np.setdiff1d(np.arange(n), labeled)
    assert np.array_equal(view.unlabeled_ids, unlabeled)
    features = view.unlabeled.features["a"]
    assert np.array_equal(features, pool.features["a"][unlabeled]) and not features.flags.writeable
    assert view.unlabeled.features["a"] is features  # gathered once, then kept for later reads
    assert np.array_equal(view.unlabeled.take(np.array([4, 1])).features["a"], pool.features["a"][unlabeled[[4, 1]]])
    assert np.array_equal(view.labeled.present["a"], pool.present["a"][np.sort(labeled)]) and len(view.labeled) == 500
    assert not np.shares_memory(features, pool.features["a"])


def test_every_query_builds_its_own_view_and_its_time_is_query_time(monkeypatch) -> None:
    import time

    from mmal_bench.harness import loop

    built = []

    def slow_build_view(pool, labeled_positions, n_classes):
        built.append(len(labeled_positions))
        time.sleep(0.05)
        return build_view(pool, labeled_positions, n_classes)

    monkeypatch.setattr(loop, "build_view", slow_build_view)
    outcome = run_group(DATA, PROTOCOL, 0, entries(FirstUnlabeled(), RandomPick(), MaxEntropy()))
    rounds = TINY_REGIME.rounds
    assert built[:3] == [TINY_REGIME.initial] * 3 and len(built) == 3 * rounds
    for result in outcome.results.values():
        assert all(record.query_seconds >= 0.05 for record in result.rounds[:-1])


def test_rounds_record_batch_quality_shares_and_query_cost(full_group) -> None:
    result = full_group.results["first"]
    assert result.pool_shares.missing == metrics.missing_share(DATA.pool.present)
    assert result.pool_shares.corrupted is None and result.pool_shares.noisy_label is None  # not recorded by tiny
    assert sum(result.pool_shares.class_counts) == len(DATA.pool.ids)
    for record in result.rounds[:-1]:
        assert record.batch_corrupted_share is None and record.query_cpu_seconds >= 0 and record.query_peak_bytes >= 0
    assert result.rounds[-1].query_cpu_seconds is None and result.rounds[-1].query_peak_bytes is None


def _noisy_data():
    """tiny_data with every third pool row's oracle label wrong and every fifth row flagged corrupted."""
    base = tiny_data()
    pool = base.pool
    oracle = pool.labels.copy()
    oracle[::3] = (oracle[::3] + 1) % base.n_classes
    corrupted = np.zeros(len(pool.ids), bool)
    corrupted[::5] = True
    noisy_pool = type(pool)(pool.features, pool.present, pool.ids, oracle, pool.labels.copy(), corrupted)
    return dataclasses.replace(base, pool=noisy_pool)


def test_noisy_labels_are_revealed_and_trained_on_while_metrics_use_the_truth() -> None:
    data = _noisy_data()
    seen: list[np.ndarray] = []

    def trainer(batches, labels, *args, **kwargs):
        seen.extend(labels)
        return train_models(batches, labels, *args, **kwargs)

    outcome = run_group(data, tiny_protocol(data), 0, entries(FirstUnlabeled()), trainer=trainer)
    result = outcome.results["first"]
    cold = data.cold_start(0, TINY_REGIME.initial)
    bought = np.setdiff1d(data.pool.ids, cold)[: TINY_REGIME.batch_size * TINY_REGIME.rounds]  # FirstUnlabeled's picks
    final = np.concatenate([cold, bought])
    assert np.array_equal(np.sort(seen[-1]), np.sort(data.pool.labels[final]))  # trained on the oracle's (noisy) labels
    assert not np.array_equal(np.sort(seen[-1]), np.sort(data.pool.clean_labels[final]))
    assert result.pool_shares.noisy_label == pytest.approx(1 / 3, abs=0.01) and result.pool_shares.corrupted == pytest.approx(0.2)
    first_batch = bought[: TINY_REGIME.batch_size]
    assert result.rounds[0].batch_noisy_label_share == pytest.approx(np.mean(data.pool.noisy_label[first_batch]))
    assert result.rounds[0].batch_corrupted_share == pytest.approx(np.mean(data.pool.corrupted[first_batch]))
    assert result.rounds[0].batch_class_counts == metrics.class_counts(data.pool.clean_labels[first_batch], data.n_classes)
