"""The recorder on the real loopback: known signals played into the null sink come
back at the right level and frequency, with no gaps and the right duration."""

import hashlib
import json
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from audio.errors import DeviceNotFoundError, RecordingExistsError
from audio.player import Player
from audio.recorder import Recorder, RecorderState
from audio.tones import tone


def _play(samples, rate=48000):
    """Play through the station's own Player (it plays out its buffer before stopping)."""
    player = Player()
    player.play(samples, rate)
    return player


def _block_levels(x, blk=480):
    return np.array([np.sqrt(np.mean(x[i:i + blk] ** 2)) for i in range(0, len(x) - blk + 1, blk)])


@pytest.mark.parametrize("capture_rate", [16000, 48000])
def test_tone_comes_back_at_level_and_frequency(pulse_loopback, tmp_path, capture_rate):
    rec = Recorder(tmp_path, "tone", capture_rate=capture_rate)
    rec.start()
    t0 = time.monotonic()
    time.sleep(0.2)
    _play(tone(1000, 1.5, 48000, 0.5, fade_s=0.002)).wait(5)
    time.sleep(0.3)
    elapsed = time.monotonic() - t0
    res = rec.stop()
    assert rec.state is RecorderState.STOPPED
    assert res.capture_rate == capture_rate and res.sample_rate == 16000
    # Duration: what was captured matches wall-clock time (minus start-up latency).
    assert elapsed - 0.25 <= res.duration_s <= elapsed + 0.05
    x, rate = sf.read(res.path, dtype="float64")
    on = _block_levels(x) > 0.1
    idx = np.flatnonzero(on)
    assert (idx[-1] - idx[0] + 1) * 0.03 == pytest.approx(1.5, abs=0.07)
    assert on[idx[0]:idx[-1] + 1].all(), "gap inside the tone"
    seg = x[idx[0] * 480 + 960: idx[-1] * 480 - 960]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    assert np.argmax(spec) * rate / len(seg) == pytest.approx(1000, abs=3)
    assert 20 * np.log10(np.max(np.abs(seg))) == pytest.approx(-6.02, abs=0.5)
    # Whole-file peak: a playback click at the onset can overshoot after band-limiting.
    assert -7.0 <= res.analysis.peak_dbfs <= -4.5
    assert res.analysis.clipped_fraction == 0.0
    assert res.overflows == 0 and res.dropped_frames == 0 and res.faults == ()
    assert res.sha256 == hashlib.sha256(res.path.read_bytes()).hexdigest()
    assert json.loads(res.sidecar_path.read_text())["duration_s"] == pytest.approx(res.duration_s, abs=1e-3)
    assert not rec.journal_path.exists()


def test_level_slot_polled_like_a_meter(pulse_loopback, tmp_path):
    rec = Recorder(tmp_path, "meter")
    rec.start()
    readings = []
    player = _play(tone(440, 1.0, 48000, 0.25))
    for _ in range(30):  # 30 polls a second for one second
        readings.append(rec.level)
        time.sleep(1 / 30)
    player.wait(5)
    rec.stop()
    got = [r for r in readings if r is not None]
    assert len(got) >= 25
    assert len({r.frames for r in got}) >= 15, "the slot must refresh several times a second"
    assert max(r.peak_dbfs for r in got) == pytest.approx(-12.0, abs=1.0)


def test_digital_zeros_are_reported(pulse_loopback, tmp_path):
    # Nothing plays: the null-sink monitor returns exact zeros, like a privacy-blocked mic.
    rec = Recorder(tmp_path, "zeros")
    rec.start()
    time.sleep(0.8)
    assert rec.level is not None and rec.level.zero_run_s > 0.4
    res = rec.stop()
    assert res.analysis.digital_silence
    assert res.analysis.speech_fraction == 0.0
    assert res.analysis.longest_silence_s == pytest.approx(res.duration_s, abs=0.05)


def test_on_fault_not_called_on_clean_stop(pulse_loopback, tmp_path):
    called = threading.Event()
    rec = Recorder(tmp_path, "clean", on_fault=lambda e: called.set())
    rec.start()
    time.sleep(0.3)
    res = rec.stop()
    assert not called.is_set()
    assert rec.stop() is res  # a second stop answers like the first
    with pytest.raises(RuntimeError):
        rec.start()  # a Recorder records once


def test_existing_recording_is_not_overwritten(pulse_loopback, tmp_path):
    (tmp_path / "dup.vprrec").write_bytes(b"interrupted earlier")
    with pytest.raises(RecordingExistsError):
        Recorder(tmp_path, "dup").start()
    assert (tmp_path / "dup.vprrec").read_bytes() == b"interrupted earlier"


def test_unknown_device(pulse_loopback, tmp_path):
    with pytest.raises(DeviceNotFoundError) as exc:
        Recorder(tmp_path, "x", device="No Such Headset [ALSA]").start()
    assert "гарнитура" in exc.value.user_text


def test_unsafe_name_rejected(tmp_path):
    with pytest.raises(ValueError):
        Recorder(tmp_path, "../evil")
