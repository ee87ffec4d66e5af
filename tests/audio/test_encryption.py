"""Recordings encrypted at rest, on the real loopback: what a station writes - the
journal while recording, the sealed file after a normal stop or after a SIGKILL and
recovery - cannot be decoded on the station or on another PC; only the node's private
key opens it, to exactly the audio that was recorded; a file sealed for another node,
or altered, is refused with a typed error."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import time

import numpy as np
import pytest
import soundfile as sf
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from audio.encryption import load_public_key_b64, public_key_b64, unwrap_key, wrap_key
from audio.errors import JournalTamperedError, RecordingEncryptedError, RecordingKeyError
from audio.finalize import open_sealed
from audio.journal import find_journals, read_journal, read_params
from audio.player import Player
from audio.recorder import Recorder
from audio.recovery import recover
from audio.tones import tone
from tests.harness.record_child import start_recording_child

MAX_LOSS_S = 0.25


@pytest.fixture()
def node_key():
    return X25519PrivateKey.generate()


def _unreadable_here(folder) -> None:
    """What a thief copying the folder gets: no file decodes as audio, no FLAC stream
    inside any file, and the key exists only wrapped."""
    for f in folder.iterdir():
        raw = f.read_bytes()
        assert b"fLaC" not in raw, f.name
        if f.suffix != ".json":
            with pytest.raises(Exception):
                sf.read(io.BytesIO(raw))
            params = read_params(f)
            assert set(params["sealed_to"]) == {"alg", "kid", "epk", "wrapped"}
            with pytest.raises(RecordingEncryptedError):
                read_journal(f, lambda _b: None)


def test_key_wrapping_only_opens_with_the_right_node():
    node, other = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    key = os.urandom(32)
    sealed = wrap_key(key, load_public_key_b64(public_key_b64(node.public_key())))
    assert unwrap_key(sealed, node) == key
    with pytest.raises(RecordingKeyError) as err:
        unwrap_key(sealed, other)
    assert err.value.wrong_node is True
    damaged = dict(sealed, wrapped=sealed["wrapped"][:-4] + "AAA=")
    with pytest.raises(RecordingKeyError):
        unwrap_key(damaged, node)
    with pytest.raises(RecordingKeyError):
        load_public_key_b64("not a key")


def test_sealed_recording_opens_only_on_the_node(pulse_loopback, tmp_path, node_key):
    rec = Recorder(tmp_path / "station", "answer", seal_to=node_key.public_key())
    rec.start()
    time.sleep(0.2)
    player = Player()  # kept referenced while it plays
    player.play(tone(1000, 1.2, 48000, 0.5, fade_s=0.002), 48000)
    player.wait(5)
    time.sleep(0.2)
    res = rec.stop()
    assert res.path.name == "answer.vprenc" and res.sealed == "flac" and not rec.journal_path.exists()
    assert res.sha256 == hashlib.sha256(res.path.read_bytes()).hexdigest()
    assert -7.0 <= res.analysis.peak_dbfs <= -4.5  # measured while the station still held the key

    thief = tmp_path / "copied-to-another-pc"
    shutil.copytree(tmp_path / "station", thief)
    _unreadable_here(thief)

    flac, header = open_sealed(thief / "answer.vprenc", node_key)
    x, rate = sf.read(io.BytesIO(flac), dtype="int16")
    assert rate == 16000 and len(x) == res.frames
    assert hashlib.sha256(x.astype("<i2").tobytes()).hexdigest() == res.pcm_sha256
    seg = x[int(0.5 * rate):int(1.0 * rate)].astype(np.float64) / 32768
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    assert np.argmax(spec) * rate / len(seg) == pytest.approx(1000, abs=3)

    with pytest.raises(RecordingKeyError) as err:
        open_sealed(thief / "answer.vprenc", X25519PrivateKey.generate())
    assert err.value.wrong_node and "другого узла" in err.value.message_ru

    raw = bytearray((thief / "answer.vprenc").read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one bit in the middle of the ciphertext
    (thief / "altered.vprenc").write_bytes(bytes(raw))
    with pytest.raises(JournalTamperedError):
        open_sealed(thief / "altered.vprenc", node_key)


@pytest.mark.parametrize("kill_after", [0.35, 1.8])
def test_sigkill_while_recording_sealed_then_recover_still_encrypted(pulse_loopback, tmp_path, node_key, kill_after):
    player = Player()
    player.play(tone(500, kill_after + 1.5, 48000, 0.3), 48000)
    proc, t0 = start_recording_child(pulse_loopback, tmp_path, "answer",
                                     seal_to_b64=public_key_b64(node_key.public_key()))
    time.sleep(max(0.0, t0 + kill_after - time.monotonic()))
    t_kill = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    player.stop()
    assert [p.name for p in find_journals(tmp_path)] == ["answer.vprrec"]
    _unreadable_here(tmp_path)  # the interrupted journal too

    res = recover(tmp_path)  # on the station: no key, so it stays encrypted
    assert res.recovered and res.sealed == "pcm16" and res.path.name == "answer.vprenc" and res.analysis is None
    assert not find_journals(tmp_path)
    _unreadable_here(tmp_path)
    flac, _ = open_sealed(res.path, node_key)
    data, rate = sf.read(io.BytesIO(flac), dtype="float64")
    loss = (t_kill - t0) - len(data) / rate
    print(f"sealed: kill after {t_kill - t0:.3f} s: recovered {len(data) / rate:.3f} s, loss {loss * 1000:.0f} ms")
    assert rate == 16000 and -0.05 <= loss <= MAX_LOSS_S
    blk = 480
    levels = np.array([np.sqrt(np.mean(data[i:i + blk] ** 2)) for i in range(0, len(data) - blk, blk)])
    on = np.flatnonzero(levels > 0.1)
    assert len(on) > 3 and np.all(levels[on[0]:on[-1] + 1] > 0.15), "a gap inside the recorded tone"
