"""The answer recorder on its own, with a fake clock and ``FakeAudioPort`` (pure
logic; the flow around it is in ``test_flow.py``, real devices in the self-test)."""

from __future__ import annotations

import pytest

from audio.errors import RecordingFault, StreamStartError
from audio.tones import beep
from station.flow.answer import AnswerRecorder, PieceEnd
from station.flow.phases import SessionState
from station.flow.session_store import SessionStore
from station.messages import t
from tests.station.fakes import FakeAudioPort, FakeClock

TASK = "read_aloud"


class Rig:
    def __init__(self, tmp_path, signal="speech"):
        self.clock = FakeClock()
        self.audio = FakeAudioPort(self.clock, signal)
        self.store = SessionStore(tmp_path / "sessions")
        self.session = SessionState.begin("12345", 1, "pkg", "english", "st-1")
        self.store.save(self.session)
        self.events: list[tuple[str, dict]] = []
        self.rec = AnswerRecorder(self.audio, self.store, self._event, silence_warn_after_s=3.0)

    def _event(self, name, **details):
        self.events.append((name, details))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def run(self, seconds, answer_s=6.0, elapsed=0.0):
        """Tick every 100 ms; returns the first PieceEnd."""
        for _ in range(int(seconds * 10)):
            self.clock.advance(0.1)
            elapsed += 0.1
            end = self.rec.tick(elapsed, answer_s - elapsed)
            if end is not None:
                return end
        return None


def test_a_piece_runs_to_the_end_of_the_answer_time_and_is_listed(tmp_path):
    rig = Rig(tmp_path)
    assert rig.rec.start(rig.session, TASK, 0.0, 6.0) is None
    assert rig.audio.played[0].tolist() == beep("start").tolist() and rig.audio.recording()
    assert rig.run(10) is PieceEnd.SAVED
    assert rig.audio.played[-1].tolist() == beep("stop").tolist()
    [piece] = rig.session.pieces[TASK]
    assert piece.file == f"{TASK}_p1.flac" and piece.duration_s == pytest.approx(6.0, abs=0.15)
    assert rig.store.load(rig.session.session_id).pieces[TASK][0].file == piece.file  # saved at once
    assert rig.names() == ["recording_start", "recording_stop"] and not rig.rec.silence_warning


def test_the_next_piece_takes_the_next_free_name(tmp_path):
    rig = Rig(tmp_path)
    audio_dir = rig.store.audio_dir(rig.session.session_id)
    audio_dir.mkdir(parents=True, exist_ok=True)
    (audio_dir / f"{TASK}_p1.flac").write_bytes(b"left by a crash, never listed")
    rig.rec.start(rig.session, TASK, 0.0, 6.0)
    assert rig.events[0] == ("recording_start", {"file": f"{TASK}_p2", "remaining_s": 6.0})


def test_silence_warns_once_and_clears_when_the_student_speaks(tmp_path):
    rig = Rig(tmp_path, "silence")
    rig.rec.start(rig.session, TASK, 0.0, 60.0)
    rig.run(2.9, answer_s=60)
    assert not rig.rec.silence_warning
    rig.run(0.3, answer_s=60, elapsed=2.9)
    assert rig.rec.silence_warning and rig.names().count("silence_warning") == 1
    rig.audio.signal = "speech"
    rig.run(0.1, answer_s=60, elapsed=3.2)
    assert not rig.rec.silence_warning


def test_a_fault_keeps_what_was_recorded_and_asks_for_an_adult(tmp_path):
    rig = Rig(tmp_path)
    rig.rec.start(rig.session, TASK, 0.0, 6.0)
    rig.run(2.0)
    rig.audio.fault = RuntimeError("unplugged")
    assert rig.run(0.1) is PieceEnd.FAULT
    assert rig.rec.fault_reason == t("fault.answer_recording", error=RecordingFault.message_ru)
    [piece] = rig.session.pieces[TASK]
    assert piece.duration_s == pytest.approx(2.0, abs=0.15)
    assert rig.names()[-1] == "recording_fault"


def test_a_recording_that_does_not_start_asks_for_an_adult(tmp_path):
    rig = Rig(tmp_path)

    def no_microphone(out_dir, name):
        raise StreamStartError("no input")

    rig.audio.start_recording = no_microphone
    assert rig.rec.start(rig.session, TASK, 0.0, 6.0) is PieceEnd.FAULT
    assert rig.rec.fault_reason.startswith(t("fault.answer_not_started", error="").strip())
    assert rig.run(1.0) is None and TASK not in rig.session.pieces


def test_shutdown_finishes_a_running_piece_and_one_being_finalized(tmp_path):
    rig = Rig(tmp_path)
    assert rig.rec.shutdown(1.0) is None  # nothing recorded yet
    rig.rec.start(rig.session, TASK, 0.0, 6.0)
    rig.run(1.5)
    assert rig.rec.shutdown(1.0) is PieceEnd.SAVED and not rig.audio.recording()
    rig.rec.start(rig.session, TASK, 1.5, 4.5)
    rig.run(10, answer_s=4.5)  # the fake finalizes at once: SAVED came from tick
    assert [p.file for p in rig.session.pieces[TASK]] == [f"{TASK}_p1.flac", f"{TASK}_p2.flac"]


def test_recover_lists_nothing_when_no_journal_was_left(tmp_path):
    rig = Rig(tmp_path)
    assert rig.rec.recover(rig.session, TASK) == [] and rig.session.pieces == {}
