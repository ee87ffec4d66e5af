"""The piece journal: round trip, torn tails, tampering, and finalization to FLAC.
Real files; the audio comes from numpy instead of a device (no stream involved)."""

import hashlib
import json

import numpy as np
import pytest
import soundfile as sf

from audio.errors import EmptyRecordingError, JournalError, JournalTamperedError, RecordingInProgressError
from audio.finalize import finalize_journal
from audio.journal import JournalWriter, read_journal
from audio.recovery import recover, recover_all
from audio.results import RecordingResult

RATE = 16000


def _params(rate=RATE):
    return {"version": 1, "name": "t", "capture_rate": rate, "channels": 1,
            "sample_format": "s16le", "device": "test", "started_at": "2026-01-01T00:00:00+00:00"}


def _write(path, pieces, rate=RATE):
    w = JournalWriter(path, _params(rate))
    for p in pieces:
        w.append(p.astype("<i2").tobytes())
    w.close()
    return w


def _pieces(n=5, frames=1600, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(-20000, 20000, frames).astype(np.int16) for _ in range(n)]


def test_round_trip(tmp_path):
    pieces = _pieces()
    w = _write(tmp_path / "a.vprrec", pieces)
    got = []
    c = read_journal(tmp_path / "a.vprrec", got.append)
    assert c.pieces == 5 and c.frames == 8000 and c.discarded_bytes == 0
    assert c.chain == w.chain.hex()
    assert b"".join(got) == b"".join(p.tobytes() for p in pieces)


def test_torn_tail_is_dropped(tmp_path):
    path = tmp_path / "a.vprrec"
    _write(path, _pieces())
    data = path.read_bytes()
    path.write_bytes(data[:-700])  # last piece half written
    c = read_journal(path)
    assert c.pieces == 4 and c.frames == 6400
    assert c.discarded_bytes == 52 + 3200 - 700


def test_garbage_last_piece_is_dropped(tmp_path):
    path = tmp_path / "a.vprrec"
    _write(path, _pieces())
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # power cut: last block has junk
    path.write_bytes(bytes(data))
    assert read_journal(path).pieces == 4


def test_altered_middle_piece_is_detected(tmp_path):
    path = tmp_path / "a.vprrec"
    _write(path, _pieces())
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(JournalTamperedError):
        read_journal(path)


def test_damaged_length_field_in_the_middle_is_detected(tmp_path):
    path = tmp_path / "a.vprrec"
    w = _write(path, _pieces())
    data = bytearray(path.read_bytes())
    first_piece = w.offset - 5 * (52 + 3200)
    data[first_piece + 16: first_piece + 20] = (10 ** 9).to_bytes(4, "little")  # nbytes
    path.write_bytes(bytes(data))
    with pytest.raises(JournalTamperedError):
        read_journal(path)


def test_not_a_journal(tmp_path):
    p = tmp_path / "x.vprrec"
    p.write_bytes(b"hello world, not a journal")
    with pytest.raises(JournalError):
        read_journal(p)
    with pytest.raises(JournalError):
        recover(tmp_path / "missing.vprrec")


def test_finalize_writes_valid_flac_hash_and_sidecar(tmp_path):
    path = tmp_path / "ans.vprrec"
    pieces = _pieces()
    _write(path, pieces)
    res = finalize_journal(path, recovered=True)
    assert not path.exists()
    assert res.path == tmp_path / "ans.flac" and res.frames == 8000 and res.duration_s == 0.5
    assert res.sha256 == hashlib.sha256(res.path.read_bytes()).hexdigest()
    data, rate = sf.read(res.path, dtype="int16")
    assert rate == RATE and np.array_equal(data, np.concatenate(pieces))
    assert sf.info(str(res.path)).subtype == "PCM_16" and sf.info(str(res.path)).channels == 1
    side = json.loads((tmp_path / "ans.json").read_text())
    assert side["sha256"] == res.sha256 and side["recovered"] is True and side["pieces"] == 5
    assert side["pcm_sha256"] == hashlib.sha256(np.concatenate(pieces).astype("<i2").tobytes()).hexdigest()
    assert RecordingResult.from_sidecar(tmp_path / "ans.json").as_dict() == res.as_dict()


def test_finalize_resamples_48k_capture(tmp_path):
    path = tmp_path / "hi.vprrec"
    t = np.arange(48000) / 48000
    x = np.round(0.5 * 32767 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    _write(path, [x[i:i + 4800] for i in range(0, 48000, 4800)], rate=48000)
    res = finalize_journal(path, recovered=False)
    assert res.sample_rate == 16000 and res.capture_rate == 48000 and res.frames == 16000
    y, _ = sf.read(res.path, dtype="float64")
    spec = np.abs(np.fft.rfft(y))
    assert np.argmax(spec) * 16000 / len(y) == pytest.approx(1000, abs=2)
    assert res.analysis.peak_dbfs == pytest.approx(-6.02, abs=0.1)


def test_finalize_empty_journal(tmp_path):
    path = tmp_path / "empty.vprrec"
    _write(path, [])
    with pytest.raises(EmptyRecordingError):
        finalize_journal(path, recovered=True)
    assert list(tmp_path.iterdir()) == []


def test_recover_all_and_ambiguous_dir(tmp_path):
    _write(tmp_path / "a.vprrec", _pieces(2))
    _write(tmp_path / "b.vprrec", _pieces(3, seed=1))
    with pytest.raises(JournalError) as exc:
        recover(tmp_path)
    assert "несколько" in exc.value.message_ru
    (tmp_path / "c.vprrec").write_bytes(b"VPRREC01")  # torn header: crash at creation
    report = recover_all(tmp_path)
    assert [r.path.name for r in report.recovered] == ["a.flac", "b.flac"]
    assert [r.frames for r in report.recovered] == [3200, 4800]
    assert [(p.name, type(e)) for p, e in report.failed] == [("c.vprrec", JournalError)]
    (tmp_path / "c.vprrec").unlink()
    with pytest.raises(JournalError):
        recover(tmp_path)  # nothing left


def test_live_journal_is_not_recovered(tmp_path):
    path = tmp_path / "live.vprrec"
    w = JournalWriter(path, _params())
    w.append(_pieces(1)[0].tobytes())
    with pytest.raises(RecordingInProgressError):
        recover(path)
    report = recover_all(tmp_path)
    assert report.recovered == () and report.in_progress == (path,) and path.exists()
    w.close()  # the recorder is gone (as after a crash): now it is recoverable
    assert recover(path).frames == 1600
