"""Synthetic test signals for the diagnostics tests (pure numpy)."""

from __future__ import annotations

import numpy as np


def noise(seconds: float, rms_dbfs: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(int(seconds * rate)) * 10 ** (rms_dbfs / 20)


def speech(seconds: float, level_dbfs: float = -20.0, rate: int = 16000) -> np.ndarray:
    """Speech-like: 180 ms 'syllables' of a 150 Hz harmonic complex, 120 ms pauses.
    ``level_dbfs`` is the RMS of a syllable."""
    t = np.arange(int(0.18 * rate)) / rate
    syl = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 15))
    syl *= np.hanning(len(syl)) ** 0.3
    syl *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(syl ** 2))
    unit = np.concatenate([syl, np.zeros(int(0.12 * rate))])
    reps = int(np.ceil(seconds * rate / len(unit)))
    return np.tile(unit, reps)[:int(seconds * rate)]


def clipped(seconds: float, rate: int = 16000, drive: float = 3.0) -> np.ndarray:
    """A loud voice driven into full scale: speech at +drive gain, hard-clipped at +-1."""
    return np.clip(speech(seconds, -3.0, rate) * drive, -1.0, 1.0)
