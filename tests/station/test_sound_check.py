"""The sound-check state machine on its own, with a fake clock and ``FakeAudioPort``:
pure logic that runs in milliseconds. The same check driven through ``ExamFlow`` (its
phases, the raise-hand screen, the session timeline) is in ``test_flow.py``."""

from __future__ import annotations

import hashlib

import pytest

from audio.errors import DeviceNotFoundError, StreamStartError
from station.flow.phases import Phase
from station.flow.sound_check import PHASE_OF_STEP, CheckStep, SoundCheck
from station.messages import t
from tests.station.fakes import FakeAudioPort, FakeClock

SPEAK_S = 3.0


class FailingAudioPort(FakeAudioPort):
    """A fake port whose playback or recording start fails, as a missing device does."""

    def __init__(self, clock, *, play_fails=False, record_fails=False) -> None:
        super().__init__(clock)
        self.play_fails, self.record_fails = play_fails, record_fails

    def play(self, sound, rate=None) -> None:
        if self.play_fails:
            raise DeviceNotFoundError("no output")
        super().play(sound, rate)

    def start_recording(self, out_dir, name, *, plain=False) -> None:
        if self.record_fails:
            raise StreamStartError("no input")
        super().start_recording(out_dir, name, plain=plain)


def make(tmp_path, signal="speech", audio=None):
    clock = FakeClock()
    audio = audio or FakeAudioPort(clock, signal)
    check = SoundCheck(audio, b"phrase", tmp_path / "soundcheck", speak_seconds=SPEAK_S, clock=audio.clock)
    return check, audio, audio.clock


def speak_until_done(check, clock) -> CheckStep | None:
    """Advance in 100 ms steps until the check leaves SPEAK (the fake clock's unit is s)."""
    step = None
    for _ in range(int(SPEAK_S * 10) + 1):
        clock.advance(0.1)
        step = check.tick()
        if step is not None:
            return step
    return step


def test_a_good_voice_passes_and_its_judgement_is_kept(tmp_path):
    check, audio, clock = make(tmp_path)
    assert check.begin() is CheckStep.HEAR and audio.played == [b"phrase"]
    assert check.remaining_s is None
    assert check.heard(True) is CheckStep.SPEAK and audio.recording()
    clock.advance(1.25)
    assert check.remaining_s == pytest.approx(1.75) and check.tick() is None
    assert speak_until_done(check, clock) is CheckStep.PLAYBACK
    assert check.result is not None and check.result.path.parent == tmp_path / "soundcheck"
    # the student hears themself; the phrase was recorded plain and its files deleted at once
    assert hashlib.sha256(audio.played[-1]).hexdigest() == check.result.sha256
    assert audio.plain_recordings and not list((tmp_path / "soundcheck").iterdir())
    assert check.playback_ok(True) is CheckStep.PASSED
    details = check.timeline_details()
    assert details["soundcheck_judgement"]["status"] == "pass" and details["soundcheck_accepted_by_adult"] is False
    assert details["soundcheck"]["speech_fraction"] > 0.1


def test_every_step_has_a_flow_phase():
    assert set(PHASE_OF_STEP) == set(CheckStep)
    assert PHASE_OF_STEP[CheckStep.ADULT] is Phase.RAISE_HAND and PHASE_OF_STEP[CheckStep.PASSED] is Phase.CODE_ENTRY


def test_actions_out_of_their_step_are_ignored(tmp_path):
    check, audio, clock = make(tmp_path)
    check.begin()
    assert check.playback_ok(True) is None and check.accept_by_adult() is None and check.tick() is None
    check.heard(True)
    assert check.heard(False) is None and check.replay() is None and check.step is CheckStep.SPEAK


def test_not_hearing_twice_stops_for_an_adult(tmp_path):
    check, audio, clock = make(tmp_path)
    check.begin()
    assert check.heard(False) is None  # the phrase plays again, with a hint
    assert check.message == t("check.listen_again") and len(audio.played) == 2
    assert check.replay() is None and len(audio.played) == 3
    assert check.heard(False) is CheckStep.ADULT
    assert check.adult_reason == t("fault.not_heard") and not check.adult_can_continue
    assert check.message == ""
    assert check.begin() is CheckStep.HEAR  # the adult's "try again" starts from zero
    assert check.heard(False) is None


@pytest.mark.parametrize("signal,reason", [("zeros", "fault.digital_zeros"), ("silence", "fault.voice_quiet")])
def test_a_silent_microphone_gets_one_retry_then_an_adult(tmp_path, signal, reason):
    check, audio, clock = make(tmp_path, signal)
    check.begin()
    check.heard(True)
    assert speak_until_done(check, clock) is CheckStep.SPEAK  # recording again
    assert check.message == t("check.not_heard") and audio.recording()
    assert speak_until_done(check, clock) is CheckStep.ADULT
    assert check.adult_reason == t(reason) and not check.adult_can_continue
    assert check.accept_by_adult() is None  # nothing an adult could accept


def test_the_adult_may_accept_a_phrase_only_the_judge_failed(tmp_path):
    check, audio, clock = make(tmp_path, "clipped")
    check.begin()
    check.heard(True)
    assert speak_until_done(check, clock) is CheckStep.SPEAK and check.message == t("check.too_loud")
    assert speak_until_done(check, clock) is CheckStep.ADULT and check.adult_can_continue
    assert check.adult_reason.endswith(t("fault.adult_may_accept", reason="").strip())
    assert check.result is None
    assert check.accept_by_adult() is CheckStep.PLAYBACK
    assert check.accept_by_adult() is None  # accepted once
    assert check.playback_ok(True) is CheckStep.PASSED
    details = check.timeline_details()
    assert details["soundcheck_accepted_by_adult"] is True and details["soundcheck_judgement"]["status"] == "fail"


def test_try_again_after_playback_gives_two_fresh_attempts(tmp_path):
    check, audio, clock = make(tmp_path)
    check.begin()
    check.heard(True)
    speak_until_done(check, clock)
    audio.signal = "noisy"
    assert check.playback_ok(False) is CheckStep.SPEAK
    assert speak_until_done(check, clock) is CheckStep.SPEAK and check.message == t("check.too_noisy")
    assert speak_until_done(check, clock) is CheckStep.ADULT


def test_a_recording_fault_stops_the_check(tmp_path):
    check, audio, clock = make(tmp_path)
    check.begin()
    check.heard(True)
    clock.advance(0.5)
    audio.fault = RuntimeError("unplugged")
    assert check.tick() is CheckStep.ADULT  # at once, not when the time is over
    assert check.adult_reason.startswith(t("fault.check_recording", error="").strip())


@pytest.mark.parametrize("fails,key", [({"play_fails": True}, "fault.check_phrase_playback"),
                                       ({"record_fails": True}, "fault.microphone")])
def test_a_missing_device_stops_the_check(tmp_path, fails, key):
    clock = FakeClock()
    check, audio, clock = make(tmp_path, audio=FailingAudioPort(clock, **fails))
    step = check.begin()
    if step is CheckStep.HEAR:
        step = check.heard(True)
    assert step is CheckStep.ADULT and check.step is CheckStep.ADULT
    assert check.adult_reason.startswith(t(key, error="").strip()) and not check.adult_can_continue


def test_abort_finishes_a_running_phrase_recording(tmp_path):
    check, audio, clock = make(tmp_path)
    check.begin()
    check.abort()  # nothing recording: nothing to do
    check.heard(True)
    clock.advance(1.0)
    check.abort()
    assert not audio.recording() and not list((tmp_path / "soundcheck").iterdir())  # finished and deleted
