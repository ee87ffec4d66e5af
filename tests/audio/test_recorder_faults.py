"""Each recording fault is detected, typed, reported through ``on_fault``, and what was
recorded before it is saved (or, when the disk is full, kept recoverable)."""

import json
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from audio.errors import DeviceLostError, InputOverflowError, StreamAbortedError, StreamStalledError
from audio.recorder import Recorder, RecorderState
from tests.conftest import REPO_ROOT
from tests.harness import diskfull_scenario


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


class FakeOverflowStatus:
    """A PortAudio callback status reporting an input overflow. A real one could not be
    provoked on the loopback: PulseAudio buffered even a 0.9 s SIGSTOP of the recording
    process without loss."""

    input_overflow = True


def test_portaudio_overflow_status_counts(pulse_loopback, tmp_path):
    faults = Faults()
    rec = Recorder(tmp_path, "pa_ovf", on_fault=faults)
    rec.start()
    time.sleep(0.3)
    block = np.zeros((320, 1), dtype=np.int16)
    rec._callback(block, 320, None, FakeOverflowStatus())
    time.sleep(0.3)
    assert not faults.seen and rec.overflows == 1  # the first one is tolerated and counted
    rec._callback(block, 320, None, FakeOverflowStatus())
    assert faults.event.wait(2)
    with pytest.raises(InputOverflowError) as exc:
        rec.stop()
    assert exc.value.result.overflows == 2


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


def _disk_full_outcome(pulse_loopback, tmp_path) -> dict:
    """Run the scenario on a real 2 MB tmpfs: mounted here when we may (root), else inside
    an unprivileged user+mount namespace (``unshare -rm``); fail with the reason if neither."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                             capture_output=True, text=True) if shutil.which("mount") else None
    if mounted is not None and mounted.returncode == 0:
        try:
            return diskfull_scenario.run(mnt)
        finally:
            subprocess.run(["umount", "-l", str(mnt)], check=False)
    if shutil.which("unshare"):
        p = subprocess.run(
            ["unshare", "--user", "--map-root-user", "--mount", sys.executable, "-m",
             "tests.harness.diskfull_scenario", str(mnt), "--mount"],
            cwd=REPO_ROOT, env=pulse_loopback.env(), capture_output=True, text=True, timeout=60,
        )
        if p.returncode == 0:
            return json.loads(p.stdout.strip().splitlines()[-1])
        why = f"unshare failed: {p.stderr.strip()[-300:]}"
    else:
        why = "no unshare"
    pytest.fail(f"cannot make a tiny disk: mount said {mounted.stderr.strip() if mounted else 'no mount'}; {why}")


def test_disk_full_keeps_what_was_recorded(pulse_loopback, tmp_path):
    out = _disk_full_outcome(pulse_loopback, tmp_path)
    assert out["fault_reported"] and out["on_fault_type"] == "DiskFullError"
    assert out["stop_raised"] == "DiskFullError" and "Освободите место" in out["user_text"]
    # No room for the FLAC: the journal stays, intact and recoverable; no temp files left.
    assert out["result_is_none"]
    assert out["journals"] == ["full.vprrec"] and out["leftovers"] == ["full.vprrec"]
    assert out["recovered_s"] > 0.8 and out["discarded_bytes"] == 0 and out["flac_frames_ok"]
    assert out["all_zero"]  # the null sink played nothing
