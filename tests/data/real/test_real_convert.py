"""Tests of the general converter (mmal_bench/data/real/convert.py): schema, missing items, bad input."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pytest

from mmal_bench.data.real.convert import ConvertOptions, ModalitySpec, convert, load_source, stratified_split
from mmal_bench.data.real.encoders import ColorLayoutImageEncoder
from mmal_bench.data.schema import all_subsets, subset_key
from mmal_bench.errors import ConfigError, DatasetIntegrityError, DatasetNotFoundError
from real_fixtures import write_image

OPTS = ConvertOptions(probe_cs=(1.0,))


def length_encoder(texts):
    """Cheap deterministic text encoder for converter tests: length, word count, first letter."""
    return np.array([[len(t), len(t.split()), ord(t[0]) % 7] for t in texts], dtype=np.float32)


def feature_dataset() -> datasets.DatasetDict:
    rng = np.random.default_rng(0)
    def part(n, offset):
        y = np.arange(n) % 3
        a = (y[:, None] + 0.1 * rng.normal(size=(n, 4))).tolist()
        b = (-y[:, None] + 0.1 * rng.normal(size=(n, 2))).tolist()
        b[1] = None  # missing precomputed vector -> absent
        texts = [f"class {c} sample {offset + i}" for i, c in enumerate(y)]
        texts[2], texts[4] = None, "   "  # missing and empty text -> absent
        return datasets.Dataset.from_dict(
            {"a": a, "b": b, "txt": texts, "y": [int(c) for c in y]},
            features=datasets.Features({
                "a": datasets.List(datasets.Value("float32")),
                "b": datasets.List(datasets.Value("float32")),
                "txt": datasets.Value("string"),
                "y": datasets.ClassLabel(names=["zero", "one", "two"]),
            }),
        )
    return datasets.DatasetDict({"train": part(30, 0), "test": part(12, 100)})


SPECS = [
    ModalitySpec("a", "a", "features"),
    ModalitySpec("b", "b", "features"),
    ModalitySpec("t", "txt", "text", length_encoder, encoder_name="length"),
]


def test_features_and_text_map_to_schema_with_absent_items():
    conv = convert(feature_dataset(), SPECS, ConvertOptions(label_column="y", probe_cs=(1.0,)))
    pool, test = conv.built.pool, conv.built.test
    assert conv.class_names == ("zero", "one", "two") and conv.modalities == ("a", "b", "t")
    assert len(pool.ids) == 30 and len(test.ids) == 12
    assert np.array_equal(pool.ids, np.arange(30)) and np.array_equal(pool.labels, np.arange(30) % 3)
    assert pool.features["a"].dtype == np.float32 and pool.features["a"].shape == (30, 4)
    # missing vector, None text and whitespace-only text are absent with all-zero vectors
    assert not pool.present["b"][1] and not pool.features["b"][1].any()
    assert not pool.present["t"][2] and not pool.present["t"][4] and not pool.features["t"][[2, 4]].any()
    assert pool.present["t"].sum() == 28 and pool.present["a"].all()
    assert pool.features["t"][0].tolist() == [len("class 0 sample 0"), 4, ord("c") % 7]
    assert conv.absent_counts == {"pool": {"a": 0, "b": 1, "t": 2}, "test": {"a": 0, "b": 1, "t": 2}}
    keys = {subset_key(s, conv.modalities) for s in all_subsets(conv.modalities)}
    assert set(conv.built.ground_truth) == keys and conv.built.ground_truth["a"] == 1.0
    assert sorted(conv.built.cold_start_order) == list(range(10))
    first = conv.built.cold_start_order[0][:3]
    assert sorted(pool.labels[first].tolist()) == [0, 1, 2]  # class-balanced prefix


def test_single_split_is_split_stratified_and_string_labels_sorted():
    ds = datasets.Dataset.from_dict({"a": [[float(i % 2), 1.0] for i in range(40)], "b": [[float(i % 2)] for i in range(40)], "label": ["dog", "cat"] * 20})
    conv = convert(ds, SPECS[:2], ConvertOptions(test_split=None, test_fraction=0.25, probe_cs=(1.0,)))
    assert conv.class_names == ("cat", "dog")
    assert len(conv.built.test.ids) == 10 and np.bincount(conv.built.test.labels).tolist() == [5, 5]
    assert np.array_equal(conv.built.test.ids, np.arange(10))


def test_stratified_split_is_deterministic_and_disjoint():
    labels = np.repeat(np.arange(4), 25)
    pool, test = stratified_split(labels, 0.2, seed=3)
    again = stratified_split(labels, 0.2, seed=3)
    assert np.array_equal(pool, again[0]) and np.array_equal(test, again[1])
    assert len(np.intersect1d(pool, test)) == 0 and len(pool) + len(test) == 100
    assert np.bincount(labels[test]).tolist() == [5, 5, 5, 5]


def test_local_parquet_folder_source(tmp_path):
    folder = tmp_path / "hfdata"
    folder.mkdir()
    dd = feature_dataset()
    for split, ds in dd.items():
        ds.to_parquet(str(folder / f"{split}.parquet"))
    conv = convert(str(folder), SPECS[:2], ConvertOptions(label_column="y", probe_cs=(1.0,)))
    assert len(conv.built.pool.ids) == 30 and not conv.built.pool.present["b"][1]


def image_dataset(tmp_path: Path) -> datasets.DatasetDict:
    for i in range(6):
        write_image(tmp_path / f"img{i}.jpg", (40 * i, 100, 200 - 30 * i), seed=i)
    paths = [f"img{i}.jpg" for i in range(6)]
    paths[1] = "does_not_exist.jpg"
    paths[2] = ""
    ds = datasets.Dataset.from_dict({"img": paths, "vec": [[float(i % 2)] for i in range(6)], "label": [i % 2 for i in range(6)]})
    return datasets.DatasetDict({"train": ds, "test": ds})


def test_missing_and_empty_image_paths_are_absent(tmp_path):
    specs = [ModalitySpec("image", "img", "image", ColorLayoutImageEncoder()), ModalitySpec("v", "vec", "features")]
    conv = convert(image_dataset(tmp_path), specs, ConvertOptions(root=str(tmp_path), probe_cs=(1.0,)))
    present = conv.built.pool.present["image"]
    assert present.tolist() == [True, False, False, True, True, True]
    assert conv.built.pool.features["image"].shape == (6, 216) and not conv.built.pool.features["image"][1:3].any()


def test_missing_file_is_an_error_naming_the_file_when_asked(tmp_path):
    specs = [ModalitySpec("image", "img", "image", ColorLayoutImageEncoder()), ModalitySpec("v", "vec", "features")]
    with pytest.raises(DatasetIntegrityError, match=r"modality 'image': file .*does_not_exist\.jpg \(column 'img'\) does not exist"):
        convert(image_dataset(tmp_path), specs, ConvertOptions(root=str(tmp_path), on_missing_file="error", probe_cs=(1.0,)))


def test_corrupt_image_file_names_the_file(tmp_path):
    dd = image_dataset(tmp_path)
    (tmp_path / "img3.jpg").write_bytes(b"not a jpeg at all")
    specs = [ModalitySpec("image", "img", "image", ColorLayoutImageEncoder()), ModalitySpec("v", "vec", "features")]
    with pytest.raises(DatasetIntegrityError, match=r"cannot read image file .*img3\.jpg"):
        convert(dd, specs, ConvertOptions(root=str(tmp_path), probe_cs=(1.0,)))


def test_wrong_column_name_is_one_clear_error():
    specs = [ModalitySpec("a", "a", "features"), ModalitySpec("b", "bee", "features")]
    with pytest.raises(ConfigError, match=r"modality 'b': column 'bee' not found in split 'train'; columns: a, b, txt, y"):
        convert(feature_dataset(), specs, ConvertOptions(label_column="y"))
    with pytest.raises(ConfigError, match=r"label column 'label' not found in split 'train'"):
        convert(feature_dataset(), SPECS[:2], OPTS)


@pytest.mark.parametrize(
    "encoder, message",
    [
        (lambda items: np.zeros((len(items) + 1, 3)), r"returned shape \(\d+, 3\) for \d+ items"),
        (lambda items: np.zeros(len(items)), r"returned shape \(\d+,\) for \d+ items"),
        (lambda items: np.full((len(items), 2), np.nan), r"returned NaN/inf for \d+ of \d+ items in split 'train'"),
        (lambda items: "oops", r"returned str, not a numeric array"),
    ],
)
def test_bad_encoder_output_names_the_modality(encoder, message):
    specs = [SPECS[0], ModalitySpec("t", "txt", "text", encoder, encoder_name="broken")]
    with pytest.raises(ConfigError, match=r"encoder 'broken' of modality 't' \(column 'txt'\) " + message):
        convert(feature_dataset(), specs, ConvertOptions(label_column="y"))


def test_raw_modality_without_encoder_and_bad_kind_are_rejected():
    with pytest.raises(ConfigError, match="raw text column 'txt' needs an encoder"):
        ModalitySpec("t", "txt", "text")
    with pytest.raises(ConfigError, match="kind 'video' must be one of"):
        ModalitySpec("t", "txt", "video", length_encoder)  # type: ignore[arg-type]


def test_hub_source_needs_a_pinned_revision_and_missing_folder_is_named():
    with pytest.raises(ConfigError, match="hub dataset 'someone/food' needs --revision"):
        load_source("someone/food")
    with pytest.raises(DatasetNotFoundError, match="neither an existing folder nor a hub id"):
        load_source("./no/such/folder")


def test_export_converted_writes_a_verifiable_folder_with_card(tmp_path):
    from mmal_bench.data.fingerprint import content_fingerprint
    from mmal_bench.data.hub import CARD, verify_folder
    from mmal_bench.data.real.run import export_converted

    conv = convert(feature_dataset(), SPECS, ConvertOptions(label_column="y", probe_cs=(1.0,)))
    folder = export_converted(conv, tmp_path / "out", name="my-set", license="cc-by-4.0", citation="@misc{x, title={X}}", card_notes="Made from X.")
    manifest = verify_folder(folder)
    built = conv.built
    assert manifest["fingerprint"] == content_fingerprint(built.pool, built.test, built.cold_start_order, conv.class_names)
    assert manifest["modalities"] == {"a": 4, "b": 2, "t": 3} and manifest["rows"] == {"pool": 30, "test": 12, "cold_start": 300}
    card = (folder / CARD).read_text()
    assert "cc-by-4.0" in card and "Made from X." in card and "@misc{x" in card
