"""Generated signals: the start/stop beeps and test tones. Pure numpy; no I/O."""

from __future__ import annotations

import numpy as np

DEFAULT_RATE = 48000


def tone(freq: float, seconds: float, rate: int = DEFAULT_RATE, amplitude: float = 0.5,
         fade_s: float = 0.01) -> np.ndarray:
    """A sine as float32 mono with short raised-cosine fades (no clicks).

    Raises ``ValueError`` for a non-positive rate/duration or amplitude outside [0, 1].
    """
    if rate <= 0 or seconds <= 0 or not 0.0 <= amplitude <= 1.0:
        raise ValueError("bad tone parameters")
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    x = amplitude * np.sin(2 * np.pi * freq * t)
    f = min(int(fade_s * rate), n // 2)
    if f > 0:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, f))
        x[:f] *= ramp
        x[n - f:] *= ramp[::-1]
    return x.astype(np.float32)


def beep(kind: str = "start", rate: int = DEFAULT_RATE) -> np.ndarray:
    """The station's signal before speaking (``"start"``: 1 kHz, 0.4 s) and after the
    answer time ends (``"stop"``: two short 660 Hz beeps). Raises ``ValueError``."""
    if kind == "start":
        return tone(1000.0, 0.4, rate, 0.4)
    if kind == "stop":
        gap = np.zeros(int(0.1 * rate), dtype=np.float32)
        b = tone(660.0, 0.15, rate, 0.4)
        return np.concatenate([b, gap, b])
    raise ValueError(f"unknown beep {kind!r}")
