"""Prompt and beep playback from memory.

:class:`Player` plays a numpy array, or encoded audio bytes (OGG/FLAC/WAV decoded with
soundfile from memory - prompts come decrypted out of the exam package and never touch
the disk), on one output device with a volume and a play counter.

Threads: ``play``/``stop``/``wait`` run in the caller's thread; the PortAudio callback
thread copies samples into the output buffer; ``on_start`` is called in the caller's
thread right after the stream starts and ``on_finish(completed)`` from PortAudio's
finished-callback thread - the station hands both to Kivy's ``Clock``.
"""

from __future__ import annotations

import io
import threading
from typing import Callable

import numpy as np
import soundfile as sf

from audio import devices
from audio.backend import sd
from audio.errors import AudioDecodeError, DeviceSettingsError, PlaybackError
from audio.resample import resample


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """Decode OGG/FLAC/WAV bytes to (float32 frames x channels, rate).

    Raises :class:`~audio.errors.AudioDecodeError`.
    """
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as exc:  # noqa: BLE001 - libsndfile raises RuntimeError/LibsndfileError
        raise AudioDecodeError(f"cannot decode {len(data)} bytes: {exc}") from exc
    if len(samples) == 0:
        raise AudioDecodeError("empty audio")
    return samples, int(rate)


def fit_to_device(samples: np.ndarray, rate: int, info: devices.DeviceInfo,
                  check=None) -> tuple[np.ndarray, int]:
    """Adapt (frames x channels) float32 ``samples`` to what the output device accepts
    (``check_output_settings``): the sound's own rate and channel count first, then
    stereo, then the device's default rate (resampled here - WASAPI shared mode accepts
    only its mix rate). Raises :class:`~audio.errors.DeviceSettingsError`.
    """
    check = check or sd.check_output_settings
    max_ch = max(1, info.max_output_channels)
    channel_options = [min(samples.shape[1], max_ch)] + ([2] if max_ch >= 2 else [])
    rates = [int(rate), int(info.default_samplerate)]
    last = ""
    for r in dict.fromkeys(rates):
        for ch in dict.fromkeys(channel_options):
            try:
                check(device=info.index, channels=ch, dtype="float32", samplerate=r)
            except Exception as exc:  # noqa: BLE001 - PortAudio raises several types
                last = str(exc)
                continue
            if ch == 1 and samples.shape[1] > 1:  # a mono device: mix the channels down, drop none
                out = samples.mean(axis=1, keepdims=True)
            else:
                out = samples[:, :ch] if samples.shape[1] >= ch else np.repeat(samples[:, :1], ch, axis=1)
            if r != rate:
                out = np.stack([resample(out[:, c], rate, r) for c in range(ch)], axis=1)
            return np.ascontiguousarray(out, dtype=np.float32), r
    raise DeviceSettingsError(f"{info.stable_name}: cannot play {samples.shape[1]} ch at {rate} Hz ({last})")


class Player:
    """Plays one sound at a time on ``device`` (stable name; None = default output).

    ``underflows`` counts output underflows of the current/last sound (a glitch the
    listener may have heard; the station logs it).
    """

    # An explicit 0.1 s output latency: on the PulseAudio ALSA plugin 'high' latency
    # underflowed under load (measured: 16 underflows in 1.5 s), 0.1 s never did, and
    # it keeps volume changes and stop() responsive.
    LATENCY_S = 0.1

    def __init__(self, device: str | None = None, *, volume: float = 1.0) -> None:
        self.device_name = device
        self._volume = 1.0
        self.volume = volume
        self.play_count = 0
        self.underflows = 0
        self._stream: sd.OutputStream | None = None
        self._done = threading.Event()
        self._done.set()
        self._lock = threading.Lock()
        self._completed = False

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, value: float) -> None:
        """Linear gain 0..1, applied live. Raises ``ValueError`` outside the range."""
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError("volume must be within 0..1")
        self._volume = float(value)

    @property
    def playing(self) -> bool:
        return not self._done.is_set()

    def play(self, sound: np.ndarray | bytes, rate: int | None = None, *,
             on_start: Callable[[], None] | None = None,
             on_finish: Callable[[bool], None] | None = None) -> None:
        """Start playing (returns at once); stops whatever was playing.

        ``sound`` is encoded bytes, or float samples (1-D mono or frames x channels)
        with ``rate``. ``on_finish(completed)`` gets False when stopped early or aborted.
        Raises :class:`AudioDecodeError`, :class:`PlaybackError`,
        :class:`~audio.errors.DeviceNotFoundError`, ``DeviceSettingsError``.
        """
        if isinstance(sound, (bytes, bytearray, memoryview)):
            samples, rate = decode(bytes(sound))
        else:
            if rate is None or rate <= 0:
                raise ValueError("rate is required for sample arrays")
            samples = np.asarray(sound, dtype=np.float32)
            if samples.ndim == 1:
                samples = samples[:, None]
        self.stop()
        info = devices.find_device(self.device_name, devices.DeviceKind.OUTPUT)
        samples, rate = fit_to_device(samples, rate, info)
        channels = samples.shape[1]
        pos = 0
        tail = [0]  # frames of silence still to play after the sound (set once the stream exists)

        def callback(outdata, frames, time_info, status) -> None:  # noqa: ANN001
            nonlocal pos
            if status.output_underflow:
                self.underflows += 1
            chunk = samples[pos:pos + frames]
            n = len(chunk)
            outdata[:n] = chunk * self._volume
            pos += n
            if n < frames:
                outdata[n:] = 0
                # Play silence for the output latency before stopping: some backends drop
                # (not drain) the buffer on stop, which would cut the end of a prompt.
                tail[0] -= frames - n
                if tail[0] <= 0:
                    self._completed = True
                    raise sd.CallbackStop

        def finished() -> None:
            devices.stream_closed()
            self._done.set()
            if on_finish is not None:
                on_finish(self._completed)

        with self._lock:
            self._completed = False
            self.underflows = 0
            self._done.clear()
            try:
                self._stream = sd.OutputStream(
                    device=info.index, samplerate=rate, channels=channels, dtype="float32",
                    latency=self.LATENCY_S, callback=callback, finished_callback=finished,
                )
                tail[0] = int(round((self._stream.latency + 0.05) * rate))
                devices.stream_opened()
                self._stream.start()
            except Exception as exc:  # noqa: BLE001 - PortAudio errors have several types
                self._done.set()
                if self._stream is not None:
                    devices.stream_closed()
                    self._stream = None
                raise PlaybackError(f"cannot play on {info.stable_name}: {exc}") from exc
            self.play_count += 1
        if on_start is not None:
            on_start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback ends; True if it ended within ``timeout``."""
        ended = self._done.wait(timeout)
        if ended:
            self._close()
        return ended

    def stop(self) -> None:
        """Stop playback now (``on_finish(False)``); a no-op when idle."""
        with self._lock:
            stream = self._stream
        if stream is not None:
            try:
                stream.abort()
            except Exception:  # noqa: BLE001
                pass
            self._done.wait(2.0)
            self._close()

    def _close(self) -> None:
        with self._lock:
            if self._stream is not None:
                try:
                    self._stream.close()
                except Exception:  # noqa: BLE001
                    pass
                self._stream = None
