"""Each recording fault is detected, typed, reported through ``on_fault``, and what was
recorded before it is saved (or, when the disk is full, kept recoverable)."""

import os
import shutil
import subprocess
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from audio.errors import (
    DeviceLostError, DiskFullError, InputOverflowError, StreamAbortedError, StreamStalledError,
)
from audio.journal import find_journals
from audio.recorder import Recorder, RecorderState
from audio.recovery import recover


class Faults:
    """Collects what on_fault reports (called from the writer thread)."""

    def __init__(self):
        self.seen = []
        self.event = threading.Event()

    def __call__(self, exc):
        self.seen.append(exc)
        self.event.set()


def _fake_slow_disk(rec, pauses):
    """Replace the journal's append with one that first sleeps (a disk that stalls):
    the real journal still writes the data afterwards."""
    real = rec._journal.append
    pauses = list(pauses)

    def slow_append(payload):
        if pauses:
            time.sleep(pauses.pop(0))
        real(payload)

    rec._journal.append = slow_append


def test_single_overflow_is_counted_not_fatal(pulse_loopback, tmp_path):
    faults = Faults()
    rec = Recorder(tmp_path, "ovf1", on_fault=faults, queue_s=0.08)
    rec.start()
    time.sleep(0.3)
    _fake_slow_disk(rec, [0.4])
    time.sleep(0.8)
    res = rec.stop()
    assert res.overflows == 1 and res.dropped_frames > 0
    assert not faults.seen
    assert res.as_dict()["overflows"] == 1


def test_repeated_overflow_is_an_error(pulse_loopback, tmp_path):
    faults = Faults()
    rec = Recorder(tmp_path, "ovf2", on_fault=faults, queue_s=0.08)
    rec.start()
    time.sleep(0.3)
    _fake_slow_disk(rec, [0.4, 0.0, 0.0, 0.4, 0.0, 0.4])
    assert faults.event.wait(5)
    with pytest.raises(InputOverflowError) as exc:
        rec.stop()
    assert isinstance(faults.seen[0], InputOverflowError)
    assert exc.value.result is not None and exc.value.result.duration_s > 0.2
    assert exc.value.result.faults == ("audio_input_overflow",)
    assert rec.state is RecorderState.FAULTED


def test_stalled_stream(private_loopback, tmp_path):
    faults = Faults()
    rec = Recorder(tmp_path, "stall", on_fault=faults)
    rec.start()
    time.sleep(0.6)
    private_loopback.pause()
    try:
        t = time.monotonic()
        assert faults.event.wait(4)
        detected_after = time.monotonic() - t
    finally:
        private_loopback.resume()
    assert 0.95 <= detected_after <= 1.6  # measured from the pause; the watchdog counts from the last callback
    with pytest.raises(StreamStalledError) as exc:
        rec.stop()
    res = exc.value.result
    assert res is not None and res.duration_s == pytest.approx(0.6, abs=0.2)
    assert sf.info(str(res.path)).frames == res.frames


def test_device_gone(private_loopback, tmp_path):
    faults = Faults()
    rec = Recorder(tmp_path, "gone", on_fault=faults)
    rec.start()
    time.sleep(0.6)
    private_loopback.kill_daemon()
    assert faults.event.wait(4)
    with pytest.raises(DeviceLostError) as exc:
        rec.stop()
    assert "Микрофон отключился" in exc.value.user_text
    assert exc.value.result is not None and exc.value.result.duration_s == pytest.approx(0.6, abs=0.2)


def test_aborted_stream(pulse_loopback, tmp_path):
    faults = Faults()
    rec = Recorder(tmp_path, "abort", on_fault=faults)
    rec.start()
    time.sleep(0.5)
    rec._stream.abort()  # the audio system ends the stream; the device is still there
    assert faults.event.wait(3)
    with pytest.raises(StreamAbortedError) as exc:
        rec.stop()
    assert type(exc.value) is StreamAbortedError
    assert exc.value.result is not None and exc.value.result.duration_s > 0.3


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 2 MB tmpfs (needs root; CI runs as root)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.fail("the disk-full test needs root to mount a 2 MB tmpfs")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], check=True)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_keeps_what_was_recorded(pulse_loopback, tiny_disk):
    filler = tiny_disk / "filler"
    st = os.statvfs(tiny_disk)
    free = st.f_bavail * st.f_frsize
    filler.write_bytes(b"\0" * (free - 48 * 1024))  # ~1.5 s of 16 kHz audio left
    faults = Faults()
    rec = Recorder(tiny_disk, "full", on_fault=faults)
    rec.start()
    assert faults.event.wait(6)
    assert isinstance(faults.seen[0], DiskFullError)
    with pytest.raises(DiskFullError) as exc:
        rec.stop()
    assert "Освободите место" in exc.value.user_text
    # No room for the FLAC: the journal stays, intact and recoverable.
    assert exc.value.result is None
    assert [p.name for p in find_journals(tiny_disk)] == ["full.vprrec"]
    assert not list(tiny_disk.glob("*.tmp")) and not (tiny_disk / "full.flac").exists()
    filler.unlink()
    res = recover(tiny_disk)
    assert res.duration_s > 0.8 and res.discarded_bytes == 0
    assert sf.info(str(res.path)).frames == res.frames
    data, _ = sf.read(res.path, dtype="int16")
    assert np.all(data == 0)  # the null sink played nothing
