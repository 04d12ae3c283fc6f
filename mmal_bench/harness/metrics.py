"""Pure metric functions of the harness: accuracy/F1, exact modality Shapley values, imbalance,
utilization gap, AUBC and the queried batch's make-up.

Everything here is a function of arrays and numbers only (no models, no files), so it is tested
against hand-computed values and brute force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import factorial

import numpy as np

from mmal_bench.data.schema import subset_key


def accuracy(labels: np.ndarray, predictions: np.ndarray) -> float:
    """Share of ``predictions`` equal to ``labels`` (both int arrays of one length)."""
    labels = np.asarray(labels)
    if len(labels) == 0:
        raise ValueError("accuracy of an empty set is undefined")
    return float(np.mean(np.asarray(predictions) == labels))


def macro_f1(labels: np.ndarray, predictions: np.ndarray, n_classes: int) -> float:
    """Macro-averaged F1 over all ``n_classes`` classes (a class never predicted nor present scores 0).

    Every one of the ``n_classes`` classes counts, so that the value does not depend on which classes
    happen to occur in this test set or in the predictions. F1 of class c is ``2 tp / (2 tp + fp + fn)``
    from one confusion matrix (scikit-learn's ``f1_score(average="macro", zero_division=0)``, which the
    tests compare against; its input validation cost ~10 % of a low-budget group's time).
    """
    labels, predictions = np.asarray(labels, dtype=np.int64), np.asarray(predictions, dtype=np.int64)
    confusion = np.bincount(labels * n_classes + predictions, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    tp = np.diag(confusion).astype(np.float64)
    denominator = confusion.sum(axis=0) + confusion.sum(axis=1)  # (tp + fp) + (tp + fn)
    f1 = np.divide(2 * tp, denominator, out=np.zeros(n_classes), where=denominator > 0)
    return float(f1.mean())


def empty_coalition_value(test_labels: np.ndarray, n_classes: int) -> float:
    """v(∅) for modality Shapley values: the accuracy reachable with no modality at all.

    That is the test-set rate of its majority class (the Bayes accuracy without features). It is a
    property of the test distribution only, so the model's and the ground truth's Shapley values use
    the same v(∅) and their shares are comparable (a labelled-set-dependent baseline would move the
    model's shares with every query). It equals ``1/C`` on a class-balanced test set.
    """
    counts = np.bincount(np.asarray(test_labels, dtype=np.int64), minlength=n_classes)
    return float(counts.max() / counts.sum())


def shapley_matrix(n_players: int) -> np.ndarray:
    """The ``(M, 2**M)`` matrix W with ``phi = W @ v`` for a game ``v`` indexed by coalition bitmask.

    Exact Shapley value: ``phi_i = sum_{S ∌ i} |S|! (M-|S|-1)! / M! · (v(S ∪ {i}) − v(S))``. Coalition S
    is the bitmask with bit j set iff player j is in S. Each coalition's value enters ``phi_i`` with
    weight ``+w(|S|-1)`` if ``i ∈ S`` and ``−w(|S|)`` otherwise, ``w(k) = k!(M-k-1)!/M!``.
    """
    if n_players < 1:
        raise ValueError(f"need at least one player, got {n_players}")
    masks = np.arange(2**n_players)
    members = (masks[None, :] >> np.arange(n_players)[:, None]) & 1  # (M, 2^M): player i in S
    sizes = members.sum(axis=0)
    weight = np.array([factorial(k) * factorial(n_players - k - 1) / factorial(n_players) for k in range(n_players)])
    plus = weight[np.clip(sizes - 1, 0, n_players - 1)]
    minus = weight[np.clip(sizes, 0, n_players - 1)]
    return np.where(members == 1, plus[None, :], -minus[None, :])


def coalition_values(subset_values: Mapping[str, float], modalities: Sequence[str], empty_value: float) -> np.ndarray:
    """Game values ``v`` indexed by bitmask (bit j = ``modalities[j]``) from per-subset values.

    ``subset_values`` is keyed by `subset_key` and must hold every non-empty subset.
    """
    m = len(modalities)
    values = np.empty(2**m, dtype=np.float64)
    values[0] = empty_value
    for mask in range(1, 2**m):
        key = subset_key([modalities[j] for j in range(m) if mask >> j & 1], modalities)
        if key not in subset_values:
            raise KeyError(f"no value for modality subset {key!r}; have {sorted(subset_values)}")
        values[mask] = subset_values[key]
    return values


def shapley_values(subset_values: Mapping[str, float], modalities: Sequence[str], empty_value: float) -> dict[str, float]:
    """Exact Shapley value of each modality for the game "accuracy with this modality subset".

    Parameters
    ----------
    subset_values:
        Value of every non-empty modality subset, keyed by `subset_key` (e.g. test accuracy with the
        other modalities zero-ablated, or the dataset's ground-truth subset accuracies).
    modalities:
        The players, in dataset order.
    empty_value:
        v(∅); see `empty_coalition_value`.

    Returns
    -------
    ``{modality: phi}``; the values sum to ``v(all) − v(∅)`` (efficiency).
    """
    phi = shapley_matrix(len(modalities)) @ coalition_values(subset_values, modalities, empty_value)
    return {m: float(p) for m, p in zip(modalities, phi, strict=True)}


def shapley_shares(shapley: Sequence[float]) -> np.ndarray:
    """Normalised contributions ``s_m = |phi_m| / sum |phi|``; uniform when every ``phi`` is 0.

    Absolute values (as in BMMAL's modality shares) keep a harmful modality's weight visible instead
    of letting it cancel a helpful one. With no contribution at all there is nothing to be uneven
    about, hence uniform.
    """
    a = np.abs(np.asarray(shapley, dtype=np.float64))
    total = a.sum()
    if not total > 0:
        return np.full(len(a), 1.0 / len(a))
    return a / total


def imbalance(shapley: Sequence[float], threshold: float | None = None) -> float:
    """How unevenly a model relies on its modalities, in [0, 1] (NaN when undefined).

    The total-variation distance of the Shapley shares from uniform, divided by its maximum
    ``1 − 1/M`` (all weight on one modality): ``M/(M−1) · ½ Σ |s_m − 1/M|``. 0 = equal reliance,
    1 = one modality only. For two modalities it is exactly ``max(s) − min(s) = |s_1 − s_2|``.
    With ``threshold`` set, a model whose total contribution ``Σ|φ|`` is below it gets NaN (see
    `reliance_shares`): φ = (0.001, 0) near chance is no evidence of imbalance.
    """
    shares = shapley_shares(shapley) if threshold is None else reliance_shares(shapley, threshold)
    m = len(shares)
    if m < 2:
        return 0.0
    if np.isnan(shares).any():  # builtin min() would turn NaN into 1.0
        return float("nan")
    return float(min(1.0, m / (m - 1) * 0.5 * np.abs(shares - 1.0 / m).sum()))


#: Below this total contribution (Σ|φ| of test accuracy, or Σ max(acc_m − chance, 0) for the
#: reference) modality shares are undefined: two accuracy points of signal split between modalities
#: are within the test set's noise, and a share of 1.0 from φ = (0.001, 0) would be an artefact.
RELIANCE_THRESHOLD = 0.02


def reliance_shares(shapley: Sequence[float], threshold: float = RELIANCE_THRESHOLD) -> np.ndarray:
    """The model's Shapley shares ``|φ_m| / Σ|φ|``, all NaN when ``Σ|φ| < threshold``.

    Parameters
    ----------
    shapley: the model's Shapley value per modality (accuracy units).
    threshold: the smallest total contribution for which shares are reported.

    Returns
    -------
    Shares summing to 1, or NaN everywhere (a model at chance relies on nothing in particular).
    """
    a = np.abs(np.asarray(shapley, dtype=np.float64))
    if not a.sum() >= threshold:
        return np.full(len(a), np.nan)
    return a / a.sum()


def supported_shares(unimodal_accuracy: Sequence[float], chance: float, threshold: float = RELIANCE_THRESHOLD) -> np.ndarray:
    """What the same labels support: ``max(acc_m − chance, 0) / Σ_k max(acc_k − chance, 0)``.

    ``unimodal_accuracy`` holds, per modality, the accuracy of a unimodal reference model (same
    encoder and head, that modality alone) trained on random labelled sets of the same size n
    (the suite's calibration data). NaN everywhere when the sum is below ``threshold``.
    """
    gain = np.maximum(np.asarray(unimodal_accuracy, dtype=np.float64) - chance, 0.0)
    if not gain.sum() >= threshold:
        return np.full(len(gain), np.nan)
    return gain / gain.sum()


def over_reliance(
    shapley: Sequence[float], unimodal_accuracy: Sequence[float], chance: float, threshold: float = RELIANCE_THRESHOLD
) -> np.ndarray:
    """Signed over-reliance per modality: the model's share minus the share supported at the same n.

    Positive: the model leans on this modality more than unimodal learners with the same labels
    would justify; ~0 for every modality when the model's reliance is what the labels support. NaN
    when either side is undefined (`reliance_shares`, `supported_shares`).
    """
    return reliance_shares(shapley, threshold) - supported_shares(unimodal_accuracy, chance, threshold)


def utilization_gap(model_shapley: Sequence[float], truth_shapley: Sequence[float]) -> float:
    """Total-variation distance ``½ Σ |s_model − s_truth|`` between Shapley shares, in [0, 1].

    0 = the model spreads its reliance over modalities exactly as the data supports (the shares of
    the ground-truth subset accuracies under the same Shapley game); 1 = disjoint reliance.
    """
    a, b = shapley_shares(model_shapley), shapley_shares(truth_shapley)
    if a.shape != b.shape:
        raise ValueError(f"model and truth have different numbers of modalities ({len(a)} vs {len(b)})")
    return float(min(1.0, 0.5 * np.abs(a - b).sum()))


def aubc(n_labeled: Sequence[float], accuracy_curve: Sequence[float]) -> float:
    """Normalised area under the budget curve (accuracy vs number of labels), in [0, 1].

    Trapezoid rule over the labels axis rescaled to [0, 1], i.e. ``area / (max_labels − min_labels)``
    (Lüth et al. 2023): a constant curve at accuracy a scores a, whatever the budget spacing. With a
    single point the curve has no width and the score is that point's accuracy.
    """
    x = np.asarray(n_labeled, dtype=np.float64)
    y = np.asarray(accuracy_curve, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) == 0:
        raise ValueError(f"need two equal-length non-empty 1-d sequences, got shapes {x.shape} and {y.shape}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("n_labeled must be strictly increasing")
    if len(x) == 1:
        return float(y[0])
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))
    return area / float(x[-1] - x[0])


def class_counts(labels: np.ndarray, n_classes: int) -> list[int]:
    """How many of ``labels`` fall in each class (length ``n_classes``)."""
    return [int(c) for c in np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)]


def missing_share(present: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Share of rows with each modality missing (``present`` masks of one batch)."""
    return {m: float(1.0 - np.mean(p)) if len(p) else 0.0 for m, p in present.items()}


def flag_share(flags: np.ndarray | None, positions: np.ndarray | None = None) -> float | None:
    """Share of rows (``positions`` of ``flags``, default all) whose flag is set; ``None`` if unrecorded.

    Used for the corrupted and noisy-label shares of a queried batch and of the whole pool, which a
    dataset records only when it knows them (schema-2 synthetic data).
    """
    if flags is None:
        return None
    picked = np.asarray(flags, dtype=bool) if positions is None else np.asarray(flags, dtype=bool)[positions]
    return float(np.mean(picked)) if len(picked) else 0.0


# ---------------------------------------------------------------- reliance in one game (3.0.0)


def accuracy_noise_floor(accuracy: float, n_test: int, k: float = 3.0) -> float:
    """``k`` standard errors of a test accuracy, ``k·√(acc(1 − acc)/n_test)``: the smallest total
    contribution Σ|φ| whose split between modalities is more than test-set noise (3 SE ≈ 0.03 at
    2,000 test rows, where the fixed 0.02 of 2.0.0 let 26 % of at-chance synergy rounds report shares)."""
    if n_test < 1:
        raise ValueError(f"n_test must be positive, got {n_test}")
    p = min(max(float(accuracy), 0.0), 1.0)
    return float(k * np.sqrt(p * (1.0 - p) / n_test))


def reference_game_shares(unimodal_accuracy: Sequence[float], fused_accuracy: float, empty_value: float, threshold: float = RELIANCE_THRESHOLD) -> np.ndarray:
    """Shapley shares of the reference game of two modalities: what the same labels support.

    The game is ``v(∅) = empty_value``, ``v({m}) =`` the unimodal reference model of ``m`` and
    ``v({a, b}) =`` the fused reference model, all trained on labelled sets of the same size by the
    same protocol. It is the model's own game with the reference models in place of the ablated
    model, so the interaction term is split between the modalities on both sides, unlike the
    main-effect shares of `supported_shares` (which read +0.044 even for the Bayes model on
    information-gap). Defined for two modalities only (a larger game needs references for every
    coalition); NaN when ``Σ|φ| < threshold``.
    """
    accs = [float(a) for a in unimodal_accuracy]
    if len(accs) != 2:
        raise ValueError(f"the reference game is defined for two modalities, got {len(accs)}")
    phi = shapley_values({"a": accs[0], "b": accs[1], "a+b": float(fused_accuracy)}, ("a", "b"), float(empty_value))
    return reliance_shares([phi["a"], phi["b"]], threshold)


def over_reliance_in_one_game(
    model_subset_accuracy: Mapping[str, float],
    modalities: Sequence[str],
    reference_unimodal: Sequence[float],
    reference_fused: float,
    empty_value: float,
    threshold: float = RELIANCE_THRESHOLD,
) -> np.ndarray:
    """Signed over-reliance per modality, both sides measured in one game (two modalities).

    Model: Shapley shares of its subset accuracies (``"a"``, ``"b"``, ``"a+b"``) with ``v(∅) =
    empty_value``. Reference: `reference_game_shares` with the same ``v(∅)``. Zero by construction
    when the model's game is the reference game (e.g. the Bayes model against the Bayes game), and
    NaN where either side's total contribution is below ``threshold`` (see `accuracy_noise_floor`).
    """
    phi = shapley_values(model_subset_accuracy, modalities, empty_value)
    model = reliance_shares([phi[m] for m in modalities], threshold)
    return model - reference_game_shares(reference_unimodal, reference_fused, empty_value, threshold)
