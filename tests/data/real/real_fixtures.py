"""Tiny raw datasets in the real distributed layouts (UPMC Food-101, CREMA-D), written by the tests.

Deterministic content with a learnable signal: each class has its own colour / tone, so the converted
embeddings carry the label and the ground-truth probe is well above chance.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.io import wavfile

FOOD_CLASSES = ("apple_pie", "pizza", "sushi")
FOOD_COLOURS = {"apple_pie": (200, 150, 60), "pizza": (220, 40, 30), "sushi": (240, 240, 240)}
FOOD_WORDS = {"apple_pie": "apple pie with cinnamon crust", "pizza": "pizza margherita with cheese", "sushi": "salmon sushi rolls with rice"}


def write_image(path: Path, colour: tuple[int, int, int], seed: int, size: int = 12) -> None:
    rng = np.random.default_rng(seed)
    pixels = np.clip(np.array(colour)[None, None, :] + rng.integers(-30, 30, (size, size, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, quality=95)


def write_food101(root: Path, per_class: dict[str, int] | None = None) -> Path:
    """``root/images/{train,test}/<class>/<class>_<i>.jpg`` + ``root/texts/{split}_titles.csv`` (no header).

    Train has 4 items per class, test 2. In train, ``pizza_3.jpg`` has a text row but no image file and
    ``sushi_3.jpg`` has an image but no text row: the converter must make those modalities absent.
    """
    per_class = per_class or {"train": 4, "test": 2}
    for split, n in per_class.items():
        rows = []
        for c_index, cls in enumerate(FOOD_CLASSES):
            for i in range(n):
                name = f"{cls}_{i}.jpg"
                if not (split == "train" and cls == "pizza" and i == 3):
                    write_image(root / "images" / split / cls / name, FOOD_COLOURS[cls], seed=100 * c_index + i)
                if not (split == "train" and cls == "sushi" and i == 3):
                    rows.append([name, f"{FOOD_WORDS[cls]}, recipe number {i}", cls])
        (root / "texts").mkdir(parents=True, exist_ok=True)
        with (root / "texts" / f"{split}_titles.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return root


CREMAD_EMOS = ("ANG", "HAP", "SAD")
CREMAD_TONES = {"ANG": 220.0, "HAP": 440.0, "SAD": 880.0}
CREMAD_SHADES = {"ANG": (200, 30, 30), "HAP": (240, 220, 40), "SAD": (40, 60, 200)}


def write_cremad(root: Path) -> Path:
    """``root/AudioWAV/<actor>_<sentence>_<EMO>_XX.wav`` (0.2 s tones) + ``root/Frames/<clip>/*.jpg``.

    Actors 1001-1004 are pool, 1005 and 1010 test. ``1002_IEO_SAD_XX`` has no frames folder and
    ``1003_IEO_HAP_XX.wav`` is an empty file (as a few real CREMA-D files are): absent modalities.
    """
    sr = 16000
    t = np.arange(int(0.2 * sr)) / sr
    for actor in (1001, 1002, 1003, 1004, 1005, 1010):
        for s_index, sentence in enumerate(("DFA", "IEO")):
            for e_index, emo in enumerate(CREMAD_EMOS):
                clip = f"{actor}_{sentence}_{emo}_XX"
                wav = root / "AudioWAV" / f"{clip}.wav"
                wav.parent.mkdir(parents=True, exist_ok=True)
                if clip == "1003_IEO_HAP_XX":
                    wav.write_bytes(b"")
                else:
                    tone = 0.3 * np.sin(2 * np.pi * CREMAD_TONES[emo] * (1 + 0.01 * (actor % 7)) * t)
                    wavfile.write(wav, sr, (tone * 32767).astype(np.int16))
                if clip == "1002_IEO_SAD_XX":
                    continue
                for f in range(2):
                    write_image(root / "Frames" / clip / f"{f:03d}.jpg", CREMAD_SHADES[emo], seed=actor + 10 * f + s_index + 100 * e_index, size=8)
    return root
