"""The listening task: its recording played as many times as the package allows, with
a pause between plays, and the student's choices. Every play and every finished play is a timeline event, and the
count of finished plays is saved in the session state, so a resume continues with the
plays that are left.

:class:`PromptPlays` reports when the plays are over or a play could not start
(:class:`PlaysEnd`, with :attr:`PromptPlays.fault_reason` for the adult); the flow
chooses the phase. Time comes from the flow's injected clock.

Threads: the flow's (UI) thread only.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable

from audio.errors import AudioError
from exam_content.archive import ExamPackage
from exam_content.model import ListeningTask
from station.flow.phases import Phase, SessionState
from station.flow.session_store import SessionStore
from station.messages import t


#: Phases in which the student may choose answers (reading, listening, finishing).
CHOICE_PHASES = (Phase.LISTEN_READ, Phase.LISTEN_PLAY, Phase.LISTEN_ANSWER)


def record_choice(session: SessionState, task: ListeningTask, question_id: str, option: int) -> bool:
    """Keep the student's choice for one question in the session state; False (and
    nothing kept) for a question or an option the task does not have."""
    q = next((q for q in task.questions if q.id == question_id), None)
    if q is None or not 0 <= option < len(q.options):
        return False
    session.listening_answers.setdefault(task.id, {})[question_id] = option
    return True


class PlaysEnd(str, Enum):
    """Why the plays stopped."""

    DONE = "done"    # every allowed play has finished
    FAULT = "fault"  # a play did not start; fault_reason says what the adult does


class PromptPlays:
    """See the module docstring. ``event(name, **details)`` writes a timeline event."""

    def __init__(self, audio, package: ExamPackage, store: SessionStore, event: Callable[..., None], *,
                 pause_s: float, clock: Callable[[], float]) -> None:
        self.audio = audio
        self.package = package
        self.store = store
        self._event = event
        self.pause_s = pause_s
        self.clock = clock
        self.fault_reason = ""
        self._pause_until: float | None = None  # set while waiting between two plays

    def play(self, session: SessionState, task: ListeningTask) -> PlaysEnd | None:
        """Start the next play (the first, or again after a fault or a resume)."""
        self._pause_until = None
        self._event("play", play=session.plays_done + 1, of=task.plays)
        try:
            self.audio.play(self.package.media(task.audio))
        except AudioError as exc:
            self.fault_reason = t("fault.task_playback", error=exc.message_ru)
            return PlaysEnd.FAULT
        return None

    def tick(self, session: SessionState, task: ListeningTask) -> PlaysEnd | None:
        """Count a finished play, wait the pause, start the next; DONE after the last."""
        if self.audio.playing():
            return None
        now = self.clock()
        if self._pause_until is None:
            session.plays_done += 1
            self._event("play_finished", play=session.plays_done)
            self.store.save(session)
            if session.plays_done >= task.plays:
                return PlaysEnd.DONE
            self._pause_until = now + self.pause_s
        elif now >= self._pause_until:
            return self.play(session, task)
        return None
