"""The exam flow state machine: the phase, the task sequence, timers, raise hand,
resume after a crash and sealing. One :class:`ExamFlow` per station run. The UI calls
:meth:`tick` about ten times a second (Kivy ``Clock``) and the action methods when the
student presses something; it reads the public properties to draw. The flow never
waits: it starts playback or recording and looks again on the next tick. Time comes
from an injected monotonic clock, so tests can drive it.

Small machines do the detailed work and report by return value; the flow picks the
phase: the sound check (``sound_check.py``), the listening prompt's plays
(``listening.py``), the recording of answer pieces (``answer.py``) and the written
section (``written.py``: its items, answers and their journal, the warnings).
An accommodation's extra time stretches every timed phase (``timing.time_factor``).

The phase, its clock, the session and the parts live in :class:`~station.flow.state.FlowState`,
which this class builds on. Persistence: a participant's state
(:class:`~station.flow.phases.SessionState`) is saved on every transition and twice a
second while a timer runs; every step is a timeline event. After a crash :meth:`start` finds the unfinished session, recovers an interrupted
recording from its journal and continues the same task with the time that was left.
"""

from __future__ import annotations

import logging

from audio.errors import AudioError
from exam_content.model import (WRITTEN_TYPES, InstructionsTask, ListeningTask, PhotoDescriptionTask, ReadAloudTask,
                                Variant)
from station.flow.answer import PieceEnd
from station.flow.errors import StationError
from station.flow.listening import CHOICE_PHASES, PlaysEnd, record_choice
from station.flow.phases import Phase, SessionState
from station.flow.sound_check import PHASE_OF_STEP, CheckStep
from station.flow.state import FlowState, Sealer
from station.flow.timing import time_factor
from station.messages import t

log = logging.getLogger(__name__)

__all__ = ["ExamFlow", "Sealer"]


class ExamFlow(FlowState):
    """See the module docstring. Raises nothing from :meth:`tick`: faults become the
    RAISE_HAND phase with a reason for the adult. The parts, the phase and the queries
    are :class:`~station.flow.state.FlowState`'s."""

    # ---------------------------------------------------------------- start / resume
    def start(self) -> None:
        """Resume the oldest unfinished session for this package, or begin the sound check."""
        for state in self.store.unfinished():
            if state.package_id == self.manifest.package_id:
                self._resume(state)
                return
            log.warning("unfinished session %s belongs to another package", state.session_id)
        self._follow(self.sound_check.begin())

    def _resume(self, state: SessionState) -> None:
        self.session = state
        state.resumes += 1
        self._event("resume", phase=state.phase.value, task_index=state.task_index)
        phase = state.phase
        task = self.task
        if task is not None:  # journals exist only if a recording was cut
            self.faults.extend(self.answer.recover(state, task.id))
        if isinstance(task, WRITTEN_TYPES):  # the answers typed before the crash, from their journal
            self.written.open(state, self.variant)
        if phase is Phase.RAISE_HAND:
            self.raise_hand(t("fault.interrupted"), can_continue=True)
            return
        if phase is Phase.ANSWER and isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
            recorded = state.recorded_seconds(task.id)
            if recorded >= task.answer_seconds * state.time_factor - 0.5:
                self._next_task()
            else:
                self._start_answer(elapsed=recorded)
            return
        if phase is Phase.LISTEN_PLAY:
            self._enter(Phase.LISTEN_PLAY)
            self._play_prompt()
            return
        if phase is Phase.SEALING:
            self._seal()
            return
        self._enter(phase, elapsed=state.phase_elapsed_s)

    # ---------------------------------------------------------------- sound check
    def _follow(self, step: CheckStep | None) -> None:
        """Show the phase of the step the sound check entered (None: it stayed)."""
        if step is CheckStep.ADULT:
            self.raise_hand(self.sound_check.adult_reason, can_continue=self.sound_check.adult_can_continue)
        elif step is not None:
            self._enter(PHASE_OF_STEP[step])

    def heard(self, ok: bool) -> None:
        """The student heard the check phrase (or not)."""
        if self.phase is Phase.SOUND_HEAR:
            self._follow(self.sound_check.heard(ok))

    def replay_check_phrase(self) -> None:
        if self.phase is Phase.SOUND_HEAR:
            self._follow(self.sound_check.replay())

    def playback_ok(self, ok: bool) -> None:
        """The student heard their own voice clearly (or wants to try again)."""
        if self.phase is Phase.SOUND_PLAYBACK:
            self._follow(self.sound_check.playback_ok(ok))

    def restart_sound_check(self) -> None:
        """The adult's "try again" on the raise-hand screen before a session exists."""
        if self.session is not None and self.raise_hand_can_continue:
            self.continue_after_fault()
            return
        self._follow(self.sound_check.begin())

    # ---------------------------------------------------------------- code
    def submit_code(self, code: str) -> Variant:
        """Check the typed code; on success go to the confirmation with the variant.

        Raises :class:`InvalidCodeError` (the screen shows its message)."""
        code = code.strip()
        self.code_check(code)
        self.pending_code = code
        self.pending_variant = self.manifest.variant_for_code(code)
        self._enter(Phase.CODE_CONFIRM)
        return self.pending_variant

    def confirm_code(self, ok: bool) -> None:
        if self.phase is not Phase.CODE_CONFIRM or self.pending_code is None:
            return
        if not ok:
            self.pending_code = None
            self._enter(Phase.CODE_ENTRY)
            return
        s = self.session = SessionState.begin(self.pending_code, self.pending_variant.number,
                                              self.manifest.package_id, self.manifest.subject, self.station_id)
        acc = self.accommodations(self.pending_code)
        s.time_factor, s.large_print, s.accommodation = time_factor(acc, self.variant), acc.large_print, acc.to_wire()
        self._event("session_start", participant_code=self.pending_code, variant=s.variant,
                    accommodation=s.accommodation, time_factor=round(s.time_factor, 4),
                    **self.sound_check.timeline_details())
        self._begin_task(0)

    # ---------------------------------------------------------------- tasks
    def _begin_task(self, index: int) -> None:
        assert self.session is not None
        self.session.task_index = index
        self.session.plays_done = 0
        task = self.task
        if task is None:
            self._seal()
            return
        self._event("task_shown", number=task.number, type=task.type.value)
        if isinstance(task, InstructionsTask):
            self._enter(Phase.INSTRUCTIONS)
            if task.audio:
                try:
                    self.audio.play(self.package.media(task.audio))
                except AudioError as exc:  # the text is on screen; the adult is told in the log
                    log.warning("instructions audio failed: %s", exc)
                    self._event("fault", reason=f"instructions audio: {exc.code}")
        elif isinstance(task, ListeningTask):
            self._enter(Phase.LISTEN_READ)
        elif isinstance(task, PhotoDescriptionTask):
            self._enter(Phase.PHOTO_CHOICE)
        elif isinstance(task, WRITTEN_TYPES):
            self.written.open(self.session, self.variant)
            self._enter(Phase.WRITTEN_INTRO)
        else:
            self._enter(Phase.PREPARE)

    def _next_task(self) -> None:
        assert self.session is not None
        self._begin_task(self.session.task_index + 1)

    def finish_instructions(self) -> None:
        """The student is ready before the reading time is over."""
        if self.phase is Phase.INSTRUCTIONS:
            self.audio.stop_playback()
            self._next_task()

    def start_written(self) -> None:
        """The section's instruction is read (or its time is over): the section's timer starts."""
        if self.phase is Phase.WRITTEN_INTRO:
            self._enter(Phase.WRITTEN)

    def finish_written(self) -> None:
        """The student finishes the written section before its time is over."""
        if self.phase is Phase.WRITTEN:
            self._end_written("student")

    def _end_written(self, why: str) -> None:
        assert self.session is not None and self.variant is not None
        self._event("written_end", why=why, used_s=round(self.elapsed_s, 1), **self.written.summary())
        self.written.close()
        last = max(i for i, t in enumerate(self.variant.tasks) if isinstance(t, WRITTEN_TYPES))
        self._begin_task(last + 1)

    def choose_answer(self, question_id: str, option: int) -> None:
        task = self.task
        if (isinstance(task, ListeningTask) and self.phase in CHOICE_PHASES and self.session is not None
                and record_choice(self.session, task, question_id, option)):
            self._event("choice", question=question_id, option=option)
            self.store.save(self.session)

    def choose_photo(self, index: int) -> None:
        task = self.task
        if self.phase is not Phase.PHOTO_CHOICE or not isinstance(task, PhotoDescriptionTask) or not 0 <= index < 3:
            return
        assert self.session is not None
        self.session.photo_choice[task.id] = index
        self._event("photo_chosen", photo=index, file=task.photos[index])
        self._enter(Phase.PREPARE, elapsed=self.elapsed_s)

    def _play_prompt(self) -> None:
        task = self.task
        assert isinstance(task, ListeningTask) and self.session is not None
        self._plays_ended(self.plays.play(self.session, task))

    def _plays_ended(self, end: PlaysEnd | None) -> None:
        """All plays are over: time to finish choosing; a play failed: an adult."""
        if end is PlaysEnd.FAULT:
            self.raise_hand(self.plays.fault_reason, can_continue=True)
        elif end is PlaysEnd.DONE:
            self._enter(Phase.LISTEN_ANSWER)

    def _start_answer(self, elapsed: float = 0.0) -> None:
        task = self.task
        assert task is not None and self.session is not None
        self._enter(Phase.ANSWER, elapsed=elapsed)
        self._piece_ended(self.answer.start(self.session, task.id, self.elapsed_s, self.remaining_s))

    def _piece_ended(self, end: PieceEnd | None) -> None:
        """A piece is saved at the end of the answer time: next task; a fault: an adult."""
        if end is PieceEnd.FAULT:
            self.raise_hand(self.answer.fault_reason, can_continue=True)
        elif end is PieceEnd.SAVED:
            self._next_task()

    def continue_after_fault(self) -> None:
        """The adult fixed the headset: continue the same task with the time left (or,
        in the sound check, accept the recording the measurements failed)."""
        if self.phase is not Phase.RAISE_HAND:
            return
        if self.session is None:
            self._follow(self.sound_check.accept_by_adult())
            return
        task = self.task
        if isinstance(task, (ReadAloudTask, PhotoDescriptionTask)) and task.id in self.session.pieces:
            self._start_answer(elapsed=self.session.recorded_seconds(task.id))
        elif isinstance(task, ListeningTask):
            self._enter(Phase.LISTEN_PLAY)
            self._play_prompt()
        elif isinstance(task, WRITTEN_TYPES) and self.session.written_elapsed_s > 0:
            self.written.open(self.session, self.variant)  # a new journal if the old one failed
            self._enter(Phase.WRITTEN, elapsed=self.session.written_elapsed_s)
        else:
            self._begin_task(self.session.task_index)

    def shutdown(self, timeout_s: float = 15.0) -> None:
        """The program is closing (technician exit, OS shutdown): stop sounds and finish a
        running answer piece properly, so it is listed in the session and the next start
        continues the same task with the time that was left. Never raises."""
        try:
            self.audio.stop_playback()
            if self.phase is Phase.ANSWER and self.session is not None:
                # a piece saved now is not "next task": the restart sees its time is used
                if self.answer.shutdown(timeout_s) is PieceEnd.FAULT:
                    self.raise_hand(self.answer.fault_reason, can_continue=True)
                self._persist()
            elif self.phase is Phase.SOUND_SPEAK:
                self.sound_check.abort()
            self.written.close()  # every typed answer durable before the program ends
            self._event("shutdown", phase=self.phase.value)
        except Exception:  # noqa: BLE001 - closing must not fail; the journal is recovered on start
            log.exception("shutdown of the flow")

    def _written_tick(self, remaining: float | None) -> None:
        if self.written.fault is not None:
            self.raise_hand(t("fault.answers_not_saved", error=self.written.fault), can_continue=True)
        elif remaining is not None and remaining <= 0:
            self._end_written("time_up")
        else:
            self.written.check_warning(remaining, self.duration_s)

    # ---------------------------------------------------------------- sealing
    def _seal(self) -> None:
        assert self.session is not None
        self._enter(Phase.SEALING)
        try:
            path = self.sealer(self.session, self.store)
        except (StationError, OSError, ValueError) as exc:
            log.exception("sealing failed")
            self.raise_hand(t("fault.sealing", error=exc), can_continue=False)
            return
        self.session.package_path = str(path)
        self.session.finished = True
        self._event("sealed", package=str(path))
        self._enter(Phase.DONE)

    # ---------------------------------------------------------------- the clock
    def tick(self) -> None:
        """Advance timers and look at playback/recording; call ~10 times a second."""
        p = self.phase
        now_el = self.elapsed_s
        remaining = self.remaining_s
        if p is Phase.SOUND_SPEAK:
            self._follow(self.sound_check.tick())
            return
        if p is Phase.INSTRUCTIONS and remaining is not None and remaining <= 0:
            self.audio.stop_playback()
            self._next_task()
        elif p is Phase.LISTEN_READ and remaining is not None and remaining <= 0:
            self._enter(Phase.LISTEN_PLAY)
            self._play_prompt()
        elif p is Phase.LISTEN_PLAY:
            self._plays_ended(self.plays.tick(self.session, self.task))
        elif p is Phase.LISTEN_ANSWER and remaining is not None and remaining <= 0:
            self._next_task()
        elif p is Phase.PHOTO_CHOICE and remaining is not None and remaining <= 0:
            task = self.task
            assert isinstance(task, PhotoDescriptionTask) and self.session is not None
            self.session.photo_choice[task.id] = 0
            self._event("photo_auto_chosen", photo=0)
            self._start_answer()
        elif p is Phase.PREPARE and remaining is not None and remaining <= 0:
            self._start_answer()
        elif p is Phase.WRITTEN_INTRO and remaining is not None and remaining <= 0:
            self.start_written()
        elif p is Phase.WRITTEN:
            self._written_tick(remaining)
        elif p is Phase.ANSWER:
            self._piece_ended(self.answer.tick(now_el, remaining))
        if self.session is not None and self.phase is p and self.clock() - self._last_persist >= self.timings.persist_every_s:
            self._persist()
