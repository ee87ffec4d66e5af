"""The audio the flow needs, behind one small interface: play a sound, know whether it
still plays, record one answer piece, read the level, learn about a fault, stop and get
the finished recording. :class:`RealAudioPort` does it with :mod:`audio` on the real
devices; tests of pure logic use a fake named as such.

Threads: all methods are called from the flow's (UI) thread. The recorder's writer
thread and PortAudio threads only set state that ``recording_fault()`` and ``playing()``
read."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

import threading

from audio.errors import RecordingFault
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from audio.player import Player
from audio.recorder import LevelReading, Recorder
from audio.results import RecordingResult


class AudioPort(Protocol):
    def play(self, sound: bytes | np.ndarray, rate: int | None = None) -> None: ...
    def playing(self) -> bool: ...
    def stop_playback(self) -> None: ...
    def start_recording(self, out_dir: Path, name: str, *, plain: bool = False) -> None: ...
    def recording(self) -> bool: ...
    def level(self) -> LevelReading | None: ...
    def recording_fault(self) -> Exception | None: ...
    def stop_recording(self) -> RecordingResult: ...
    def stop_recording_async(self) -> None: ...
    def stop_outcome(self) -> RecordingResult | RecordingFault | None: ...


class RealAudioPort:
    """The station's devices (stable names from the station config; None = default)."""

    def __init__(self, input_device: str | None = None, output_device: str | None = None,
                 volume: float = 1.0, seal_to: X25519PublicKey | None = None) -> None:
        self.input_device = input_device
        self.seal_to = seal_to  # the node's recording key: every answer is encrypted for it
        self.player = Player(output_device, volume=volume)
        self._recorder: Recorder | None = None
        self._fault: Exception | None = None
        self._outcome: RecordingResult | RecordingFault | None = None
        self._finalizer: threading.Thread | None = None

    def play(self, sound: bytes | np.ndarray, rate: int | None = None) -> None:
        self.player.play(sound, rate)

    def playing(self) -> bool:
        return self.player.playing

    def stop_playback(self) -> None:
        self.player.stop()

    def start_recording(self, out_dir: Path, name: str, *, plain: bool = False) -> None:
        """Raises the :class:`audio.errors.AudioError` that prevents recording.
        ``plain``: not sealed for the node (the sound check's phrase, which the student
        hears back at once and which is deleted right after)."""
        self._fault = None
        recorder = Recorder(out_dir, name, self.input_device, on_fault=self._on_fault,
                            seal_to=None if plain else self.seal_to)
        recorder.start()
        self._recorder = recorder

    def _on_fault(self, exc: Exception) -> None:  # writer thread: only store it
        self._fault = exc

    def recording(self) -> bool:
        return self._recorder is not None

    def level(self) -> LevelReading | None:
        return self._recorder.level if self._recorder else None

    def recording_fault(self) -> Exception | None:
        return self._fault

    def stop_recording(self) -> RecordingResult:
        """Finalize the piece; raises the recording's fault with ``.result`` set."""
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            raise RuntimeError("not recording")
        return recorder.stop()

    def stop_recording_async(self) -> None:
        """Finalize the piece on a worker thread; poll :meth:`stop_outcome`."""
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            raise RuntimeError("not recording")
        self._outcome = None

        def finalize() -> None:
            try:
                self._outcome = recorder.stop()
            except RecordingFault as exc:
                self._outcome = exc
            except Exception as exc:  # noqa: BLE001 - must reach the flow, never vanish
                fault = RecordingFault(f"finalize failed: {exc!r}")
                fault.result = None
                self._outcome = fault

        self._finalizer = threading.Thread(target=finalize, name="answer-finalize", daemon=False)
        self._finalizer.start()

    def stop_outcome(self) -> RecordingResult | RecordingFault | None:
        """The finished piece (or its fault) once finalizing is over, else None."""
        if self._finalizer is not None and not self._finalizer.is_alive():
            self._finalizer = None
            outcome, self._outcome = self._outcome, None
            return outcome
        return None
