"""End-to-end tests of the Food-101 and CREMA-D recipes (mmal_bench/data/real/recipes.py) through the
same code path a user takes: ``mmal-bench datasets convert RECIPE --raw DIR`` on fixtures in the real layout.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmal_bench.cli import main
from mmal_bench.data import hub
from mmal_bench.data.real.recipes import RECIPES, get_recipe
from mmal_bench.errors import DatasetNotFoundError
from real_fixtures import write_cremad, write_food101


@pytest.fixture(scope="module")
def food_raw(tmp_path_factory):
    return write_food101(tmp_path_factory.mktemp("food101"))


@pytest.fixture(scope="module")
def cremad_raw(tmp_path_factory):
    return write_cremad(tmp_path_factory.mktemp("cremad"))


def test_food101_end_to_end_into_the_cache_then_load_benchmark(home, food_raw, capsys):
    assert main(["datasets", "convert", "food101", "--raw", str(food_raw)]) == 0
    out = capsys.readouterr().out
    assert "upmc-food101@1.0.0" in out and "pool 12 rows, test 6 rows" in out and "fingerprint sha256:" in out
    bench = hub.load_benchmark("upmc-food101")  # registered by the conversion, read from the cache
    assert bench.modalities == ("image", "text") and bench.class_names == ("apple_pie", "pizza", "sushi")
    assert bench.pool.features["image"].shape == (12, 216) and bench.pool.features["text"].shape == (12, 384)
    raw = get_recipe("food101").read_raw(food_raw)["train"]
    files = list(raw["file"])
    no_image, no_text = files.index("pizza_3.jpg"), files.index("sushi_3.jpg")
    # text row without an image file -> image absent; image without a text row -> text absent
    assert not bench.pool.present["image"][no_image] and not bench.pool.features["image"][no_image].any()
    assert not bench.pool.present["text"][no_text] and not bench.pool.features["text"][no_text].any()
    assert bench.pool.present["image"].sum() == 11 and bench.pool.present["text"].sum() == 11 and bench.test.present["text"].all()
    assert bench.ground_truth["image+text"] >= 0.8  # each class has its own colour and words
    card = (hub.ensure_built("upmc-food101") / hub.CARD).read_text()
    assert "visiir" in card and "research use only" in card and "`text`: `minilm`" in card and "CLIP" in card
    assert "| pool | 1 | 1 |" in card  # missing items per modality


def test_cremad_end_to_end_to_an_out_folder(home, cremad_raw, tmp_path, capsys):
    out_dir = tmp_path / "crema"
    assert main(["datasets", "convert", "cremad", "--raw", str(cremad_raw), "--out", str(out_dir)]) == 0
    assert "crema-d@1.0.0" in capsys.readouterr().out
    content = hub.read_folder(out_dir)  # sha256 per shard and content fingerprint verified
    assert content.manifest["class_names"] == ["anger", "disgust", "fear", "happy", "neutral", "sad"]
    assert content.manifest["modalities"] == {"audio": 106, "video": 432}
    raw = get_recipe("cremad").read_raw(cremad_raw)
    assert sorted(set(raw["test"]["actor"])) == [1005, 1010] and 1005 not in set(raw["train"]["actor"])
    clips = list(raw["train"]["clip"])
    pool = content.pool
    assert not pool.present["video"][clips.index("1002_IEO_SAD_XX")]  # no frames folder
    assert not pool.present["audio"][clips.index("1003_IEO_HAP_XX")]  # empty WAV file
    assert pool.present["audio"].sum() == 23 and pool.present["video"].sum() == 23
    assert np.isfinite(pool.features["audio"]).all() and not pool.features["audio"][clips.index("1003_IEO_HAP_XX")].any()
    assert "Open Database License" in (out_dir / hub.CARD).read_text()


def test_missing_raw_file_is_one_error_naming_it(home, food_raw, tmp_path, capsys):
    broken = tmp_path / "food"
    write_food101(broken, per_class={"train": 1, "test": 1})
    (broken / "texts" / "test_titles.csv").unlink()
    assert main(["datasets", "convert", "food101", "--raw", str(broken), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: food101: ") and "texts/test_titles.csv is missing" in err and "\n" not in err


def test_cremad_without_audio_or_frames_folder_names_it(home, tmp_path, capsys):
    raw = tmp_path / "crema"
    (raw / "VideoFlash").mkdir(parents=True)
    assert main(["datasets", "convert", "cremad", "--raw", str(raw), "--out", str(tmp_path / "o")]) == 2
    assert "AudioWAV is missing" in capsys.readouterr().err
    (raw / "AudioWAV").mkdir()
    assert main(["datasets", "convert", "cremad", "--raw", str(raw), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "Frames is missing" in err and "ffmpeg" in err


def test_bad_recipe_encoder_and_arguments(home, food_raw, tmp_path, capsys):
    assert main(["datasets", "convert", "nope", "--raw", str(food_raw)]) == 2
    assert "unknown recipe 'nope'; known recipes: cremad, food101" in capsys.readouterr().err
    assert main(["datasets", "convert", "food101", "--raw", str(food_raw), "--encoder", "audio=log-mel"]) == 2
    assert "recipe 'food101' has no modality 'audio'" in capsys.readouterr().err
    assert main(["datasets", "convert", "food101", "--raw", str(food_raw), "--encoder", "text"]) == 2
    assert "must look like MODALITY=NAME" in capsys.readouterr().err
    assert main(["datasets", "convert", "food101"]) == 2
    assert "--raw DIR" in capsys.readouterr().err
    assert main(["datasets", "convert", "--list"]) == 0
    assert "upmc-food101@1.0.0" in capsys.readouterr().out
    with pytest.raises(DatasetNotFoundError):
        get_recipe("kinetics")
    assert set(RECIPES) == {"food101", "cremad"}


def test_encoder_override_reaches_the_converter(home, food_raw, tmp_path, capsys):
    # a video encoder on images fails inside the encoder: one error naming the modality
    assert main(["datasets", "convert", "food101", "--raw", str(food_raw), "--out", str(tmp_path / "o"), "--encoder", "image=frames-color-layout"]) == 2
    assert "encoder 'frames-color-layout' of modality 'image' (column 'image', image items) failed on split 'train': TypeError" in capsys.readouterr().err
    # a working override: the same image encoder with a coarser grid, passed programmatically
    from mmal_bench.data.real.encoders import ColorLayoutImageEncoder
    from mmal_bench.data.real.run import run_recipe

    folder = run_recipe("food101", food_raw, tmp_path / "o2", encoders={"image": ColorLayoutImageEncoder(grid=4, work_size=16)})
    assert hub.read_folder(folder).manifest["modalities"] == {"image": 72, "text": 384}


def test_convert_any_hf_folder_from_the_cli(home, tmp_path, capsys):
    import datasets

    src = tmp_path / "src"
    src.mkdir()
    for split, n in (("train", 12), ("test", 6)):
        datasets.Dataset.from_dict(
            {"vec": [[float(i % 3), 1.0] for i in range(n)], "caption": [None if i == 0 else f"item of kind {i % 3}" for i in range(n)], "label": [i % 3 for i in range(n)]}
        ).to_parquet(str(src / f"{split}.parquet"))
    argv = ["datasets", "convert", "hf", "--source", str(src), "--modality", "v=vec:features", "--modality", "t=caption:text:minilm", "--name", "tiny-hf", "--out", str(tmp_path / "o"), "--license", "cc0-1.0"]
    assert main(argv) == 0
    content = hub.read_folder(tmp_path / "o")
    assert content.manifest["modalities"] == {"v": 2, "t": 384} and not content.pool.present["t"][0] and content.pool.present["t"][1:].all()
    assert "cc0-1.0" in (tmp_path / "o" / hub.CARD).read_text()
    assert main(["datasets", "convert", "hf", "--source", str(src), "--modality", "t=caption:text", "--modality", "v=vec:features", "--name", "x", "--out", str(tmp_path / "p")]) == 2
    assert "a raw text column needs an encoder" in capsys.readouterr().err
