"""Contract checks for query strategies: `validate_selection` (every query the harness runs) and
`check_strategy` (what a submitter runs on their own strategy, like scikit-learn's `check_estimator`).
"""

from __future__ import annotations

import hashlib

import numpy as np

from mmal_bench.data.schema import Split
from mmal_bench.errors import StrategyError
from mmal_bench.models.base import FittedModel
from mmal_bench.models.config import ModelConfig
from mmal_bench.models.trainer import train_model
from mmal_bench.strategies.base import PoolView, Strategy, view_of_pool
from mmal_bench.strategies.state import canonical_state_json, select_with_state

_SHOW = 5  # offending ids quoted in a message


def _quote(ids: np.ndarray) -> str:
    shown = ", ".join(str(int(i)) for i in ids[:_SHOW])
    return f"[{shown}{', ...' if len(ids) > _SHOW else ''}]"


def validate_selection(ids: object, view: PoolView, batch_size: int, name: str = "strategy") -> np.ndarray:
    """Check one query's output against the contract and return it as int64 ids.

    Raises a one-line `StrategyError` naming the problem: not a 1-d array, NaN, non-integer ids,
    wrong count, duplicates, ids that are already labelled, ids not in the pool.
    """
    if ids is None:
        raise StrategyError(f"{name} returned None; return an int64 array of {batch_size} unlabeled ids")
    try:
        arr = np.asarray(ids)
    except Exception as exc:  # ragged lists and the like
        raise StrategyError(f"{name} returned something that is not an array of ids ({exc})") from None
    if arr.ndim != 1:
        raise StrategyError(f"{name} returned ids of shape {arr.shape}; return a 1-d array of {batch_size} ids")
    if arr.dtype.kind in "fc" and np.isnan(arr).any():
        raise StrategyError(f"{name} returned NaN ids; return {batch_size} integer ids")
    if arr.dtype.kind not in "iu":
        raise StrategyError(f"{name} returned ids of dtype {arr.dtype}, not integers; return an int64 array")
    if len(arr) != batch_size:
        raise StrategyError(f"{name} returned {len(arr)} ids; exactly batch_size={batch_size} are required")
    arr = arr.astype(np.int64)
    values, counts = np.unique(arr, return_counts=True)
    if (counts > 1).any():
        raise StrategyError(f"{name} returned duplicate ids {_quote(values[counts > 1])}; ids must be distinct")
    labeled = np.isin(arr, view.labeled_ids)
    if labeled.any():
        raise StrategyError(f"{name} returned already labeled ids {_quote(arr[labeled])}; pick from view.unlabeled_ids")
    unknown = ~np.isin(arr, view.unlabeled_ids)
    if unknown.any():
        raise StrategyError(f"{name} returned ids not in the pool {_quote(arr[unknown])}; pick from view.unlabeled_ids")
    return arr


def view_fingerprint(view: PoolView) -> str:
    """sha256 over every array of a `PoolView` (to prove a strategy did not modify it)."""
    digest = hashlib.sha256()
    for batch in (view.unlabeled, view.labeled):
        for m in batch.modalities:
            digest.update(np.ascontiguousarray(batch.features[m]).tobytes())
            digest.update(np.ascontiguousarray(batch.present[m]).tobytes())
    for arr in (view.unlabeled_ids, view.labeled_ids, view.labeled_labels):
        digest.update(np.ascontiguousarray(arr).tobytes())
    return digest.hexdigest()


def tiny_pool(n_pool: int = 120, n_classes: int = 3, seed: int = 0) -> Split:
    """A small two-modality pool split (about 15% of each modality missing), ids ``0..n-1``."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n_pool) % n_classes
    rng.shuffle(labels)
    features, present = {}, {}
    for j, (m, d) in enumerate({"image": 6, "text": 4}.items()):
        centers = rng.normal(scale=2.0 - j, size=(n_classes, d))
        x = centers[labels] + rng.normal(size=(n_pool, d))
        p = rng.random(n_pool) > 0.15
        x[~p] = 0.0
        features[m] = x.astype(np.float32)
        present[m] = p
    return Split(features, present, np.arange(n_pool, dtype=np.int64), labels.astype(np.int64))


def make_view(pool: Split, labeled_ids: np.ndarray, n_classes: int) -> PoolView:
    """The read-only `PoolView` of ``pool`` with ``labeled_ids`` bought, as the harness builds it: rows
    read from the pool when used, and only the bought labels (the unlabelled part is a plain
    `ModalBatch`, never a `Split` carrying labels)."""
    return view_of_pool(pool.read_only(), pool.ids, pool.labels, np.flatnonzero(np.isin(pool.ids, labeled_ids)), n_classes)


def tiny_problem(
    n_pool: int = 120, n_labeled: int = 24, n_classes: int = 3, seed: int = 0
) -> tuple[PoolView, FittedModel]:
    """A tiny pool's view with ``n_labeled`` random ids bought, and a model trained on them."""
    pool = tiny_pool(n_pool, n_classes, seed)
    labeled_ids = np.sort(np.random.default_rng(seed + 1).permutation(n_pool)[:n_labeled])
    view = make_view(pool, labeled_ids, n_classes)
    config = ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=40)
    model = train_model(view.labeled, view.labeled_labels, n_classes, config, seed)
    return view, model


def probe_problems(batch_size: int, seed: int = 0) -> list[tuple[str, PoolView, FittedModel]]:
    """The edge cases that break real strategies, each as ``(description, view, model)``: duplicate
    feature rows, rows with absent modalities (half of one modality, a quarter of the other, some rows
    with none), an unlabelled pool smaller than two batches, a labelled set of one class."""
    config = ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=40)
    n_classes = 3
    rng = np.random.default_rng(seed + 7)

    def problem(pool: Split, labeled_ids: np.ndarray) -> tuple[PoolView, FittedModel]:
        view = make_view(pool, np.sort(labeled_ids), n_classes)
        return view, train_model(view.labeled, view.labeled_labels, n_classes, config, seed)

    base = tiny_pool(120, n_classes, seed)
    half = len(base.ids) // 2
    copy_rows = np.r_[np.arange(half), np.arange(half)]  # rows half.. repeat rows 0..half-1 exactly
    duplicates = Split(
        {m: x[copy_rows] for m, x in base.features.items()},
        {m: p[copy_rows] for m, p in base.present.items()},
        base.ids,
        base.labels[copy_rows],
    )
    features = {m: x.copy() for m, x in base.features.items()}
    present = {m: p.copy() for m, p in base.present.items()}
    first, second = base.modalities[0], base.modalities[-1]
    present[first][::2] = False
    present[second][1::4] = False
    present[second][::8] = False  # with the line above: every 8th row has no modality at all
    for m in base.modalities:
        features[m][~present[m]] = 0.0
    absent = Split(features, present, base.ids, base.labels)
    n_small = max(batch_size, 2 * batch_size - 1)
    small_pool = tiny_pool(max(n_small + 12, 40), n_classes, seed)
    one_class = np.flatnonzero(base.labels == 0)[:12]
    return [
        ("a pool with duplicate feature rows", *problem(duplicates, rng.permutation(len(base.ids))[:24])),
        ("a pool with absent modalities (some rows have none)", *problem(absent, rng.permutation(len(base.ids))[:24])),
        (
            f"an unlabelled pool of {n_small} rows (smaller than two batches)",
            *problem(small_pool, np.arange(len(small_pool.ids) - n_small)),
        ),
        ("a labelled set with one class only", *problem(base, base.ids[one_class])),
    ]


def check_strategy(strategy: Strategy | type[Strategy], batch_size: int = 10, seed: int = 0, verbose: bool = True) -> None:
    """Check that a strategy honours the contract; raise `StrategyError` with the first problem.

    Parameters
    ----------
    strategy:
        A `Strategy` instance or class (instantiated without arguments).
    batch_size:
        The batch size of the main check (batch size 1 is always checked too).
    seed:
        Seed of the tiny problems and of the RNG passed to `select`.
    verbose:
        Print one line saying the strategy passed (so a call at a prompt says something on success).

    Returns
    -------
    None when everything passes. On a tiny two-modality pool with a trained model it checks: ``name``
    and ``modality`` are set; `select` runs and returns exactly ``batch_size`` (and 1) distinct integer
    ids of unlabelled samples with no NaN; the same seed gives the same ids; the view is not modified.
    Then the cases that break real strategies (`probe_problems`): duplicate feature rows, absent
    modalities, a pool smaller than two batches, one labelled class. A stateful strategy
    (``stateful = True``) is run for two rounds twice: its state must survive a canonical-JSON round
    trip within the size cap, and both runs must give the same ids and states.
    """
    if isinstance(strategy, type):
        strategy = strategy()
    if not isinstance(strategy, Strategy):
        raise StrategyError(f"{strategy!r} is not a mmal_bench.strategies.Strategy; subclass it and implement select()")
    name = getattr(strategy, "name", None)
    if not isinstance(name, str) or not name:
        raise StrategyError(f"{type(strategy).__name__} has no `name`; set a class attribute name = '...'")
    if getattr(strategy, "modality", None) not in ("unimodal", "multimodal"):
        raise StrategyError(f"{name}: class attribute `modality` must be 'unimodal' or 'multimodal'")
    if not isinstance(getattr(strategy, "stateful", False), bool):
        raise StrategyError(f"{name}: class attribute `stateful` must be True or False")
    view, model = tiny_problem(seed=seed)
    before = view_fingerprint(view)
    first = None
    for k in (batch_size, 1):
        got = validate_selection(_run(strategy, view, model, k, seed)[0], view, k, name)
        if view_fingerprint(view) != before:
            raise StrategyError(f"{name} modified the pool view; strategies must treat the view as read-only")
        if k == batch_size:
            first = got
    again = validate_selection(_run(strategy, view, model, batch_size, seed)[0], view, batch_size, name)
    if not np.array_equal(first, again):
        raise StrategyError(
            f"{name} is not deterministic: the same seed gave {_quote(first)} then {_quote(again)}; "
            "draw all randomness from the rng argument"
        )
    if strategy.stateful:
        _check_state(strategy, view, model, batch_size, seed)
    cases = []
    for description, probe_view, probe_model in probe_problems(batch_size, seed):
        cases.append(description)
        for k in dict.fromkeys((batch_size, 1)):
            try:
                validate_selection(_run(strategy, probe_view, probe_model, k, seed)[0], probe_view, k, name)
            except StrategyError as exc:
                raise StrategyError(f"on {description} (batch size {k}): {exc}") from None
    if verbose:
        print(f"check_strategy: {name} passed (batch sizes {batch_size} and 1, determinism{', state' if strategy.stateful else ''}, {', '.join(cases)})")


def _check_state(strategy: Strategy, view: PoolView, model: FittedModel, batch_size: int, seed: int) -> None:
    """Two rounds (state ``{}`` then the returned state), twice: same ids and states both times."""
    runs = []
    for _ in range(2):
        state: dict = {}
        trace = []
        for r in range(2):
            ids, state = _run(strategy, view, model, batch_size, seed + r, state)
            trace.append((validate_selection(ids, view, batch_size, strategy.name).tolist(), canonical_state_json(state)))
        runs.append(trace)
    if runs[0] != runs[1]:
        raise StrategyError(
            f"{strategy.name} is not deterministic across two identical runs (ids or state differ in the second run); "
            "keep cross-round memory only in `state`, never on the strategy instance"
        )


def _run(
    strategy: Strategy, view: PoolView, model: FittedModel, k: int, seed: int, state: dict | None = None
) -> tuple[object, dict]:
    try:
        rng = np.random.default_rng(seed)
        return select_with_state(strategy, view, model, k, rng, {} if state is None else state, strategy.name)
    except StrategyError:
        raise
    except Exception as exc:
        raise StrategyError(f"{strategy.name}.select raised {type(exc).__name__}: {exc}") from exc
