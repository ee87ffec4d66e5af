"""Fakes for pure-logic tests of the station flow (the real devices are exercised by
the loopback tests and the self-test): ``FakeClock`` and ``FakeAudioPort``, which
"records" by writing a real FLAC of a chosen signal when the piece stops."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import soundfile as sf

from audio.analysis import analyze
from audio.errors import RecordingFault
from audio.recorder import LevelReading
from audio.results import RecordingResult


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class FakeAudioPort:
    """``signal`` is "speech" (noise bursts at about -20 dBFS with pauses), "silence"
    (-70 dBFS noise), "zeros" (digital silence), "noisy" (bursts drowned in loud noise)
    or "clipped" (bursts at full scale)."""

    def __init__(self, clock: FakeClock, signal: str = "speech", play_seconds: float = 0.5) -> None:
        self.clock = clock
        self.signal = signal
        self.play_seconds = play_seconds
        self.played: list[object] = []
        self._play_end = 0.0
        self._rec: tuple[Path, str, float] | None = None
        self.fault: Exception | None = None

    def play(self, sound, rate=None) -> None:
        self.played.append(sound)
        self._play_end = self.clock() + self.play_seconds

    def playing(self) -> bool:
        return self.clock() < self._play_end

    def stop_playback(self) -> None:
        self._play_end = 0.0

    def start_recording(self, out_dir: Path, name: str, *, plain: bool = False) -> None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        self.plain_recordings = getattr(self, "plain_recordings", []) + ([name] if plain else [])
        self._rec = (Path(out_dir), name, self.clock())
        self.fault = None

    def recording(self) -> bool:
        return self._rec is not None

    def level(self):
        if self._rec is None:
            return None
        rms = {"speech": -20.0, "silence": -70.0, "zeros": float("-inf"), "noisy": -18.0,
               "clipped": 0.0}[self.signal]
        return LevelReading(rms + 6, rms, False, 0.0, 0, self.clock())

    def recording_fault(self):
        return self.fault

    def _samples(self, seconds: float) -> np.ndarray:
        n = max(int(seconds * 16000), 1)
        rng = np.random.default_rng(0)
        if self.signal == "zeros":
            return np.zeros(n, np.int16)
        x = rng.standard_normal(n) * 10  # the room: about -70 dBFS
        if self.signal == "speech":  # syllables: 250 ms bursts at about -20 dBFS, 150 ms pauses
            t = np.arange(n) / 16000
            x = np.where((t % 0.4) < 0.25, rng.standard_normal(n) * 3000, x)
        elif self.signal == "noisy":  # a voice drowned in noise: no pauses below -26 dBFS
            x = rng.standard_normal(n) * 1500 + np.where((np.arange(n) / 16000 % 0.4) < 0.25,
                                                         rng.standard_normal(n) * 3000, 0)
        elif self.signal == "clipped":  # shouting into the microphone: square-ish, at full scale
            x = np.where((np.arange(n) / 16000 % 0.4) < 0.25, np.sign(rng.standard_normal(n)) * 40000, x)
        return x.clip(-32767, 32767).astype(np.int16)

    def stop_recording_async(self) -> None:
        """Finalizes at once (the real port uses a thread); :meth:`stop_outcome` returns it."""
        try:
            self._pending = self.stop_recording()
        except RecordingFault as exc:
            self._pending = exc

    def stop_outcome(self):
        outcome, self._pending = getattr(self, "_pending", None), None
        return outcome

    def stop_recording(self) -> RecordingResult:
        out_dir, name, started = self._rec
        self._rec = None
        seconds = self.clock() - started
        samples = self._samples(seconds)
        path = out_dir / f"{name}.flac"
        sf.write(path, samples, 16000, subtype="PCM_16")
        data = path.read_bytes()
        res = RecordingResult(path=path, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
                              duration_s=len(samples) / 16000, frames=len(samples), sample_rate=16000,
                              capture_rate=16000, analysis=analyze(samples, 16000))
        res.write_sidecar()
        if self.fault is not None:
            exc = RecordingFault("fake fault: device unplugged")
            exc.result = res
            raise exc
        return res
