"""The streaming resampler keeps the speech band and rejects what would alias."""

import numpy as np
import pytest

from audio.resample import Resampler, resample


def _tone(freq, rate, seconds=1.0, amp=0.5):
    return amp * np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


@pytest.mark.parametrize("rate_in", [48000, 44100, 22050])
def test_passband_tone_kept(rate_in):
    y = resample(_tone(1000, rate_in), rate_in, 16000)
    assert len(y) == 16000
    ref = _tone(1000, 16000)
    assert np.max(np.abs(y[300:-300] - ref[300:-300])) < 2e-3


@pytest.mark.parametrize("rate_in", [48000, 44100])
def test_above_nyquist_rejected(rate_in):
    y = resample(_tone(10000, rate_in), rate_in, 16000)
    assert np.max(np.abs(y[300:-300])) < 1e-3  # < -54 dB re 0.5


def test_seven_khz_kept():
    y = resample(_tone(7000, 48000), 48000, 16000)
    rms = np.sqrt(np.mean(y[300:-300] ** 2))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_streaming_equals_one_shot():
    x = np.random.default_rng(3).normal(0, 0.1, 44100)
    r = Resampler(44100, 16000)
    parts = [r.feed(x[i:i + 313]) for i in range(0, len(x), 313)] + [r.flush()]
    assert np.allclose(np.concatenate(parts), resample(x, 44100, 16000))


def test_identity():
    x = np.arange(10.0)
    assert np.array_equal(resample(x, 16000, 16000), x)


def test_bad_rate():
    with pytest.raises(ValueError):
        Resampler(0, 16000)
