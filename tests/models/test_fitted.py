"""FittedMLP: ablation semantics, subsets, embeddings, closed-form gradients, MC dropout, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from models_factory import blobs

from mmal_bench.models import FittedModel, ModelConfig, train_model


@pytest.fixture(scope="module", params=[("concat", 0), ("gated", 0), ("concat", 12)])
def fitted(request):
    batch, y = blobs(80, 0)
    fusion, fusion_hidden = request.param
    config = ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=40, fusion=fusion, fusion_hidden=fusion_hidden)
    return train_model(batch, y, 3, config, 0), blobs(30, 1)[0]


def test_is_a_fitted_model_with_probabilities(fitted):
    model, batch = fitted
    assert isinstance(model, FittedModel)
    p = model.predict_proba(batch)
    assert p.shape == (30, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)


def test_subset_prediction_equals_input_ablation(fitted):
    model, batch = fitted
    only_audio = batch.restricted_to(["audio"])
    np.testing.assert_allclose(model.predict_proba(batch, ["audio"]), model.predict_proba(only_audio), rtol=1e-6, atol=1e-7)
    subsets = model.predict_proba_subsets(batch, include_empty=True)
    assert list(subsets) == ["", "audio", "video", "audio+video"]
    np.testing.assert_allclose(subsets["audio"], model.predict_proba(batch, ["audio"]), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(subsets["audio+video"], model.predict_proba(batch), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(subsets[""], model.predict_proba(batch, []), rtol=1e-6, atol=1e-7)
    # the generic base-class version agrees with the batched override
    generic = FittedModel.predict_proba_subsets(model, batch, include_empty=True)
    for key in subsets:
        np.testing.assert_allclose(generic[key], subsets[key], rtol=1e-6, atol=1e-7)


def test_absent_modality_takes_its_learned_absent_embedding(fitted):
    model, batch = fitted
    z = model.embed_modalities(batch)
    for j, m in enumerate(model.modalities):
        assert z[m].shape == (30, 8)
        absent = model.params["absent"][0, j, 0].numpy()
        missing = ~batch.present[m]
        assert missing.any() and np.abs(absent).sum() > 0  # learned from the training rows' missing values
        np.testing.assert_array_equal(z[m][missing], np.broadcast_to(absent, (missing.sum(), 8)))


def test_ablating_a_modality_is_the_same_path_as_it_missing(fitted):
    """Contract 2: predict_proba(batch, modalities=S) treats every modality outside S exactly as missing,
    whatever its input vector holds (zeros, real data or noise)."""
    model, batch = fitted
    complete = type(batch)(batch.features, {m: np.ones(len(batch), bool) for m in batch.modalities})
    missing_video = type(batch)(
        {"audio": batch.features["audio"], "video": np.zeros_like(batch.features["video"])},
        {"audio": complete.present["audio"], "video": np.zeros(len(batch), bool)},
    )
    noisy_video = type(batch)(
        {"audio": batch.features["audio"], "video": np.full_like(batch.features["video"], 7.5)},
        missing_video.present,
    )
    ablated = model.predict_proba(complete, ["audio"])
    np.testing.assert_array_equal(ablated, model.predict_proba(missing_video))
    np.testing.assert_array_equal(ablated, model.predict_proba(noisy_video))
    np.testing.assert_allclose(model.predict_proba_subsets(complete)["audio"], model.predict_proba(missing_video), rtol=1e-6, atol=1e-7)
    # and the ablation really changes predictions (the video vectors are data, the absent path is not)
    assert not np.allclose(ablated, model.predict_proba(complete))


def test_zero_absent_path_is_the_1_0_0_model():
    batch, y = blobs(60, 0)
    model = train_model(batch, y, 3, ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=10, absent="zero"), 0)
    assert "absent" not in model.params
    z = model.embed_modalities(batch)
    for m in model.modalities:
        assert not z[m][~batch.present[m]].any()


def test_concat_embedding_and_slices():
    batch, y = blobs(40, 0)
    model = train_model(batch, y, 3, ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=10), 0)
    z = model.embed_modalities(batch)
    h = model.embed(batch)
    assert model.modality_slices == {"audio": slice(0, 8), "video": slice(8, 16)}
    np.testing.assert_array_equal(h, np.concatenate([z["audio"], z["video"]], axis=1))


def test_fusion_block_follows_the_modality_blocks_in_the_head_input():
    batch, y = blobs(40, 0)
    model = train_model(batch, y, 3, ModelConfig(hidden_sizes=(16,), embed_dim=8, steps=10, fusion_hidden=12), 0)
    z = model.embed_modalities(batch)
    h = model.embed(batch)
    assert h.shape == (40, 16 + 12) and (h[:, 16:] >= 0).all()  # ReLU output of the interaction block
    np.testing.assert_array_equal(h[:, :16], np.concatenate([z["audio"], z["video"]], axis=1))
    np.testing.assert_array_equal(model.gradient_embedding_factors(batch)[1], h)
    # per-modality blocks stay; the interaction columns 16..27 belong to no single modality
    assert model.modality_slices == {"audio": slice(0, 8), "video": slice(8, 16)}
    assert "fusion_hidden=12" in repr(model)


def test_gradient_embedding_is_the_last_layer_gradient(fitted):
    """Closed form (p − onehot(ŷ)) ⊗ h equals autograd of CE(ŷ) w.r.t. the fused head's weights."""
    model, batch = fitted
    a, h = model.gradient_embedding_factors(batch)
    p = model.predict_proba(batch)
    np.testing.assert_allclose(a, p - np.eye(3)[p.argmax(1)], atol=1e-6)
    w = model.params["head.w"][0].clone().requires_grad_()
    b = model.params["head.b"][0]
    ht = torch.tensor(h[:1])
    logits = ht @ w + b
    torch.nn.functional.cross_entropy(logits, logits.argmax(1)).backward()
    np.testing.assert_allclose(w.grad.numpy(), np.outer(h[0], a[0]), rtol=1e-4, atol=1e-6)


def test_mc_dropout_passes_differ_and_are_seeded(fitted):
    model, batch = fitted
    s = model.mc_dropout_proba(batch, 5, seed=3)
    assert s.shape == (5, 30, 3)
    assert not np.allclose(s[0], s[1])
    np.testing.assert_array_equal(s, model.mc_dropout_proba(batch, 5, seed=3))
    assert not np.array_equal(s, model.mc_dropout_proba(batch, 5, seed=4))


def _mc_dropout_reference(model, batch, n_samples, seed):
    """MC dropout the textbook way: one whole-batch pass per sample, every modality's masks drawn for all
    rows before the next modality's (the documented order), every activation held at once."""
    from mmal_bench.models.network import fuse, head, interact

    zs, present = model._embeddings(batch)
    generator = torch.Generator().manual_seed(seed)
    p = model.config.dropout
    out = []
    for _ in range(n_samples):
        dropped = {m: z * torch.where(torch.rand(z.shape, generator=generator) >= p, 1.0 / (1.0 - p), 0.0) for m, z in zs.items()}
        h = interact(model.params, model.config, fuse(model.params, model.config, dropped, present))
        out.append(torch.softmax(head(model.params, h[0]), dim=-1).numpy())
    return np.stack(out)


def test_mc_dropout_is_the_whole_batch_reference(fitted, monkeypatch):
    """The memory-bounded implementation (masks of earlier modalities kept as booleans, the last
    modality's drawn block by block) draws the same numbers in the same order as the plain one: bitwise
    in one block; across 7-row blocks the encoders' float rounding may differ in the last bits, while a
    mask drawn out of order would change whole probabilities."""
    from mmal_bench.models import fitted as fitted_module

    model, batch = fitted
    reference = _mc_dropout_reference(model, batch, 3, 5)
    assert model.mc_dropout_proba(batch, 3, seed=5).tobytes() == reference.tobytes()
    monkeypatch.setattr(fitted_module, "CHUNK_ROWS", 7)
    np.testing.assert_allclose(model.mc_dropout_proba(batch, 3, seed=5), reference, rtol=1e-5, atol=1e-6)


def test_pickle_round_trip_is_small_and_equal(fitted):
    model, batch = fitted
    blob = pickle.dumps(model)
    back = pickle.loads(blob)
    np.testing.assert_array_equal(back.predict_proba(batch), model.predict_proba(batch))
    assert len(blob) < 50_000  # own copies, not slices of a stacked training tensor


def test_wrong_batch_is_a_clear_error(fitted):
    model, batch = fitted
    bad = type(batch)({"audio": batch.features["audio"]}, {"audio": batch.present["audio"]})
    with pytest.raises(ValueError, match="trained on"):
        model.predict_proba(bad)
    with pytest.raises(ValueError, match="unknown modalities"):
        model.predict_proba(batch, ["depth"])


def test_row_chunking_gives_the_same_outputs(fitted, monkeypatch):
    from mmal_bench.models import fitted as fitted_module

    model, batch = fitted
    whole = (model.predict_proba(batch), model.predict_proba_subsets(batch), model.gradient_embedding_factors(batch))
    monkeypatch.setattr(fitted_module, "CHUNK_ROWS", 7)
    chunked = (model.predict_proba(batch), model.predict_proba_subsets(batch), model.gradient_embedding_factors(batch))
    np.testing.assert_allclose(chunked[0], whole[0], rtol=1e-6, atol=1e-7)
    for key in whole[1]:
        np.testing.assert_allclose(chunked[1][key], whole[1][key], rtol=1e-6, atol=1e-7)
    for c, w in zip(chunked[2], whole[2], strict=True):
        assert c.shape == w.shape
        np.testing.assert_allclose(c, w, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("chunk_rows", [None, 7])
def test_a_view_that_gathers_its_rows_gives_bitwise_the_outputs_of_copied_rows(fitted, monkeypatch, chunk_rows):
    """Strategies' views gather pool rows when read (`PoolRows`), block by block in a chunked pass:
    every model output must be the same bytes as on a batch of copied rows (the 2.0.0 view)."""
    from mmal_bench.data.schema import ModalBatch, PoolRows
    from mmal_bench.models import fitted as fitted_module

    model, pool = fitted
    positions = np.array([0, 2, 3, 5, 8, 9, 11, 12, 17, 18, 20, 21, 23, 26, 29])
    copied = pool.take(positions)
    lazy = ModalBatch(PoolRows(pool.features, positions), PoolRows(pool.present, positions))
    if chunk_rows is not None:
        monkeypatch.setattr(fitted_module, "CHUNK_ROWS", chunk_rows)

    def outputs(batch):
        return [
            model.predict_proba(batch),
            *model.predict_proba_subsets(batch, include_empty=True).values(),
            *model.gradient_embedding_factors(batch),
            *model.unimodal_logits(batch).values(),
            *model.embed_modalities(batch).values(),
            model.mc_dropout_proba(batch, 3, seed=5),
        ]

    for got, want in zip(outputs(lazy), outputs(copied), strict=True):
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
