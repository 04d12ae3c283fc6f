"""Declarative conversion recipes for the literature's multimodal AL datasets (UPMC Food-101, CREMA-D).

A recipe reads the raw data in its distributed layout into a Hugging Face dataset of raw columns and
hands it to the general converter; ``mmal-bench datasets convert RECIPE --raw DIR`` runs one.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mmal_bench.data.real.convert import IMAGE_SUFFIXES, ConvertOptions, Converted, ModalitySpec, convert
from mmal_bench.data.real.encoders import RECOMMENDED, Encoder, get_encoder
from mmal_bench.data.entry import BuiltDataset, DatasetEntry
from mmal_bench.errors import ConfigError, DatasetIntegrityError, DatasetNotFoundError


@dataclass(frozen=True)
class RecipeModality:
    """A modality of a recipe: source column, raw kind and the default (offline) encoder's name."""

    name: str
    column: str
    kind: str
    encoder: str


@dataclass(frozen=True)
class Recipe:
    """Everything needed to turn one raw dataset into a benchmark dataset, next to its metadata."""

    name: str
    dataset_name: str
    version: str
    description: str
    pitfall: str
    modalities: tuple[RecipeModality, ...]
    read_raw: Callable[[Path], Any] = field(repr=False)
    layout: str
    source: str
    license: str
    citation: str
    options: ConvertOptions = ConvertOptions()
    notes: str = ""


RECIPES: dict[str, Recipe] = {}


def register_recipe(recipe: Recipe) -> Recipe:
    """Add ``recipe`` to `RECIPES` (names are unique)."""
    if recipe.name in RECIPES:
        raise ValueError(f"recipe {recipe.name!r} is already registered")
    RECIPES[recipe.name] = recipe
    return recipe


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; `DatasetNotFoundError` lists the known ones."""
    if name not in RECIPES:
        raise DatasetNotFoundError(f"unknown recipe {name!r}; known recipes: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]


def _require(path: Path, recipe: str, what: str) -> Path:
    if not path.exists():
        raise DatasetIntegrityError(f"{recipe}: {path} is missing ({what}); see `mmal-bench datasets convert {recipe} --help` for the expected layout")
    return path


# ------------------------------------------------------------------------------------------- Food-101


def read_food101(raw: Path) -> Any:
    """UPMC Food-101 as distributed: ``images/{train,test}/<class>/<file>.jpg`` and headerless
    ``texts/{train,test}_titles.csv`` rows ``image_name,text,class``.

    Every (class, file) seen in either place is a row: an image without a text row has no text, a
    text row whose image file is absent has no image (both become absent modalities).
    """
    import datasets

    splits = {}
    for split in ("train", "test"):
        image_root = _require(raw / "images" / split, "food101", "folder of class sub-folders with the images")
        text_file = _require(raw / "texts" / f"{split}_titles.csv", "food101", "CSV rows image_name,text,class")
        texts: dict[tuple[str, str], str] = {}
        with text_file.open(newline="", encoding="utf-8", errors="replace") as fh:
            for i, row in enumerate(csv.reader(fh)):
                if not row:
                    continue
                if len(row) < 3:
                    raise DatasetIntegrityError(f"food101: {text_file} line {i + 1} has {len(row)} fields; expected image_name,text,class")
                image, text, label = row[0].strip(), ",".join(row[1:-1]), row[-1].strip()
                if i == 0 and not Path(image).suffix:  # a header row
                    continue
                texts[(label, image)] = text
        images = {
            (p.parent.name, p.name): p
            for p in image_root.glob("*/*")
            if p.suffix.lower() in IMAGE_SUFFIXES
        }
        keys = sorted(set(texts) | set(images))
        splits[split] = datasets.Dataset.from_dict(
            {
                "image": [str(images.get(k, image_root / k[0] / k[1])) for k in keys],
                "text": [texts.get(k) for k in keys],
                "label": [k[0] for k in keys],
                "file": [k[1] for k in keys],
            },
            features=datasets.Features(
                {"image": datasets.Value("string"), "text": datasets.Value("string"), "label": datasets.Value("string"), "file": datasets.Value("string")}
            ),
        )
    return datasets.DatasetDict(splits)


FOOD101 = register_recipe(
    Recipe(
        name="food101",
        dataset_name="upmc-food101",
        version="1.0.0",
        description="UPMC Food-101: recipe web pages, image + page-title text, 101 food classes (frozen-encoder embeddings).",
        pitfall="real (image + text)",
        modalities=(
            RecipeModality("image", "image", "image", "color-layout"),
            RecipeModality("text", "text", "text", "minilm"),
        ),
        read_raw=read_food101,
        layout=(
            "RAW/images/train/<class>/<class>_<n>.jpg, RAW/images/test/<class>/...,\n"
            "RAW/texts/train_titles.csv, RAW/texts/test_titles.csv (no header; rows image_name,text,class)"
        ),
        source=(
            "UPMC Food-101 (Wang et al., 2015), http://visiir.isir.upmc.fr/ (mirrored on Kaggle as "
            "`gianmarco96/upmcfood101`); the images are the Food-101 classes crawled with their recipe pages"
        ),
        license=(
            "research use only: the page texts and images were crawled from the web and remain their "
            "owners' property (no redistribution licence; the Food-101 images are used under fair use). "
            "Do not publish the converted embeddings without checking the terms of your copy"
        ),
        citation="""@inproceedings{wang2015recipe,
  title     = {Recipe recognition with large multimodal food dataset},
  author    = {Wang, Xin and Kumar, Devinder and Thome, Nicolas and Cord, Matthieu and Precioso, Fr{\\'e}d{\\'e}ric},
  booktitle = {IEEE International Conference on Multimedia \\& Expo Workshops (ICMEW)},
  pages     = {1--6},
  year      = {2015}
}""",
        options=ConvertOptions(pool_split="train", test_split="test", seed=101, probe_max_rows=10000, probe_folds=3),
        notes="The BMMAL reference setup uses BERT [CLS] (768) + ResNet-101 (2048) features with 1,000 + 1,000 x 7 labels.",
    )
)


# ------------------------------------------------------------------------------------------- CREMA-D

CREMAD_EMOTIONS: dict[str, str] = {"ANG": "anger", "DIS": "disgust", "FEA": "fear", "HAP": "happy", "NEU": "neutral", "SAD": "sad"}
_CREMAD_NAME = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")


def cremad_test_actor(actor: int) -> bool:
    """Speaker-independent split: actors whose id is a multiple of 5 (18 of 91) form the test split."""
    return actor % 5 == 0


def read_cremad(raw: Path) -> Any:
    """CREMA-D as distributed: ``AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav`` plus the video as
    pre-extracted frames ``Frames/<clip>/*.jpg`` (the ``VideoFlash/*.flv`` files need ffmpeg first).

    Label = the emotion code in the file name. A clip with audio but no frames (or an empty WAV, as
    a few CREMA-D files are) gets an absent modality. Actor-disjoint pool/test split.
    """
    import datasets

    audio_dir = _require(raw / "AudioWAV", "cremad", "folder of <actor>_<sentence>_<emotion>_<level>.wav files")
    frames_dir = raw / "Frames"
    if not frames_dir.is_dir():
        hint = (
            "found VideoFlash/ but no Frames/: extract frames first, e.g. `for f in VideoFlash/*.flv; do "
            "d=Frames/$(basename $f .flv); mkdir -p $d; ffmpeg -loglevel error -i $f -vf fps=2 $d/%03d.jpg; done`"
            if (raw / "VideoFlash").is_dir()
            else "folder with one sub-folder of video frames (.jpg) per clip"
        )
        _require(frames_dir, "cremad", hint)
    audio = {p.stem: p for p in audio_dir.glob("*.wav")}
    frames = {p.name: p for p in frames_dir.iterdir() if p.is_dir()}
    clips = sorted(set(audio) | set(frames))
    if not clips:
        raise DatasetIntegrityError(f"cremad: no .wav files in {audio_dir} and no clip folders in {frames_dir}")
    rows: dict[str, dict[str, list[Any]]] = {s: {"audio": [], "video": [], "label": [], "clip": [], "actor": []} for s in ("train", "test")}
    for clip in clips:
        match = _CREMAD_NAME.match(clip)
        if not match or match.group(3) not in CREMAD_EMOTIONS:
            where = audio.get(clip) or frames.get(clip)
            raise DatasetIntegrityError(f"cremad: {where} does not follow <actor>_<sentence>_<ANG|DIS|FEA|HAP|NEU|SAD>_<level>")
        actor = int(match.group(1))
        part = rows["test" if cremad_test_actor(actor) else "train"]
        part["audio"].append(str(audio[clip]) if clip in audio else None)
        part["video"].append(str(frames[clip]) if clip in frames else None)
        part["label"].append(CREMAD_EMOTIONS[match.group(3)])
        part["clip"].append(clip)
        part["actor"].append(actor)
    features = datasets.Features(
        {
            "audio": datasets.Value("string"),
            "video": datasets.Value("string"),
            "label": datasets.ClassLabel(names=list(CREMAD_EMOTIONS.values())),
            "clip": datasets.Value("string"),
            "actor": datasets.Value("int32"),
        }
    )
    for part in rows.values():
        part["label"] = [list(CREMAD_EMOTIONS.values()).index(v) for v in part["label"]]
    empty = [s for s, part in rows.items() if not part["clip"]]
    if empty:
        raise DatasetIntegrityError(f"cremad: no clips of {'test actors (ids divisible by 5)' if 'test' in empty else 'pool actors'} in {raw}")
    return datasets.DatasetDict({s: datasets.Dataset.from_dict(part, features=features) for s, part in rows.items()})


CREMAD = register_recipe(
    Recipe(
        name="cremad",
        dataset_name="crema-d",
        version="1.0.0",
        description="CREMA-D: 7,442 acted clips of 91 actors, audio + face video, 6 emotions (frozen-encoder embeddings).",
        pitfall="real (audio + video)",
        modalities=(
            RecipeModality("audio", "audio", "audio", "log-mel"),
            RecipeModality("video", "video", "frames", "frames-color-layout"),
        ),
        read_raw=read_cremad,
        layout=(
            "RAW/AudioWAV/<actor>_<sentence>_<EMO>_<level>.wav (EMO in ANG DIS FEA HAP NEU SAD),\n"
            "RAW/Frames/<same clip name>/*.jpg (frames extracted from RAW/VideoFlash/<clip>.flv with ffmpeg)"
        ),
        source="CREMA-D (Cao et al., 2014), https://github.com/CheyneyComputerScience/CREMA-D (git lfs clone)",
        license=(
            "Open Database License (ODbL) v1.0 for the database, Database Contents License (DbCL) v1.0 "
            "for its contents, as stated in the CREMA-D repository"
        ),
        citation="""@article{cao2014crema,
  title   = {{CREMA-D}: Crowd-sourced Emotional Multimodal Actors Dataset},
  author  = {Cao, Houwei and Cooper, David G. and Keutmann, Michael K. and Gur, Ruben C. and Nenkova, Ani and Verma, Ragini},
  journal = {IEEE Transactions on Affective Computing},
  volume  = {5},
  number  = {4},
  pages   = {377--390},
  year    = {2014}
}""",
        options=ConvertOptions(pool_split="train", test_split="test", seed=7442),
        notes=(
            "Split: speaker-independent, actors with id divisible by 5 are the test split. Human raters reach "
            "40.9% (audio only), 58.2% (video only) and 63.6% (audio-visual) on the intended emotion (Cao et al.)."
        ),
    )
)


# ------------------------------------------------------------------------------------------- running


def recipe_specs(recipe: Recipe, encoders: Mapping[str, Encoder | str] | None = None) -> list[ModalitySpec]:
    """The converter's modality specs of ``recipe``, with encoder overrides by modality name."""
    encoders = dict(encoders or {})
    unknown = set(encoders) - {m.name for m in recipe.modalities}
    if unknown:
        raise ConfigError(f"recipe {recipe.name!r} has no modality {sorted(unknown)[0]!r}; modalities: {', '.join(m.name for m in recipe.modalities)}")
    specs = []
    for m in recipe.modalities:
        chosen = encoders.get(m.name, m.encoder)
        encoder = get_encoder(chosen) if isinstance(chosen, str) else chosen
        name = chosen if isinstance(chosen, str) else getattr(chosen, "name", type(chosen).__name__)
        specs.append(ModalitySpec(m.name, m.column, m.kind, encoder, encoder_name=name))  # type: ignore[arg-type]
    return specs


def recipe_card_notes(recipe: Recipe, converted: Converted) -> str:
    """Markdown for the converted dataset's card: provenance, licence, encoders, missing items."""
    lines = [
        "### Source",
        "",
        f"{recipe.source}.",
        "",
        f"**Licence of the raw data**: {recipe.license}.",
        "",
        "Expected raw layout:",
        "",
        "```",
        recipe.layout,
        "```",
        "",
        "### Encoders used",
        "",
        *[f"- `{m}`: `{name}`" for m, name in converted.encoders.items()],
        "",
        "Recommended stronger (frozen) encoders, pass them with `--encoder MODALITY=NAME`:",
        "",
        *[f"- {m.name} ({m.kind}): {RECOMMENDED.get(m.kind, '-')}" for m in recipe.modalities],
        "",
        "### Missing items (absent modalities)",
        "",
        "| split | " + " | ".join(converted.modalities) + " |",
        "|---|" + "---|" * len(converted.modalities),
        *[f"| {s} | " + " | ".join(str(c[m]) for m in converted.modalities) + " |" for s, c in converted.absent_counts.items()],
        "",
        "### Ground truth",
        "",
        f"Measured: test accuracy of a logistic-regression probe fitted on (at most {recipe.options.probe_max_rows:,} "
        f"stratified) pool embeddings of each modality subset, C from {list(recipe.options.probe_cs)} by "
        f"{recipe.options.probe_folds}-fold CV on the pool. It describes these embeddings, not the raw data.",
    ]
    lines += [
        "",
        "### Building it and joining the `real` suite",
        "",
        f"A maintainer with the raw data runs `mmal-bench datasets convert {recipe.name} --raw DIR` (layout above): "
        "the folder lands in the dataset cache and verifies like any published dataset. From then on the "
        f"registry lists `{recipe.dataset_name}@{recipe.version}` on that machine, and the `real` suite "
        "(`--suite real@3.0.0`: every registered real dataset, the offline UCI and Multiview MNIST sets included) "
        "runs it with the 3.0.0 benchmark model and seeds, wherever the raw data exists. The leaderboard's "
        "`standard` suite pins its datasets and never grows by itself.",
    ]
    if recipe.notes:
        lines += ["", recipe.notes]
    return "\n".join(lines)


def converted_entry(recipe: Recipe, converted: Converted) -> DatasetEntry:
    """A registry entry describing ``converted`` (its build returns the converted content)."""
    built = converted.built
    return DatasetEntry(
        name=recipe.dataset_name,
        version=recipe.version,
        kind="real",
        pitfall=recipe.pitfall,
        description=recipe.description,
        modalities=converted.modalities,
        class_names=converted.class_names,
        pool_size=len(built.pool.ids),
        test_size=len(built.test.ids),
        citation=recipe.citation,
        license=recipe.license,
        build=lambda: built,
        modality_dims=converted.modality_dims,
    )


def converted_entries(cache_root: Path | None = None) -> list[DatasetEntry]:
    """An entry for every recipe output already in the dataset cache (so `load_benchmark` finds it).

    Entries read back their folder; there is none for recipes that were never run. The registry
    registers them through `mmal_bench.data.catalog`.
    """
    from mmal_bench.paths import MANIFEST, dataset_cache_dir  # not data.hub: listing datasets must not import `datasets`

    done = []
    for recipe in RECIPES.values():
        folder = dataset_cache_dir(recipe.dataset_name, recipe.version) if cache_root is None else cache_root / recipe.dataset_name / recipe.version
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            continue
        try:
            manifest = json.loads(manifest_path.read_text())
            entry = DatasetEntry(
                name=recipe.dataset_name,
                version=recipe.version,
                kind="real",
                pitfall=recipe.pitfall,
                description=recipe.description,
                modalities=tuple(manifest["modalities"]),
                class_names=tuple(manifest["class_names"]),
                pool_size=int(manifest["rows"]["pool"]),
                test_size=int(manifest["rows"]["test"]),
                citation=recipe.citation,
                license=recipe.license,
                build=lambda folder=folder: _read_back(folder),
                modality_dims=tuple(int(d) for d in manifest["modalities"].values()),
            )
        except (ValueError, KeyError, TypeError):
            continue  # a broken cache folder is reported when it is loaded, not at import
        done.append(entry)
    return done


def _read_back(folder: Path) -> BuiltDataset:
    from mmal_bench.data.folder import read_folder  # lazily: it imports `datasets`

    content = read_folder(folder)
    truth = content.manifest["ground_truth"]
    return BuiltDataset(
        pool=content.pool,
        test=content.test,
        cold_start_order=content.cold_start_order,
        ground_truth={k: float(v["accuracy"]) for k, v in truth.items()},
        ground_truth_se={k: float(v["se"]) for k, v in truth.items() if v.get("se") is not None},
        spec=content.manifest.get("spec", {}),
    )
