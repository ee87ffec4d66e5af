"""The listening task's plays and choices on their own, with a fake clock and
``FakeAudioPort`` over a real (demo-built) exam package."""

from __future__ import annotations

import pytest

from audio.errors import DeviceNotFoundError
from exam_content.archive import open_package
from exam_content.model import ListeningTask
from station.flow.listening import PlaysEnd, PromptPlays, record_choice
from station.flow.phases import SessionState
from station.flow.session_store import SessionStore
from station.messages import t
from tests.exam_content.helpers import PASSWORD, built_package
from tests.station.fakes import FakeAudioPort, FakeClock


@pytest.fixture
def package(tmp_path):
    return open_package(built_package(tmp_path, "en", fast=True), PASSWORD)


def listening_task(package) -> ListeningTask:
    return next(t for t in package.manifest.variants[0].tasks if isinstance(t, ListeningTask))


def make(tmp_path, package):
    clock = FakeClock()
    audio = FakeAudioPort(clock, play_seconds=2.0)
    store = SessionStore(tmp_path / "sessions")
    session = SessionState.begin("12345", 1, package.manifest.package_id, "english", "st-1")
    events: list[str] = []
    plays = PromptPlays(audio, package, store, lambda name, **_: events.append(name), pause_s=1.0, clock=clock)
    return plays, session, audio, clock, events


def test_the_prompt_plays_the_allowed_times_with_a_pause_between(tmp_path, package):
    task = listening_task(package)
    plays, session, audio, clock, events = make(tmp_path, package)
    assert task.plays == 2
    assert plays.play(session, task) is None and audio.played == [package.media(task.audio)]
    ends = []
    for _ in range(60):  # 6 s in 100 ms steps: play 2 s, pause 1 s, play 2 s
        clock.advance(0.1)
        ends.append(plays.tick(session, task))
        if ends[-1] is not None:
            break
    assert ends[-1] is PlaysEnd.DONE and len(ends) == pytest.approx(50, abs=2)
    assert session.plays_done == 2 and len(audio.played) == 2
    assert events == ["play", "play_finished", "play", "play_finished"]
    assert SessionStore(tmp_path / "sessions").load(session.session_id).plays_done == 2  # a resume sees it


def test_a_play_that_cannot_start_asks_for_an_adult(tmp_path, package):
    task = listening_task(package)
    plays, session, audio, clock, events = make(tmp_path, package)

    def no_headphones(sound, rate=None):
        raise DeviceNotFoundError("no output")

    audio.play = no_headphones
    assert plays.play(session, task) is PlaysEnd.FAULT
    assert plays.fault_reason == t("fault.task_playback", error=DeviceNotFoundError.message_ru)


def test_only_real_questions_and_options_are_kept(package):
    task = listening_task(package)
    session = SessionState.begin("12345", 1, "pkg", "english", "st-1")
    q = task.questions[0]
    assert record_choice(session, task, q.id, len(q.options) - 1)
    assert not record_choice(session, task, q.id, len(q.options))
    assert not record_choice(session, task, q.id, -1)
    assert not record_choice(session, task, "no-such-question", 0)
    assert session.listening_answers == {task.id: {q.id: len(q.options) - 1}}
