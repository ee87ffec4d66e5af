"""SIGKILL a recording process at several points, then recover: at most 0.25 s lost,
a valid FLAC, the hash in the sidecar matches the file, the audio has no gaps."""

import hashlib
import json
import os
import signal
import time

import numpy as np
import pytest
import soundfile as sf

from audio.journal import find_journals
from audio.player import Player
from audio.recovery import recover
from audio.tones import tone
from tests.harness.record_child import start_recording_child

MAX_LOSS_S = 0.25


@pytest.mark.parametrize("kill_after", [0.35, 1.3, 2.55])
def test_sigkill_then_recover(pulse_loopback, tmp_path, kill_after):
    player = Player()
    player.play(tone(500, kill_after + 1.5, 48000, 0.3), 48000)  # a "voice" while recording
    proc, t0 = start_recording_child(pulse_loopback, tmp_path, "answer")
    time.sleep(max(0.0, t0 + kill_after - time.monotonic()))
    t_kill = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    player.stop()
    assert [p.name for p in find_journals(tmp_path)] == ["answer.vprrec"]

    res = recover(tmp_path)
    captured_s = t_kill - t0
    loss = captured_s - res.duration_s
    print(f"kill after {captured_s:.3f} s: recovered {res.duration_s:.3f} s, loss {loss * 1000:.0f} ms")
    assert res.recovered and res.pieces > 0
    assert -0.05 <= loss <= MAX_LOSS_S
    assert res.sha256 == hashlib.sha256(res.path.read_bytes()).hexdigest()
    side = json.loads(res.sidecar_path.read_text())
    assert side["sha256"] == res.sha256 and side["recovered"] is True
    assert not find_journals(tmp_path)
    data, rate = sf.read(res.path, dtype="float64")
    assert rate == 16000 and len(data) == res.frames
    # No gaps: once the tone arrived, every 30 ms block carries it.
    blk = 480
    levels = np.array([np.sqrt(np.mean(data[i:i + blk] ** 2)) for i in range(0, len(data) - blk, blk)])
    on = np.flatnonzero(levels > 0.1)
    assert len(on) > 3
    assert np.all(levels[on[0]:on[-1] + 1] > 0.15), "a gap inside the recorded tone"
