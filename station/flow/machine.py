"""The exam flow state machine.

One :class:`ExamFlow` per station run. The UI calls :meth:`tick` about ten times a
second (Kivy ``Clock``) and the action methods when the student presses something; it
reads the public properties to draw. The flow never waits: it starts playback or
recording and looks at it again on the next tick. Time comes from an injected monotonic
clock, so tests can drive it.

Persistence: a participant's state (:class:`~station.flow.phases.SessionState`) is saved
on every transition and at least once a second while a timer runs; every step is also a
timeline event. After a crash :meth:`start` finds the unfinished session, recovers an
interrupted recording from its journal and continues the same task with the time that
was left, recording into a new piece.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from audio.errors import AudioError, RecordingFault
from audio.recovery import recover_all
from audio.results import RecordingResult
from audio.tones import beep
from exam_content.archive import ExamPackage
from exam_content.model import (
    InstructionsTask, ListeningTask, PhotoDescriptionTask, ReadAloudTask, Task, Variant,
)
from station.flow.errors import InvalidCodeError, StationError
from station.flow.phases import Phase, Piece, SessionState
from station.flow.session_store import SessionStore
from station.flow.sound_check import PHASE_OF_STEP, CheckStep, SoundCheck
from station.messages import t

log = logging.getLogger(__name__)

SOUND_CHECK_PHASES = {Phase.SOUND_HEAR, Phase.SOUND_SPEAK, Phase.SOUND_PLAYBACK}
Sealer = Callable[[SessionState, SessionStore], str]
CodeCheck = Callable[[str], None]


@dataclass(frozen=True)
class FlowTimings:
    """Fixed timings of the flow itself (task timings come from the package)."""

    speak_check_s: float = 5.0       # the sound-check phrase recording
    silence_warn_after_s: float = 8.0  # silent answer this long -> warning
    pause_between_plays_s: float = 3.0
    persist_every_s: float = 0.5

    @classmethod
    def fast(cls) -> "FlowTimings":
        return cls(speak_check_s=3.0, silence_warn_after_s=3.0, pause_between_plays_s=1.0)


VOICE_DBFS = -45.0  # a reading above this counts as the student speaking


def basic_code_check(code: str) -> None:
    """Five digits. Raises :class:`InvalidCodeError`."""
    if len(code) != 5 or not code.isdigit():
        raise InvalidCodeError(f"bad format {code!r}", message_ru=t("code.bad_format"))


def code_check_from_list(valid: set[str]) -> CodeCheck:
    """Five digits and on the list of valid codes (from the node or a file)."""
    def check(code: str) -> None:
        basic_code_check(code)
        if code not in valid:
            raise InvalidCodeError(f"{code} not in the list of {len(valid)} codes",
                                   message_ru=t("code.not_listed", code=code))
    return check


class ExamFlow:
    """See the module docstring. Raises nothing from :meth:`tick`: faults become the
    RAISE_HAND phase with a reason for the adult."""

    def __init__(self, package: ExamPackage, audio, store: SessionStore, *, station_id: str,
                 sound_check_prompt: bytes, sealer: Sealer, code_check: CodeCheck = basic_code_check,
                 timings: FlowTimings = FlowTimings(), clock: Callable[[], float] = time.monotonic,
                 on_change: Callable[["ExamFlow"], None] | None = None) -> None:
        self.package = package
        self.manifest = package.manifest
        self.audio = audio
        self.store = store
        self.station_id = station_id
        self.sealer = sealer
        self.code_check = code_check
        self.timings = timings
        self.clock = clock
        self.on_change = on_change
        self.phase = Phase.SOUND_HEAR
        self.session: SessionState | None = None
        self.pending_code: str | None = None
        self.pending_variant: Variant | None = None
        self.raise_hand_reason = ""
        self.raise_hand_can_continue = False
        self.silence_warning = False
        self.sound_check = SoundCheck(audio, sound_check_prompt, store.root.parent / "soundcheck",
                                      speak_seconds=timings.speak_check_s, clock=clock)
        self.faults: list[str] = []
        self._phase_started = clock()
        self._elapsed_base = 0.0
        self._last_persist = clock()
        self._last_voice = 0.0
        self._pause_until: float | None = None
        self._finishing = False  # the answer time is over and its piece is being finalized
        self._listeners: list[Callable[["ExamFlow"], None]] = []

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
        """Length of the current timed phase, or None for an untimed one."""
        t = self.task
        p = self.phase
        if p is Phase.SOUND_SPEAK:
            return self.timings.speak_check_s
        if t is None:
            return None
        if p is Phase.INSTRUCTIONS and isinstance(t, InstructionsTask):
            return float(t.read_seconds)
        if p is Phase.LISTEN_READ and isinstance(t, ListeningTask):
            return float(t.read_seconds)
        if p is Phase.LISTEN_ANSWER and isinstance(t, ListeningTask):
            return float(t.answer_seconds)
        if p in (Phase.PHOTO_CHOICE, Phase.PREPARE) and isinstance(t, (ReadAloudTask, PhotoDescriptionTask)):
            return float(t.prep_seconds)
        if p is Phase.ANSWER and isinstance(t, (ReadAloudTask, PhotoDescriptionTask)):
            return float(t.answer_seconds)
        return None

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

    def level(self):
        return self.audio.level()

    def add_listener(self, fn: Callable[["ExamFlow"], None]) -> None:
        self._listeners.append(fn)

    # ---------------------------------------------------------------- plumbing
    def _event(self, event: str, **details) -> None:
        log.info("flow event %s %s", event, details)
        if self.session is not None:
            self.store.append_event(self.session.session_id, event, task=getattr(self.task, "id", None), **details)

    def _persist(self) -> None:
        if self.session is not None:
            self.session.phase = self.phase
            self.session.phase_elapsed_s = self.elapsed_s
            self.store.save(self.session)
            self._last_persist = self.clock()

    def _enter(self, phase: Phase, elapsed: float = 0.0) -> None:
        self.phase = phase
        self._phase_started = self.clock()
        self._elapsed_base = elapsed
        self._persist()
        self._event("phase", phase=phase.value, elapsed_s=round(elapsed, 3))
        for fn in list(self._listeners) + ([self.on_change] if self.on_change else []):
            fn(self)

    def _raise_hand(self, reason: str, *, can_continue: bool) -> None:
        self.raise_hand_reason = reason
        self.raise_hand_can_continue = can_continue
        self.faults.append(reason)
        self._event("fault", reason=reason)
        self._enter(Phase.RAISE_HAND)

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
        if task is not None:
            self._recover_pieces(task.id)  # journals exist only if a recording was cut
        if phase is Phase.RAISE_HAND:
            self._raise_hand(t("fault.interrupted"), can_continue=True)
            return
        if phase is Phase.ANSWER and isinstance(task, (ReadAloudTask, PhotoDescriptionTask)):
            recorded = state.recorded_seconds(task.id)
            if recorded >= task.answer_seconds - 0.5:
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

    def _recover_pieces(self, task_id: str) -> None:
        """Turn interrupted journals of this session into FLAC pieces of ``task_id``."""
        assert self.session is not None
        audio_dir = self.store.audio_dir(self.session.session_id)
        try:
            report = recover_all(audio_dir)
        except OSError as exc:
            log.exception("recovery failed")
            self.faults.append(t("fault.recovery_failed", error=exc))
            self._event("recovery_failed", error="os_error", detail=str(exc))
            return
        for journal, exc in report.failed:
            self.faults.append(exc.message_ru)
            self._event("recovery_failed", file=journal.name, error=exc.code, detail=exc.detail)
        for res in report.recovered:
            self._add_piece(task_id, res)
            self._event("recovered", file=res.path.name, duration_s=round(res.duration_s, 3),
                        discarded_bytes=res.discarded_bytes)

    def _add_piece(self, task_id: str, res: RecordingResult) -> None:
        assert self.session is not None
        pieces = self.session.pieces.setdefault(task_id, [])
        if any(p.file == res.path.name for p in pieces):
            return
        pieces.append(Piece(res.path.name, res.sha256, round(res.duration_s, 4), res.recovered, list(res.faults)))
        self.store.save(self.session)

    # ---------------------------------------------------------------- sound check
    def _follow(self, step: CheckStep | None) -> None:
        """Show the phase of the step the sound check entered (None: it stayed)."""
        if step is CheckStep.ADULT:
            self._raise_hand(self.sound_check.adult_reason, can_continue=self.sound_check.adult_can_continue)
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
        now = datetime.now(timezone.utc)
        self.session = SessionState(
            session_id=f"{self.pending_code}-{now.strftime('%Y%m%dT%H%M%S')}",
            participant_code=self.pending_code, variant=self.pending_variant.number,
            package_id=self.manifest.package_id, subject=self.manifest.subject,
            station_id=self.station_id, created_at=now.isoformat(timespec="seconds"),
        )
        self._event("session_start", participant_code=self.pending_code, variant=self.session.variant,
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

    def choose_answer(self, question_id: str, option: int) -> None:
        task = self.task
        if not isinstance(task, ListeningTask) or self.phase not in (
                Phase.LISTEN_READ, Phase.LISTEN_PLAY, Phase.LISTEN_ANSWER):
            return
        q = next((q for q in task.questions if q.id == question_id), None)
        if q is None or not 0 <= option < len(q.options):
            return
        assert self.session is not None
        self.session.listening_answers.setdefault(task.id, {})[question_id] = option
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
        self._pause_until = None
        task = self.task
        assert isinstance(task, ListeningTask) and self.session is not None
        self._event("play", play=self.session.plays_done + 1, of=task.plays)
        try:
            self.audio.play(self.package.media(task.audio))
        except AudioError as exc:
            self._raise_hand(t("fault.task_playback", error=exc.message_ru), can_continue=True)

    def _start_answer(self, elapsed: float = 0.0) -> None:
        task = self.task
        assert task is not None and self.session is not None
        self.silence_warning = False
        self._finishing = False
        self._enter(Phase.ANSWER, elapsed=elapsed)
        self._last_voice = self.elapsed_s
        try:
            self.audio.play(beep("start"), 48000)
        except AudioError as exc:
            log.warning("start beep failed: %s", exc)
        n = len(self.session.pieces.get(task.id, [])) + 1
        name = f"{task.id}_p{n}"
        while (self.store.audio_dir(self.session.session_id) / f"{name}.flac").exists():
            n += 1
            name = f"{task.id}_p{n}"
        try:
            self.audio.start_recording(self.store.audio_dir(self.session.session_id), name)
        except AudioError as exc:
            self._raise_hand(t("fault.answer_not_started", error=exc.message_ru), can_continue=True)
            return
        self._event("recording_start", file=f"{name}.flac", remaining_s=round(self.remaining_s or 0, 3))

    def _stop_answer(self) -> bool:
        """Finalize the current piece now (fault path); returns False if it faulted."""
        try:
            outcome = self.audio.stop_recording()
        except RecordingFault as exc:
            outcome = exc
        return self._piece_done(outcome)

    def _piece_done(self, outcome) -> bool:
        """Record a finished piece, or handle the fault that ended it (raise hand)."""
        task = self.task
        assert task is not None
        if isinstance(outcome, RecordingFault):
            if outcome.result is not None:
                self._add_piece(task.id, outcome.result)
            self._event("recording_fault", error=outcome.code, detail=outcome.detail,
                        saved_s=round(outcome.result.duration_s, 3) if outcome.result else None)
            self._raise_hand(t("fault.answer_recording", error=outcome.message_ru), can_continue=True)
            return False
        self._add_piece(task.id, outcome)
        self._event("recording_stop", file=outcome.path.name, duration_s=round(outcome.duration_s, 3),
                    sha256=outcome.sha256, overflows=outcome.overflows,
                    speech_fraction=outcome.analysis.speech_fraction)
        return True

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
        else:
            self._begin_task(self.session.task_index)

    def shutdown(self, timeout_s: float = 15.0) -> None:
        """The program is closing (technician exit, OS shutdown): stop sounds and finish a
        running answer piece properly, so it is listed in the session and the next start
        continues the same task with the time that was left. Never raises."""
        try:
            self.audio.stop_playback()
            if self.phase is Phase.ANSWER and self.session is not None:
                if self._finishing:
                    deadline = time.monotonic() + timeout_s
                    outcome = self.audio.stop_outcome()
                    while outcome is None and time.monotonic() < deadline:
                        time.sleep(0.05)
                        outcome = self.audio.stop_outcome()
                    if outcome is not None:
                        self._finishing = False
                        self._piece_done(outcome)
                elif self.audio.recording():
                    self._stop_answer()
                self._persist()
            elif self.phase is Phase.SOUND_SPEAK:
                self.sound_check.abort()
            self._event("shutdown", phase=self.phase.value)
        except Exception:  # noqa: BLE001 - closing must not fail; the journal is recovered on start
            log.exception("shutdown of the flow")

    # ---------------------------------------------------------------- sealing
    def _seal(self) -> None:
        assert self.session is not None
        self._enter(Phase.SEALING)
        try:
            path = self.sealer(self.session, self.store)
        except (StationError, OSError, ValueError) as exc:
            log.exception("sealing failed")
            self._raise_hand(t("fault.sealing", error=exc), can_continue=False)
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
            self._tick_listening()
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
        elif p is Phase.ANSWER:
            self._tick_answer(now_el, remaining)
        if self.session is not None and self.phase is p and self.clock() - self._last_persist >= self.timings.persist_every_s:
            self._persist()

    def _tick_listening(self) -> None:
        task = self.task
        assert isinstance(task, ListeningTask) and self.session is not None
        if self.audio.playing():
            return
        now = self.clock()
        if self._pause_until is None:
            self.session.plays_done += 1
            self._event("play_finished", play=self.session.plays_done)
            self.store.save(self.session)
            if self.session.plays_done >= task.plays:
                self._enter(Phase.LISTEN_ANSWER)
                return
            self._pause_until = now + self.timings.pause_between_plays_s
        elif now >= self._pause_until:
            self._pause_until = None
            self._play_prompt()

    def _tick_answer(self, elapsed: float, remaining: float | None) -> None:
        if self._finishing:
            # The piece is being finalized on the audio port's worker thread (FLAC, hash,
            # check) so the screen never freezes; the end beep already sounded.
            outcome = self.audio.stop_outcome()
            if outcome is None:
                return
            self._finishing = False
            if self._piece_done(outcome):
                self._next_task()
            return
        if not self.audio.recording():
            return
        fault = self.audio.recording_fault()
        if fault is not None:
            self._stop_answer()
            return
        level = self.audio.level()
        if level is not None and level.rms_dbfs > VOICE_DBFS:
            self._last_voice = elapsed
            if self.silence_warning:
                self.silence_warning = False
        elif elapsed - self._last_voice >= self.timings.silence_warn_after_s and not self.silence_warning:
            self.silence_warning = True
            self._event("silence_warning", after_s=round(elapsed - self._last_voice, 1))
        if remaining is not None and remaining <= 0:
            self._finishing = True
            self.audio.stop_recording_async()
            try:
                self.audio.play(beep("stop"), 48000)
            except AudioError as exc:
                log.warning("stop beep failed: %s", exc)
