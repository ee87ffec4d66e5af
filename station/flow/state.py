"""Where the exam flow is, and the parts it drives: the phase with its clock, the
participant's persisted session, the small machines (sound check, listening plays,
answer recorder, written section), the queries the screens draw from, persistence,
timeline events and the raise-hand stop. :class:`~station.flow.machine.ExamFlow`
builds on it and decides what comes next; the screens only read these properties.

Persistence: the session state is saved on every transition and twice a second while a
timer runs (:meth:`FlowState._persist`); every step is a timeline event.
Threads: the UI thread only (the machines' own threads are theirs).
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from exam_content.archive import ExamPackage
from exam_content.model import InstructionsTask, Task, Variant
from station.flow.answer import AnswerRecorder
from station.flow.codes import CodeCheck, basic_code_check
from station.flow.listening import PromptPlays
from station.flow.phases import SOUND_CHECK_PHASES, Phase, SessionState
from station.flow.session_store import SessionStore
from station.flow.sound_check import SoundCheck
from station.flow.timing import FlowTimings, phase_seconds
from station.flow.written import WrittenSection
from sync.protocol import Accommodation

log = logging.getLogger(__name__)

Sealer = Callable[[SessionState, SessionStore], str]


class FlowState:
    """See the module docstring."""


    def __init__(self, package: ExamPackage, audio, store: SessionStore, *, station_id: str,
                 sound_check_prompt: bytes, sealer: Sealer, code_check: CodeCheck = basic_code_check,
                 accommodations: Callable[[str], Accommodation] = lambda _code: Accommodation(),
                 timings: FlowTimings = FlowTimings(), clock: Callable[[], float] = time.monotonic) -> None:
        self.package = package
        self.manifest = package.manifest
        self.audio = audio
        self.store = store
        self.station_id = station_id
        self.sealer = sealer
        self.code_check = code_check
        self.accommodations = accommodations
        self.timings = timings
        self.clock = clock
        self.phase = Phase.SOUND_HEAR
        self.session: SessionState | None = None
        self.pending_code: str | None = None
        self.pending_variant: Variant | None = None
        self.raise_hand_reason = ""
        self.raise_hand_can_continue = False
        self.plays = PromptPlays(audio, package, store, self._event, pause_s=timings.pause_between_plays_s,
                                 clock=clock)
        self.answer = AnswerRecorder(audio, store, self._event, silence_warn_after_s=timings.silence_warn_after_s)
        self.sound_check = SoundCheck(audio, sound_check_prompt, store.root.parent / "soundcheck",
                                      speak_seconds=timings.speak_check_s, clock=clock)
        self.written = WrittenSection(store, self._event, clock)
        self.faults: list[str] = []
        self._phase_started = clock()
        self._elapsed_base = 0.0
        self._last_persist = clock()

    # ---------------------------------------------------------------- queries
    @property
    def variant(self) -> Variant | None:
        if self.session is None:
            return self.pending_variant
        return self.manifest.variant(self.session.variant)

    @property
    def task(self) -> Task | None:
        v = self.variant
        if self.session is None or v is None or self.session.task_index >= len(v.tasks):
            return None
        return v.tasks[self.session.task_index]

    @property
    def elapsed_s(self) -> float:
        return self._elapsed_base + (self.clock() - self._phase_started)

    @property
    def duration_s(self) -> float | None:
        """Length of the current timed phase (with the participant's extra time), or None."""
        if self.phase is Phase.SOUND_SPEAK:
            return self.timings.speak_check_s
        d = phase_seconds(self.phase, self.task, self.variant)
        return None if d is None or self.session is None else d * self.session.time_factor

    @property
    def large_print(self) -> bool:
        return bool(self.session and self.session.large_print)

    def position(self) -> tuple[int, int] | None:
        """("task n of m") of the task shown - in the written section, of its item's task."""
        v, task = self.variant, self.task
        if v is None or task is None or isinstance(task, InstructionsTask):
            return None
        if self.phase is Phase.WRITTEN and self.written.item is not None:
            task = self.written.item.task
        return v.scored_tasks.index(task) + 1, len(v.scored_tasks)

    @property
    def remaining_s(self) -> float | None:
        if self.phase is Phase.SOUND_SPEAK:  # the sound check keeps its own time
            return self.sound_check.remaining_s
        d = self.duration_s
        return None if d is None else max(0.0, d - self.elapsed_s)

    @property
    def message(self) -> str:
        """A short hint for the student on the sound check's screens."""
        return self.sound_check.message if self.phase in SOUND_CHECK_PHASES else ""

    @property
    def silence_warning(self) -> bool:
        """The student has been silent too long in the answer being recorded."""
        return self.answer.silence_warning

    def level(self):
        return self.audio.level()

    # ---------------------------------------------------------------- plumbing
    def _event(self, event: str, **details) -> None:
        log.info("flow event %s %s", event, details)
        if self.session is not None:
            self.store.append_event(self.session.session_id, event, task=getattr(self.task, "id", None), **details)

    def _persist(self) -> None:
        if self.session is not None:
            self.session.phase = self.phase
            self.session.phase_elapsed_s = self.elapsed_s
            if self.phase is Phase.WRITTEN:
                self.session.written_elapsed_s = self.elapsed_s
            self.store.save(self.session)
            self._last_persist = self.clock()

    def _enter(self, phase: Phase, elapsed: float = 0.0) -> None:
        if self.phase is Phase.WRITTEN and self.session is not None:  # keep the section's time used
            self.session.written_elapsed_s = self.elapsed_s
        self.written.active = phase is Phase.WRITTEN
        self.phase = phase
        self._phase_started = self.clock()
        self._elapsed_base = elapsed
        self._persist()
        self._event("phase", phase=phase.value, elapsed_s=round(elapsed, 3))

    def raise_hand(self, reason: str, *, can_continue: bool) -> None:
        """Stop for an adult: show ``reason`` (Russian) on the raise-hand screen, with
        "continue" when the same task can go on. Also for the app's own faults."""
        self.raise_hand_reason = reason
        self.raise_hand_can_continue = can_continue
        self.faults.append(reason)
        self._event("fault", reason=reason)
        self._enter(Phase.RAISE_HAND)
