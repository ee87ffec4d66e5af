"""Diagnostics tests run on the real PulseAudio null-sink loopback (tests/harness)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.harness.fixtures import pulse_loopback  # noqa: F401

RATE = 48000


class RoomNoise:
    """White noise played into the loopback sink at ``rms_dbfs`` until stopped: the
    'room' a real microphone always hears (a null-sink monitor alone gives exact zeros)."""

    def __init__(self, rms_dbfs: float = -60.0) -> None:
        import sounddevice as sd

        self.amp = 10 ** (rms_dbfs / 20)
        self.rng = np.random.default_rng(1)
        self.lock = threading.Lock()
        self.stream = sd.OutputStream(samplerate=RATE, channels=1, dtype="float32", latency="high",
                                      callback=self._cb)
        self.stream.start()

    def _cb(self, outdata, frames, time_info, status) -> None:  # noqa: ANN001
        outdata[:, 0] = self.rng.standard_normal(frames).astype(np.float32) * self.amp

    def stop(self) -> None:
        self.stream.abort()
        self.stream.close()


@pytest.fixture
def room_noise(pulse_loopback):
    noise = RoomNoise(-60.0)
    import time

    time.sleep(0.3)  # let it reach the monitor
    yield noise
    noise.stop()
