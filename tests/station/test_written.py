"""The written section in the flow (fake clock and audio, real files): free movement
between items with the answered ones known, refusals outside the section, the section
timer with its 5- and 1-minute warnings, time up, every answer back after a crash
(from the journal, even when session.json is older), a journal fault stopping for an
adult and continuing with the time left, "task n of m", and accommodations stretching
every timer."""

from __future__ import annotations

import json
import os

import pytest

from exam_content.archive import open_package
from exam_content.model import InstructionsTask
from station.flow.phases import Phase, SessionState
from station.flow.timing import timed_seconds
from sync.protocol import Accommodation
from tests.exam_content.helpers import PASSWORD, built_package
from tests.station.test_flow import Rig


@pytest.fixture(scope="module")
def fast_path(tmp_path_factory):
    return built_package(tmp_path_factory.mktemp("fast"), "de", fast=True)


@pytest.fixture(scope="module")
def full_path(tmp_path_factory):
    return built_package(tmp_path_factory.mktemp("full"), "fr", fast=False)


def _to_written(rig, code="12345"):
    rig.pass_sound_check()
    rig.flow.submit_code(code)
    rig.flow.confirm_code(True)
    rig.flow.finish_instructions()
    rig.until(Phase.PHOTO_CHOICE, limit=600)
    rig.flow.choose_photo(0)
    rig.until(Phase.WRITTEN_INTRO, limit=600)


def test_free_movement_answers_and_refusals(tmp_path, fast_path):
    rig = Rig(tmp_path, open_package(fast_path, PASSWORD))
    _to_written(rig)
    w = rig.flow.written
    assert [i.label for i in w.items][:7] == ["4A", "4B", "4C", "4D", "4E", "4F", "5.1"]
    assert len(w.items) == 18 and w.items[6].kind.value == "typed" and len(w.items[0].options) == 7
    assert not w.answer(0, 1) and not w.go(3)  # the instruction is still shown: nothing yet
    assert rig.flow.position() == (4, 6)
    rig.flow.start_written()
    assert rig.flow.phase is Phase.WRITTEN and rig.flow.remaining_s == pytest.approx(90, abs=0.1)
    assert w.go(17) and w.item.label == "6.6" and rig.flow.position() == (6, 6)
    assert not w.next() and w.prev() and w.position == 16
    assert w.go(6) and rig.flow.position() == (5, 6)
    assert w.answer(6, "fuhren") and not w.answer(6, "fuhren")  # unchanged: not journaled again
    assert w.answer(0, 2) and not w.answer(0, 7) and not w.answer(0, "2") and not w.answer(6, 3)
    assert not w.answer(7, "x" * 81) and not w.answer(99, "x") and not w.go(18) and not w.go(-1)
    assert w.answer(7, "beste") and w.answer(7, "")  # typed, then erased: unanswered again
    assert [w.answered(i) for i in (0, 6, 7)] == [True, True, False]
    assert len(w.unanswered) == 16 and "5.2" in w.unanswered
    rig.flow.finish_written()
    assert rig.flow.phase in (Phase.SEALING, Phase.DONE)
    assert not w.answer(8, "x") and w.journal is None
    assert rig.flow.session.written_answers == {"reading": {"A": 2}, "grammar": {"g1": "fuhren"}}
    [end] = [e for e in rig.store.events(rig.flow.session.session_id) if e["event"] == "written_end"]
    assert end["why"] == "student" and end["answered"] == 2 and end["items"] == 18


def test_time_up_and_warnings_once_each(tmp_path, full_path):
    rig = Rig(tmp_path, open_package(full_path, PASSWORD))
    _to_written(rig)
    rig.flow.start_written()
    assert rig.flow.remaining_s == pytest.approx(1980, abs=0.2)
    rig.clock.advance(1980 - 301)
    rig.flow.tick()
    assert rig.flow.written.warning is None
    rig.run(1.5)
    assert rig.flow.written.warning == 5
    rig.run(13)
    assert rig.flow.written.warning is None  # shown for a while, then gone
    rig.clock.advance(226)  # 60.5 s left
    rig.flow.tick()
    rig.run(1.0)
    assert rig.flow.written.warning == 1
    rig.run(61)
    assert rig.flow.phase in (Phase.SEALING, Phase.DONE)
    events = rig.store.events(rig.flow.session.session_id)
    assert [e["minutes_left"] for e in events if e["event"] == "written_warning"] == [5, 1]
    assert [e["why"] for e in events if e["event"] == "written_end"] == ["time_up"]


def test_kill_in_the_section_keeps_every_answer_position_and_time(tmp_path, fast_path):
    package = open_package(fast_path, PASSWORD)
    rig = Rig(tmp_path, package)
    _to_written(rig)
    rig.flow.start_written()
    w = rig.flow.written
    rig.run(10)
    w.go(12)
    rig.run(0.6)  # the position is saved with the session state (twice a second)
    for text in ("w", "wi", "wis", "Wissenschaftler"):
        w.answer(12, text)
    w.answer(3, 1)
    assert w.journal.flush(2.0)
    state = json.loads((rig.store.dir_of(rig.flow.session.session_id) / "session.json").read_text("utf-8"))
    assert state["written_answers"] == {}  # session.json is older than the answers: only the journal has them
    # "kill": the flow object is gone; a new one starts on the same folders
    again = Rig(tmp_path, package)
    again.flow.start()
    assert again.flow.phase is Phase.WRITTEN
    assert again.flow.session.written_answers == {"vocabulary": {"g1": "Wissenschaftler"}, "reading": {"D": 1}}
    assert again.flow.written.position == 12
    assert again.flow.remaining_s == pytest.approx(79.4, abs=0.6)
    assert again.flow.written.answer(13, "glücklicher")
    again.flow.finish_written()
    again.until(Phase.DONE)
    assert again.flow.session.written_answers["vocabulary"] == {"g1": "Wissenschaftler", "g2": "glücklicher"}


def test_journal_fault_stops_for_an_adult_and_continues_with_the_time_left(tmp_path, fast_path):
    rig = Rig(tmp_path, open_package(fast_path, PASSWORD))
    _to_written(rig)
    rig.flow.start_written()
    rig.run(20)
    os.close(rig.flow.written.journal._fd)  # the OS refuses the next write (EBADF): a real write error
    rig.flow.written.answer(6, "fuhren")
    rig.flow.written.journal.flush(2.0)
    rig.run(0.2)
    assert rig.flow.phase is Phase.RAISE_HAND and rig.flow.raise_hand_can_continue
    assert "Ответы письменной части не удаётся записать" in rig.flow.raise_hand_reason
    rig.clock.advance(120)  # the adult takes two minutes: not the student's time
    rig.flow.continue_after_fault()
    assert rig.flow.phase is Phase.WRITTEN and rig.flow.remaining_s == pytest.approx(70, abs=0.6)
    assert rig.flow.session.written_answers["grammar"] == {"g1": "fuhren"}  # kept in memory, journaled anew
    assert rig.flow.written.answer(7, "beste") and rig.flow.written.journal.flush(2.0)


def _durations(rig, package) -> dict[str, float]:
    """Every timed phase's length as the flow shows it, walking the whole variant."""
    seen: dict[str, float] = {}
    rig.pass_sound_check()
    rig.flow.submit_code("12345")
    rig.flow.confirm_code(True)
    while rig.flow.phase not in (Phase.SEALING, Phase.DONE):
        p = rig.flow.phase
        if rig.flow.duration_s is not None and f"{rig.flow.task.id}/{p.value}" not in seen:
            seen[f"{rig.flow.task.id}/{p.value}"] = rig.flow.duration_s
        if p is Phase.PHOTO_CHOICE:
            rig.flow.choose_photo(1)
        rig.clock.advance(0.5)
        rig.flow.tick()
    return seen


@pytest.mark.parametrize("acc, factor", [(Accommodation(extra_factor=1.5), 1.5), (Accommodation(extra_minutes=15), None)])
def test_extra_time_on_every_timer(tmp_path, full_path, acc, factor):
    package = open_package(full_path, PASSWORD)
    plain = _durations(Rig(tmp_path / "plain", package), package)
    rig = Rig(tmp_path / "acc", package)
    rig.flow.accommodations = lambda code: acc if code == "12345" else Accommodation()
    extended = _durations(rig, package)
    # instructions, 2 listening, 2 read aloud, 3 photo (choosing runs in the preparation time), 2 written
    assert set(plain) == set(extended) and len(plain) == 10
    del plain["photo/photo_choice"], extended["photo/photo_choice"]
    variant = package.manifest.variants[0]
    factor = factor or (timed_seconds(variant) + 900) / timed_seconds(variant)
    for phase, seconds in plain.items():
        assert extended[phase] == pytest.approx(seconds * factor), phase
    assert sum(extended.values()) - sum(plain.values()) == pytest.approx(
        timed_seconds(variant) * (factor - 1), abs=0.01)
    if acc.extra_minutes:
        assert sum(extended.values()) - sum(plain.values()) == pytest.approx(900, abs=0.01)
    recorded = sum(p.duration_s for p in rig.flow.session.pieces["read_aloud"])
    assert recorded == pytest.approx(90 * factor, abs=0.6)  # the recording itself lasts longer too
    [start] = [e for e in rig.store.events(rig.flow.session.session_id) if e["event"] == "session_start"]
    assert start["accommodation"] == acc.to_wire() and start["time_factor"] == pytest.approx(factor, abs=1e-4)


def test_large_print_and_no_accommodation_for_other_codes(tmp_path, fast_path):
    package = open_package(fast_path, PASSWORD)
    rig = Rig(tmp_path, package)
    rig.flow.accommodations = lambda code: Accommodation(large_print=True) if code == "54321" else Accommodation()
    rig.pass_sound_check()
    rig.flow.submit_code("12345")
    rig.flow.confirm_code(True)
    assert not rig.flow.large_print and rig.flow.session.time_factor == 1.0
    first = rig.flow.session.session_id
    other = Rig(tmp_path / "b", package)
    other.flow.accommodations = rig.flow.accommodations
    other.pass_sound_check()
    other.flow.submit_code("54321")
    other.flow.confirm_code(True)
    assert other.flow.large_print and other.flow.session.time_factor == 1.0 and first != other.flow.session.session_id
    assert isinstance(other.flow.task, InstructionsTask) and other.flow.position() is None


def test_a_session_file_from_before_the_written_section_still_loads(tmp_path):
    old = {"session_id": "12345-20260101T080000", "participant_code": "12345", "variant": 1, "package_id": "ab" * 16,
           "subject": "english", "station_id": "st", "created_at": "2026-01-01T08:00:00+00:00", "phase": "answer",
           "task_index": 2, "phase_elapsed_s": 1.0, "plays_done": 2, "listening_answers": {}, "photo_choice": {},
           "pieces": {}, "resumes": 0, "finished": False, "package_path": None}
    s = SessionState.from_json(old)
    assert s.written_answers == {} and s.time_factor == 1.0 and not s.large_print
