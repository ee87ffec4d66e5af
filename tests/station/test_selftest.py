"""The whole student flow in fast mode on a real Kivy window (SDL offscreen) and the
real audio loopback, through ``vpr-station --self-test``; and a SIGKILL in the middle of
an answer followed by a resume that continues the same participant and task."""

from __future__ import annotations

import json
import signal
import time
from datetime import datetime
from pathlib import Path

import pytest
import soundfile as sf
from PIL import Image

from tests.station.conftest import ARTIFACTS

EXPECTED_PHASES = ["sound_hear", "sound_speak", "sound_playback", "code_entry", "code_confirm", "instructions",
                   "listen_read", "listen_play", "listen_answer", "prepare", "answer", "photo_choice", "prepare",
                   "answer", "written_intro", "written", "done"]
#: Screens of the written section the self-test saves besides one per phase.
WRITTEN_SHOTS = ["written_typed", "written_cyrillic", "written_choice", "written_confirm"]


def test_self_test_runs_the_whole_flow(station):
    shots = ARTIFACTS / "selftest"
    for old in shots.glob("*.png"):
        old.unlink()
    rc, result, err = station.run("--self-test", "--fast", "--screenshots", str(shots))
    assert rc == 0, (result, err[-2000:], station.log()[-3000:])
    assert result["ok"] and result["failures"] == [] and result["faults"] == []
    assert result["phases"] == EXPECTED_PHASES
    assert len(result["screenshots"]) == len(EXPECTED_PHASES) + len(WRITTEN_SHOTS)
    assert [Path(p).stem.split("_", 1)[1] for p in result["screenshots"] if "written_" in p][2:] == WRITTEN_SHOTS
    for shot in result["screenshots"]:
        with Image.open(shot) as im:
            assert im.size == (1024, 768)
            assert len(im.convert("L").getcolors(maxcolors=100000)) > 10, f"{shot} looks blank"
    assert {r["task"] for r in result["recordings"]} == {"read_aloud", "photo"}
    for rec in result["recordings"]:
        assert rec["duration_s"] == pytest.approx(6.0, abs=0.15)
        info = sf.info(rec["file"])
        assert info.samplerate == 16000 and info.channels == 1 and info.subtype == "PCM_16"
        sidecar = json.loads(Path(rec["file"]).with_suffix(".json").read_text())
        assert sidecar["analysis"]["speech_fraction"] > 0.3, "the played voice must come back through the loopback"
        assert sidecar["overflows"] == 0
    assert result["listening_answers"] == {"listening": {"A": 0, "B": 1, "C": 2, "D": 0, "E": 1}}
    assert result["written_answers"] == {"reading": {"A": 2}, "grammar": {"g1": "went"}}
    assert result["written_journal_lines"] == 4  # the choice, two typed pieces, the correction
    assert result["response_package"]["verified"] is True
    assert result["silence_warnings"] == 0


def _events(session_dir: Path) -> list[dict]:
    f = session_dir / "events.jsonl"
    if not f.exists():
        return []
    return [json.loads(line) for line in f.read_text("utf-8").splitlines() if line.strip()]


def test_kill_mid_answer_then_resume_loses_at_most_a_quarter_second(station):
    sessions = station.data_dir / "station" / "selftest" / "sessions"
    proc = station.popen("--self-test", "--fast")
    started_at = None
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            time.sleep(0.05)
            dirs = list(sessions.glob("*/")) if sessions.exists() else []
            if not dirs:
                continue
            starts = [e for e in _events(dirs[0]) if e["event"] == "recording_start"]
            if starts:
                started_at = datetime.fromisoformat(starts[0]["t"]).timestamp()
                if time.time() - started_at >= 3.0:
                    break
        assert started_at is not None, "the answer recording never started"
        proc.send_signal(signal.SIGKILL)
        killed_at = time.time()
    finally:
        proc.kill()
        proc.communicate()
    session_dir = next(iter(sessions.glob("*/")))
    assert list((session_dir / "audio").glob("*.vprrec")), "the interrupted recording left its journal"

    rc, result, err = station.run("--self-test", "--fast")
    assert rc == 0, (result, err[-2000:], station.log()[-3000:])
    assert result["phases"][0] == "answer", "the resume must continue inside the same answer"
    pieces = [r for r in result["recordings"] if r["task"] == "read_aloud"]
    assert [Path(p["file"]).name for p in pieces] == ["read_aloud_p1.flac", "read_aloud_p2.flac"]
    assert pieces[0]["recovered"] is True and pieces[1]["recovered"] is False
    recorded_before_kill = killed_at - started_at
    loss = recorded_before_kill - pieces[0]["duration_s"]
    print(f"recorded {recorded_before_kill:.3f} s before SIGKILL, recovered {pieces[0]['duration_s']:.3f} s, "
          f"loss {loss:.3f} s")
    assert loss <= 0.25
    total = sum(p["duration_s"] for p in pieces)
    assert 6.0 - 0.3 <= total <= 6.0 + 1.0, total  # never less than the answer time; a late tick may add a little
    events = _events(session_dir)
    assert any(e["event"] == "resume" for e in events) and any(e["event"] == "recovered" for e in events)
    assert result["response_package"]["verified"] is True


def test_sigterm_mid_answer_closes_cleanly_and_the_next_start_continues(station):
    """An OS shutdown (SIGTERM) must close the kiosk (SDL would turn it into a refused
    window close) and finish the running answer piece properly."""
    sessions = station.data_dir / "station" / "selftest" / "sessions"
    proc = station.popen("--self-test", "--fast")
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            time.sleep(0.05)
            dirs = list(sessions.glob("*/")) if sessions.exists() else []
            starts = [e for e in _events(dirs[0]) if e["event"] == "recording_start"] if dirs else []
            if starts and time.time() - datetime.fromisoformat(starts[0]["t"]).timestamp() >= 2.0:
                break
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)  # closes by itself
    finally:
        proc.kill()
    session_dir = next(iter(sessions.glob("*/")))
    state = json.loads((session_dir / "session.json").read_text())
    assert state["phase"] == "answer" and not state["finished"]
    assert [p["file"] for p in state["pieces"]["read_aloud"]] == ["read_aloud_p1.flac"]
    assert not list((session_dir / "audio").glob("*.vprrec")), "the piece was finished, not left as a journal"
    assert any(e["event"] == "shutdown" for e in _events(session_dir))

    rc, result, err = station.run("--self-test", "--fast")
    assert rc == 0, (result, err[-2000:], station.log()[-3000:])
    pieces = [r for r in result["recordings"] if r["task"] == "read_aloud"]
    assert [Path(p["file"]).name for p in pieces] == ["read_aloud_p1.flac", "read_aloud_p2.flac"]
    assert pieces[0]["recovered"] is False
    assert 6.0 - 0.3 <= sum(p["duration_s"] for p in pieces) <= 6.0 + 1.0
