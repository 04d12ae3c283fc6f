"""Tests of the shipped offline encoders (mmal_bench/data/real/encoders.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mmal_bench.data.real.encoders import (
    ColorLayoutImageEncoder,
    FramesEncoder,
    LogMelAudioEncoder,
    MiniLMTextEncoder,
    get_encoder,
    mel_filterbank,
)
from mmal_bench.errors import ConfigError


def solid(colour, size=(20, 14)):
    return Image.new("RGB", size, colour)


def test_color_layout_histograms_and_layout():
    enc = ColorLayoutImageEncoder()
    out = enc([solid((255, 0, 0)), solid((0, 0, 255), size=(7, 40))])
    assert out.shape == (2, 216) and out.dtype == np.float32 and enc.dim == 216
    hist = out[:, :24].reshape(2, 3, 8)
    assert np.allclose(hist.sum(axis=2), 1.0)  # each channel's histogram is a distribution
    assert hist[0, 0, 7] == 1.0 and hist[0, 1, 0] == 1.0  # red: R in the top bin, G in the bottom
    layout = out[:, 24:].reshape(2, 3, 8, 8)
    assert np.allclose(layout[0, 0], 1.0) and np.allclose(layout[1, 2], 1.0) and np.allclose(layout[1, 0], 0.0)
    assert np.array_equal(out, enc([solid((255, 0, 0)), solid((0, 0, 255), size=(7, 40))]))  # deterministic


def test_log_mel_separates_tones_and_handles_rates_and_short_clips():
    enc = LogMelAudioEncoder()
    sr = 16000
    t = np.arange(sr // 5) / sr
    low, high = np.sin(2 * np.pi * 300 * t), np.sin(2 * np.pi * 3000 * t)
    out = enc([(low, sr), (high, sr), (low[::2], 8000), (np.zeros(10), sr)])
    assert out.shape == (4, 106) and np.isfinite(out).all()
    mean_logmel = out[:, :40]
    assert np.argmax(mean_logmel[0]) < np.argmax(mean_logmel[1])  # energy in a lower mel band
    assert np.argmax(mean_logmel[2]) == np.argmax(mean_logmel[0])  # resampled 8 kHz clip: same band
    fb = mel_filterbank(40, 512, sr)
    assert fb.shape == (40, 257) and np.isclose(fb.max(), 1.0, atol=0.05)


def test_frames_encoder_mean_and_std_over_frames():
    enc = FramesEncoder()
    out = enc([[solid((0, 0, 0)), solid((255, 255, 255))], [solid((255, 0, 0))]])
    assert out.shape == (2, 432)
    layout_mean = out[0, 24:216]
    assert np.allclose(layout_mean, 0.5)  # mean of a black and a white frame
    assert np.allclose(out[1, 216:], 0.0)  # one frame: no variation


def test_minilm_text_encoder_offline():
    enc = get_encoder("minilm")
    assert isinstance(enc, MiniLMTextEncoder)
    out = enc(["a slice of apple pie", "apple pie with cinnamon", "a salmon sushi roll"])
    assert out.shape == (3, 384) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)
    assert out[0] @ out[1] > out[0] @ out[2]  # semantically closer sentences are closer


def test_unknown_encoder_is_a_clear_error():
    with pytest.raises(ConfigError, match="unknown encoder 'clip'; known: minilm, color-layout, log-mel, frames-color-layout"):
        get_encoder("clip")
