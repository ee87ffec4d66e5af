"""The exam flow state machine, driven by a fake clock and ``FakeAudioPort`` (pure
logic; the real devices are covered by the loopback tests and the station self-test).
Sealing, the outbox and the session files are real."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from exam_content.archive import open_package
from station.flow.errors import InvalidCodeError
from station.flow.codes import code_check_from_list
from station.flow.machine import ExamFlow
from station.flow.phases import Phase
from station.flow.sealing import Sealer
from station.flow.session_store import SessionStore
from station.flow.timing import FlowTimings
from sync.outbox import Outbox
from sync.package import read_manifest, verify_package
from sync.station_config import StationSync
from tests.exam_content.helpers import PASSWORD, built_package
from tests.station.fakes import FakeAudioPort, FakeClock


@pytest.fixture
def package(tmp_path):
    return open_package(built_package(tmp_path, "en", fast=True), PASSWORD)


class Rig:
    def __init__(self, tmp_path, package, signal="speech", code_check=None):
        self.clock = FakeClock()
        self.audio = FakeAudioPort(self.clock, signal)
        self.store = SessionStore(tmp_path / "station" / "sessions")
        self.sync = StationSync(tmp_path / "station" / "sync")
        self.sealed_calls = 0
        self.sealer = Sealer(self.sync, {"overall": "pass"}, on_sealed=self._on_sealed)
        kwargs = {"code_check": code_check} if code_check else {}
        self.flow = ExamFlow(package, self.audio, self.store, station_id="st-1", sound_check_prompt=b"phrase",
                             sealer=self.sealer, timings=FlowTimings.fast(), clock=self.clock, **kwargs)

    def _on_sealed(self) -> None:
        self.sealed_calls += 1

    def run(self, seconds: float, step: float = 0.1) -> None:
        for _ in range(int(seconds / step)):
            self.clock.advance(step)
            self.flow.tick()

    def until(self, phase: Phase, limit: float = 200) -> None:
        waited = 0.0
        while self.flow.phase is not phase:
            self.clock.advance(0.1)
            self.flow.tick()
            waited += 0.1
            assert waited < limit, f"stuck in {self.flow.phase}"

    def pass_sound_check(self) -> None:
        self.flow.start()
        assert self.flow.phase is Phase.SOUND_HEAR
        self.flow.heard(True)
        assert self.flow.phase is Phase.SOUND_SPEAK
        self.until(Phase.SOUND_PLAYBACK)
        self.flow.playback_ok(True)
        assert self.flow.phase is Phase.CODE_ENTRY


def test_whole_flow_seals_a_verified_package(tmp_path, package):
    rig = Rig(tmp_path, package)
    rig.pass_sound_check()
    variant = rig.flow.submit_code("12345")
    assert variant.number == 1 and rig.flow.phase is Phase.CODE_CONFIRM
    rig.flow.confirm_code(True)
    assert rig.flow.phase is Phase.INSTRUCTIONS
    rig.flow.finish_instructions()
    assert rig.flow.phase is Phase.LISTEN_READ
    rig.flow.choose_answer("A", 0)
    rig.until(Phase.LISTEN_PLAY)
    rig.flow.choose_answer("B", 1)
    rig.until(Phase.LISTEN_ANSWER)
    assert rig.flow.session.plays_done == 2
    rig.flow.choose_answer("C", 2)
    rig.until(Phase.PREPARE)            # read aloud
    assert rig.flow.task.type.value == "read_aloud"
    rig.until(Phase.ANSWER)
    assert rig.audio.recording()
    rig.until(Phase.PHOTO_CHOICE)
    rig.flow.choose_photo(2)
    assert rig.flow.phase is Phase.PREPARE
    rig.until(Phase.ANSWER)
    rig.until(Phase.WRITTEN_INTRO)
    rig.flow.start_written()
    w = rig.flow.written
    assert w.answer(0, 2) and w.answer(6, "went") and w.answer(12, "scientist")
    rig.flow.finish_written()
    rig.until(Phase.DONE)
    s = rig.flow.session
    assert s.finished and s.listening_answers == {"listening": {"A": 0, "B": 1, "C": 2}}
    assert s.written_answers == {"reading": {"A": 2}, "grammar": {"g1": "went"}, "vocabulary": {"g1": "scientist"}}
    assert s.photo_choice == {"photo": 2}
    assert [p.file for p in s.pieces["read_aloud"]] == ["read_aloud_p1.flac"]
    assert s.pieces["read_aloud"][0].duration_s == pytest.approx(6, abs=0.2)
    verified = verify_package(s.package_path, rig.sync.private_key().public_key())
    assert verified.participant_code == "12345" and verified.variant == "1" and verified.subject == "english"
    with zipfile.ZipFile(s.package_path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert {"files/answers/read_aloud_p1.flac", "files/answers/photo_p1.flac", "files/responses.json",
            "files/written.jsonl"} <= names
    with zipfile.ZipFile(s.package_path) as zf:
        responses = json.loads(zf.read("files/responses.json"))
    assert responses["written_answers"] == s.written_answers
    assert manifest["extra"]["accommodation"] == {"extra_factor": 1.0, "extra_minutes": 0, "large_print": False}
    events = [e["event"] for e in manifest["timeline"]]
    assert {"session_start", "task_shown", "play", "recording_start", "recording_stop", "choice",
            "photo_chosen", "written_end"} <= set(events)
    assert manifest["readiness"] == {"overall": "pass"}
    assert rig.sync.outbox.get(verified.package_id) is not None


def _run_to_done(rig, end: Phase = Phase.DONE) -> None:
    rig.pass_sound_check()
    rig.flow.submit_code("12345")
    rig.flow.confirm_code(True)
    rig.flow.finish_instructions()
    rig.until(Phase.PHOTO_CHOICE)
    rig.flow.choose_photo(1)
    rig.until(end)


def _back_to_sealing(rig):
    """What the disk holds after a crash between sealing and saving "finished"."""
    state = rig.flow.session
    state.finished, state.phase, state.package_path = False, Phase.SEALING, None
    rig.store.save(state)
    return state


def test_crash_after_sealing_does_not_seal_the_session_twice(tmp_path, package):
    rig = Rig(tmp_path, package)
    _run_to_done(rig)
    first = rig.flow.session.package_path
    _back_to_sealing(rig)
    again = Rig(tmp_path, package)  # the program starts again on the same folders
    again.flow.start()
    assert again.flow.phase is Phase.DONE and again.flow.session.finished
    assert again.flow.session.package_path == first
    assert [e.path.name for e in again.sync.outbox.entries()] == [Path(first).name]
    assert len(list(again.sync.outbox.packages_dir.glob("*.vprpkg"))) == 1


def test_crash_between_sealing_and_queueing_queues_the_sealed_package(tmp_path, package, monkeypatch):
    rig = Rig(tmp_path, package)
    real_add = Outbox.add

    def crash(self, pkg):
        raise OSError("power cut")  # the package file is in place, the outbox row is not

    monkeypatch.setattr(Outbox, "add", crash)
    _run_to_done(rig, end=Phase.RAISE_HAND)
    assert rig.sync.outbox.entries() == []
    sealed = list(rig.sync.outbox.packages_dir.glob("*.vprpkg"))
    assert len(sealed) == 1
    monkeypatch.setattr(Outbox, "add", real_add)
    _back_to_sealing(rig)
    again = Rig(tmp_path, package)
    again.flow.start()
    assert again.flow.phase is Phase.DONE and Path(again.flow.session.package_path) == sealed[0]
    assert [e.path.name for e in again.sync.outbox.entries()] == [sealed[0].name]
    assert list(again.sync.outbox.packages_dir.glob("*.vprpkg")) == sealed


def test_sealer_reports_each_queued_package_and_seals_the_latest_readiness(tmp_path, package):
    rig = Rig(tmp_path, package)
    rig.sealer.set_readiness_report({"overall": "warn"})  # the technician ran the checks again
    _run_to_done(rig)
    assert rig.sealed_calls == 1
    manifest, _, _ = read_manifest(Path(rig.flow.session.package_path))
    assert manifest["readiness"] == {"overall": "warn"}
    _back_to_sealing(rig)
    again = Rig(tmp_path, package)
    again.flow.start()
    assert again.flow.phase is Phase.DONE and again.sealed_calls == 1  # queued again: the worker is woken


def test_not_hearing_twice_calls_an_adult(tmp_path, package):
    rig = Rig(tmp_path, package)
    rig.flow.start()
    rig.flow.heard(False)
    assert rig.flow.phase is Phase.SOUND_HEAR and "наушники" in rig.flow.message
    rig.flow.heard(False)
    assert rig.flow.phase is Phase.RAISE_HAND
    assert "не слышит звук" in rig.flow.raise_hand_reason


def test_digital_zeros_in_sound_check_give_privacy_remedy(tmp_path, package):
    rig = Rig(tmp_path, package, signal="zeros")
    rig.flow.start()
    rig.flow.heard(True)
    rig.until(Phase.SOUND_SPEAK, limit=1)
    rig.run(3.5)
    assert rig.flow.phase is Phase.SOUND_SPEAK and "не услышали" in rig.flow.message  # one retry
    rig.until(Phase.RAISE_HAND)
    assert "Конфиденциальность" in rig.flow.raise_hand_reason


def test_quiet_microphone_in_sound_check(tmp_path, package):
    rig = Rig(tmp_path, package, signal="silence")
    rig.flow.start()
    rig.flow.heard(True)
    rig.until(Phase.RAISE_HAND)
    assert "почти не слышен" in rig.flow.raise_hand_reason


@pytest.mark.parametrize("signal,student,adult", [
    ("noisy", "слишком шумно", "сигнал/шум"),
    ("clipped", "Слишком громко", "перегружен"),
])
def test_sound_check_judged_like_the_hardware_check(tmp_path, package, signal, student, adult):
    # Loud enough for the simple checks, but the diagnostics judge (signal/noise,
    # clipping) fails it: the student gets a plain retry hint, then the adult gets the
    # measured reason with its remedy.
    rig = Rig(tmp_path, package, signal=signal)
    rig.flow.start()
    rig.flow.heard(True)
    rig.run(3.5)
    assert rig.flow.phase is Phase.SOUND_SPEAK and student in rig.flow.message
    rig.until(Phase.RAISE_HAND)
    assert adult in rig.flow.raise_hand_reason and rig.flow.sound_check.result is None
    # the adult hears the recording is fine and accepts it: the student still hears it
    # back, and the acceptance is recorded with the measurements
    assert rig.flow.raise_hand_can_continue and "Продолжить" in rig.flow.raise_hand_reason
    rig.flow.continue_after_fault()
    assert rig.flow.phase is Phase.SOUND_PLAYBACK
    rig.flow.playback_ok(True)
    rig.flow.submit_code("12345")
    rig.flow.confirm_code(True)
    [start] = [e for e in rig.store.events(rig.flow.session.session_id) if e["event"] == "session_start"]
    assert start["soundcheck_accepted_by_adult"] is True and start["soundcheck_judgement"]["status"] == "fail"


def test_sound_check_judgement_goes_into_the_session_timeline(tmp_path, package):
    rig = Rig(tmp_path, package)
    rig.pass_sound_check()
    assert rig.flow.sound_check.verdict.status.value == "pass"
    rig.flow.submit_code("12345")
    rig.flow.confirm_code(True)
    [start] = [e for e in rig.store.events(rig.flow.session.session_id) if e["event"] == "session_start"]
    assert start["soundcheck_judgement"]["status"] == "pass"
    assert start["soundcheck_judgement"]["values"]["snr_db"] > 25


@pytest.mark.parametrize("code,text", [("1234", "ровно пять цифр"), ("12a45", "ровно пять цифр"),
                                        ("123456", "ровно пять цифр"), ("99999", "нет в списке")])
def test_code_entry_errors(tmp_path, package, code, text):
    rig = Rig(tmp_path, package, code_check=code_check_from_list({"12345", "54321"}))
    rig.pass_sound_check()
    with pytest.raises(InvalidCodeError) as exc:
        rig.flow.submit_code(code)
    assert text in exc.value.message_ru
    assert rig.flow.phase is Phase.CODE_ENTRY


def test_code_confirmation_can_go_back(tmp_path, package):
    rig = Rig(tmp_path, package)
    rig.pass_sound_check()
    rig.flow.submit_code("54321")
    rig.flow.confirm_code(False)
    assert rig.flow.phase is Phase.CODE_ENTRY and rig.flow.session is None


def _to_read_aloud_answer(rig):
    rig.pass_sound_check()
    rig.flow.submit_code("12345")
    rig.flow.confirm_code(True)
    rig.flow.finish_instructions()
    rig.until(Phase.PREPARE)
    rig.until(Phase.ANSWER)


def test_silent_answer_warns_and_logs(tmp_path, package):
    rig = Rig(tmp_path, package)
    _to_read_aloud_answer(rig)
    rig.audio.signal = "silence"
    rig.run(1.0)
    assert not rig.flow.silence_warning
    rig.run(2.5)
    assert rig.flow.silence_warning
    rig.audio.signal = "speech"
    rig.run(0.2)
    assert not rig.flow.silence_warning
    events = rig.store.events(rig.flow.session.session_id)
    assert any(e["event"] == "silence_warning" for e in events)


def test_recording_fault_keeps_audio_and_continues_with_time_left(tmp_path, package):
    rig = Rig(tmp_path, package)
    _to_read_aloud_answer(rig)
    rig.run(2.0)
    rig.audio.fault = RuntimeError("unplugged")
    rig.run(0.2)
    assert rig.flow.phase is Phase.RAISE_HAND and rig.flow.raise_hand_can_continue
    first = rig.flow.session.pieces["read_aloud"]
    assert len(first) == 1 and first[0].duration_s == pytest.approx(2.0, abs=0.2)
    rig.flow.continue_after_fault()
    assert rig.flow.phase is Phase.ANSWER
    assert rig.flow.remaining_s == pytest.approx(4.0, abs=0.25)
    rig.until(Phase.PHOTO_CHOICE)
    pieces = rig.flow.session.pieces["read_aloud"]
    assert [p.file for p in pieces] == ["read_aloud_p1.flac", "read_aloud_p2.flac"]
    assert sum(p.duration_s for p in pieces) == pytest.approx(6.0, abs=0.3)


def test_resume_after_crash_in_preparation_keeps_elapsed_time(tmp_path, package):
    rig = Rig(tmp_path, package)
    _to_read_aloud_answer(rig)
    rig.until(Phase.PHOTO_CHOICE)
    rig.run(1.5)
    session_id = rig.flow.session.session_id
    # "crash": the flow object is gone; a new one starts on the same folders
    rig2 = Rig(tmp_path, package)
    rig2.flow.start()
    assert rig2.flow.session.session_id == session_id
    assert rig2.flow.phase is Phase.PHOTO_CHOICE
    assert rig2.flow.remaining_s == pytest.approx(1.5, abs=0.55)  # persisted every 0.5 s
    assert rig2.flow.session.resumes == 1


def test_resume_in_answer_continues_with_a_new_piece(tmp_path, package):
    rig = Rig(tmp_path, package)
    _to_read_aloud_answer(rig)
    rig.run(2.0)
    rig.flow.audio.stop_recording()  # what recovery makes of the journal, done by hand here
    res_file = rig.store.audio_dir(rig.flow.session.session_id) / "read_aloud_p1.flac"
    from audio.results import RecordingResult
    recovered = RecordingResult.from_sidecar(res_file.with_suffix(".json"))
    rig.flow.answer.add_piece(rig.flow.session, "read_aloud", recovered)
    rig2 = Rig(tmp_path, package)
    rig2.flow.start()
    assert rig2.flow.phase is Phase.ANSWER
    assert rig2.flow.remaining_s == pytest.approx(4.0, abs=0.3)
    rig2.until(Phase.PHOTO_CHOICE)
    assert [p.file for p in rig2.flow.session.pieces["read_aloud"]] == ["read_aloud_p1.flac", "read_aloud_p2.flac"]
