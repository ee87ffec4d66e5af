"""The crash-safe recorder the station and ``vpr-diagnose record`` use.

Threads:
* the PortAudio callback thread runs :meth:`Recorder._callback`: it copies the block
  into a bounded queue and updates counters - no files, no logging, no blocking;
* one writer thread per recording (:meth:`Recorder._writer`) owns the journal: it
  drains the queue, mixes to mono, appends an fsync'd piece at least every
  ``flush_interval`` seconds (default 0.1 s), updates the level slot, and watches for
  faults (overflows beyond the tolerated one, no callback for ``stall_timeout`` s, a
  stream the audio system ended, a write error). On a fault it persists what is queued,
  stops the stream and calls ``on_fault(exc)`` - from the writer thread, so the UI must
  hand it over to its own thread (Kivy ``Clock.schedule_once``);
* the caller's thread runs :meth:`start` and :meth:`stop`; ``stop()`` finalizes the
  journal into FLAC + sidecar (see :mod:`audio.finalize`) and returns the
  :class:`~audio.results.RecordingResult`, or raises the fault with ``.result`` set.

With ``seal_to`` (the node's X25519 recording key; the station always gives it) the
recording gets its own random key, wrapped for the node in the journal's header; every
piece is encrypted before it is written and the result is ``<name>.vprenc`` (see
:mod:`audio.encryption`). Diagnostics' control recordings stay plain FLAC.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Callable

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from audio import devices
from audio.backend import sd
from audio.analysis import dbfs
from audio.errors import (
    AudioError, DeviceLostError, DiskFullError, InputOverflowError, RecordingExistsError,
    RecordingFault, StorageError, StreamAbortedError, StreamStalledError, StreamStartError,
)
from audio.encryption import new_recording_key, new_salt, wrap_key
from audio.finalize import finalize_journal, flac_path_for, sealed_path_for
from audio.journal import SUFFIX, JournalWriter
from audio.results import RecordingResult
from vpr_common.errors import is_disk_full

_STOP = object()
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class RecorderState(Enum):
    """Life cycle of one :class:`Recorder`."""

    IDLE = "idle"
    RECORDING = "recording"
    FAULTED = "faulted"
    STOPPED = "stopped"


@dataclass(frozen=True)
class LevelReading:
    """The latest input level (the level meter polls this slot)."""

    peak_dbfs: float
    rms_dbfs: float
    clipped: bool
    zero_run_s: float  # how long the input has been exact digital zeros
    frames: int  # frames captured so far
    at: float  # time.monotonic() of the reading


class Recorder:
    """Record one answer from ``device`` (stable name; ``None`` = default input) into
    ``out_dir/<name>.flac``.

    ``capture_rate`` is only the first rate tried (then the device's own rate); the
    file is always stored at 16 kHz. ``flush_interval`` bounds what a crash can lose;
    ``stall_timeout`` is the watchdog; ``overflow_limit`` overflow events are
    tolerated (counted in the result), one more is a fault.

    ``start()`` raises :class:`~audio.errors.DeviceNotFoundError`,
    ``DeviceSettingsError``, ``RecordingExistsError`` or ``StorageError``.
    ``stop()`` raises the :class:`~audio.errors.RecordingFault` that ended the
    recording (with ``.result`` holding the finalized audio recorded before it).
    """

    def __init__(
        self, out_dir: Path, name: str, device: str | None = None, *,
        on_fault: Callable[[RecordingFault], None] | None = None,
        flush_interval: float = 0.1, stall_timeout: float = 1.0, overflow_limit: int = 1,
        block_s: float = 0.02, queue_s: float = 5.0, latency: str | float = "high",
        capture_rate: int = devices.STORAGE_RATE, seal_to: X25519PublicKey | None = None,
    ) -> None:
        if not _SAFE_NAME.match(name):
            raise ValueError(f"unsafe recording name {name!r}")
        self.out_dir = Path(out_dir)
        self.name = name
        self.device_name = device
        self.on_fault = on_fault
        self.flush_interval = flush_interval
        self.stall_timeout = stall_timeout
        self.overflow_limit = overflow_limit
        self.block_s = block_s
        self.queue_s = queue_s
        self.latency = latency
        self.capture_rate = capture_rate
        self.seal_to = seal_to  # the node's recording key: the journal and the result are encrypted for it
        self._key: bytes | None = None
        self.journal_path = self.out_dir / f"{name}{SUFFIX}"
        self.state = RecorderState.IDLE
        self.fault: RecordingFault | None = None
        self.capture_started_at: float | None = None  # monotonic time of the first captured frame
        self.frames_captured = 0
        self.pa_overflows = 0
        self.dropped_frames = 0
        self._level: LevelReading | None = None
        self._stream: sd.InputStream | None = None
        self._stream_open = False
        self._stream_lock = threading.Lock()
        self._finished = threading.Event()
        self._stopping = False
        self._writer_thread: threading.Thread | None = None
        self._journal: JournalWriter | None = None
        self._last_cb = 0.0
        self._drop_events = 0
        self._in_drop = False
        self._stopped = False
        self._result: RecordingResult | None = None

    # -- public ----------------------------------------------------------------
    @property
    def level(self) -> LevelReading | None:
        """The latest level reading (None before the first block)."""
        return self._level

    @property
    def overflows(self) -> int:
        """PortAudio input overflows plus runs of blocks dropped because the queue was full
        (one run of consecutive dropped blocks is one overflow event)."""
        return self.pa_overflows + self._drop_events

    def start(self) -> None:
        """Open the journal, then the input stream, then start writing."""
        if self.state is not RecorderState.IDLE:
            raise RuntimeError("a Recorder records once")
        info = devices.find_device(self.device_name, devices.DeviceKind.INPUT)
        fmt = devices.choose_input_format(info, self.capture_rate)
        self._info, self._fmt = info, fmt
        if any(p.exists() for p in (self.journal_path, flac_path_for(self.journal_path),
                                    sealed_path_for(self.journal_path))):
            raise RecordingExistsError(f"{self.journal_path} or its FLAC exists")
        self.out_dir.mkdir(parents=True, exist_ok=True)
        params = {
            "version": 1, "name": self.name, "capture_rate": fmt.samplerate, "channels": 1,
            "sample_format": "s16le", "device": info.stable_name,
            "started_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        }
        if self.seal_to is not None:
            self._key = new_recording_key()
            params["sealed_to"] = wrap_key(self._key, self.seal_to)
            params["salt"] = new_salt()
        try:
            self._journal = JournalWriter(self.journal_path, params, self._key)
        except FileExistsError as exc:
            raise RecordingExistsError(str(exc)) from exc
        except OSError as exc:
            raise (DiskFullError if is_disk_full(exc) else StorageError)(str(exc)) from exc
        blocksize = max(1, int(round(fmt.samplerate * self.block_s)))
        self._queue: queue.Queue = queue.Queue(maxsize=max(4, int(self.queue_s / self.block_s)))
        self._drop_events = 0
        self._in_drop = False
        try:
            self._stream = sd.InputStream(
                device=info.index, samplerate=fmt.samplerate, channels=fmt.channels, dtype="int16",
                blocksize=blocksize, latency=self.latency, callback=self._callback,
                finished_callback=self._finished.set,
            )
            devices.stream_opened()
            self._stream_open = True
            self._last_cb = time.monotonic()
            self.state = RecorderState.RECORDING
            self._writer_thread = threading.Thread(target=self._writer, name=f"rec-writer-{self.name}", daemon=True)
            self._writer_thread.start()
            self._stream.start()
        except Exception as exc:
            self._stopping = True
            self._close_stream(abort=True)
            self._queue.put(_STOP)
            if self._writer_thread is not None:
                self._writer_thread.join()
            self._journal.close()
            self.journal_path.unlink(missing_ok=True)
            self.state = RecorderState.STOPPED
            if isinstance(exc, AudioError):
                raise
            raise StreamStartError(f"cannot start input stream on {info.stable_name}: {exc}") from exc

    def stop(self) -> RecordingResult:
        """Stop capturing, finalize and return the result; raise the fault if one ended
        the recording (its ``.result`` is the saved audio, or None when even
        finalizing failed - the journal then stays for recovery)."""
        if self.state is RecorderState.IDLE:
            raise RuntimeError("not started")
        if self._stopped:  # a second stop() answers like the first
            if self.fault is not None:
                raise self.fault
            assert self._result is not None
            return self._result
        self._stopping = True
        self._close_stream(abort=False)
        if self._writer_thread is not None and self._writer_thread.is_alive():
            self._put_stop()
            self._writer_thread.join()
        assert self._journal is not None
        self._journal.close()
        fault = self.fault
        faults = (fault.code,) if fault else ()
        try:
            result = finalize_journal(
                self.journal_path, recovered=False, overflows=self.overflows,
                dropped_frames=self.dropped_frames, faults=faults, key=self._key,
            )
        except AudioError as exc:
            self.state = RecorderState.FAULTED
            if fault is not None:
                fault.result = None
                self._stopped = True
                raise fault from exc
            raise
        self._stopped = True
        self._key = None  # dropped (Python cannot wipe it); the files hold it only wrapped for the node
        self._result = result
        self.state = RecorderState.FAULTED if fault else RecorderState.STOPPED
        if fault is not None:
            fault.result = result
            raise fault
        return result

    # -- PortAudio callback thread ---------------------------------------------------
    def _callback(self, indata, frames, time_info, status) -> None:  # noqa: ANN001
        now = time.monotonic()
        if self.capture_started_at is None:
            self.capture_started_at = now - frames / self._fmt.samplerate
        self._last_cb = now
        if status.input_overflow:
            self.pa_overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
            self._in_drop = False
        except queue.Full:
            if not self._in_drop:
                self._drop_events += 1
                self._in_drop = True
            self.dropped_frames += frames

    # -- writer thread --------------------------------------------------------------
    def _put_stop(self) -> None:
        while self._writer_thread is not None and self._writer_thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=0.1)
                return
            except queue.Full:
                continue

    def _close_stream(self, abort: bool, timeout: float = 2.0) -> bool:
        """Stop and close the stream in a helper thread; give up waiting after
        ``timeout`` s (a frozen audio server can block PortAudio's close forever, and
        neither the writer nor ``stop()`` may hang on it). True if it closed in time."""
        with self._stream_lock:
            if self._stream is None or not self._stream_open:
                return True
            self._stream_open = False
            stream = self._stream
        done = threading.Event()

        def work() -> None:
            try:
                (stream.abort if abort else stream.stop)()
            except Exception:  # noqa: BLE001 - a dead stream may refuse to stop; closing matters
                pass
            try:
                stream.close()
            except Exception:  # noqa: BLE001
                pass
            devices.stream_closed()
            done.set()

        threading.Thread(target=work, name=f"rec-close-{self.name}", daemon=True).start()
        return done.wait(timeout)

    def _to_mono(self, block: np.ndarray) -> np.ndarray:
        if block.shape[1] == 1:
            return block[:, 0]
        return np.round(block.astype(np.float64).mean(axis=1)).astype(np.int16)

    def _update_level(self, mono: np.ndarray, zero_run: int) -> None:
        x = mono.astype(np.float64) / 32768.0
        peak = float(np.max(np.abs(x))) if len(x) else 0.0
        rms = float(np.sqrt(np.mean(x * x))) if len(x) else 0.0
        self._level = LevelReading(
            peak_dbfs=dbfs(peak), rms_dbfs=dbfs(rms), clipped=bool(peak >= 32767 / 32768),
            zero_run_s=zero_run / self._fmt.samplerate, frames=self.frames_captured, at=time.monotonic(),
        )

    def _check(self, now: float) -> RecordingFault | None:
        if self._stopping:
            return None
        if self.overflows > self.overflow_limit:
            return InputOverflowError(f"{self.overflows} overflows, {self.dropped_frames} frames dropped")
        if self._finished.is_set():
            return StreamAbortedError("input stream finished by the audio system")
        if now - self._last_cb > self.stall_timeout:
            return StreamStalledError(f"no audio for {now - self._last_cb:.2f} s")
        return None

    def _writer(self) -> None:
        assert self._journal is not None
        buf = bytearray()
        last_flush = time.monotonic()
        zero_run = 0
        fault: RecordingFault | None = None
        draining = False
        while True:
            try:
                item = self._queue.get(timeout=0.02) if not draining else self._queue.get_nowait()
            except queue.Empty:
                item = None
                if draining:
                    item = _STOP
            if item is not None and item is not _STOP:
                mono = self._to_mono(item)
                self.frames_captured += len(mono)
                nz = np.flatnonzero(mono)
                zero_run = zero_run + len(mono) if len(nz) == 0 else len(mono) - 1 - int(nz[-1])
                self._update_level(mono, zero_run)
                buf += mono.astype("<i2").tobytes()
            now = time.monotonic()
            if buf and (item is _STOP or now - last_flush >= self.flush_interval):
                try:
                    self._journal.append(bytes(buf))
                except OSError as exc:
                    fault = (DiskFullError if is_disk_full(exc)
                             else StorageError)(f"journal write: {exc}")
                    break
                buf.clear()
                last_flush = now
            if item is _STOP:
                break
            if fault is None and not draining:
                fault = self._check(now)
                if fault is not None:
                    draining = True  # persist everything already queued, then stop
        if fault is not None:
            if isinstance(fault, StreamAbortedError):
                # The stream already ended: closing is quick, then ask whether the device is still there.
                self._close_stream(abort=True)
                if not devices.input_device_alive(self._info, self._fmt):
                    fault = DeviceLostError(f"{self._info.stable_name} is gone ({fault.detail})")
            self.fault = fault
            self.state = RecorderState.FAULTED
            if self.on_fault is not None:
                try:
                    self.on_fault(fault)
                except Exception:  # noqa: BLE001 - a broken listener must not kill the writer
                    pass
            self._close_stream(abort=True)
