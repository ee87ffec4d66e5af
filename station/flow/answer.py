"""Recording a spoken answer piece by piece: the start beep and a new piece under the
next free name, the watch on every tick (a fault, the silence warning, the end of the
answer time with its end beep), finalizing off the UI thread, and listing every
finished piece - or the part a fault saved - in the session state. On a resume it also
turns the journals a crash left behind into pieces.

:class:`AnswerRecorder` decides nothing about the exam: it reports how a piece ended
(:class:`PieceEnd`, with :attr:`AnswerRecorder.fault_reason` for the adult) and the
flow chooses what comes next. Timeline events go out through the flow's ``event``
callback, so they carry the flow's task.

Threads: the flow's (UI) thread only. The real audio port finalizes a piece on its own
worker thread; this module only polls it (``stop_outcome``).
"""

from __future__ import annotations

import logging
import time
from enum import Enum
from typing import Callable

from audio.errors import AudioError, RecordingFault
from audio.recovery import recover_all
from audio.results import RecordingResult
from audio.tones import beep
from station.flow.phases import Piece, SessionState
from station.flow.session_store import SessionStore
from station.messages import t

log = logging.getLogger(__name__)

VOICE_DBFS = -45.0  # a reading above this counts as the student speaking


class PieceEnd(str, Enum):
    """How an answer piece ended (or why it never started)."""

    SAVED = "saved"  # the answer time is over and the whole piece is listed
    FAULT = "fault"  # a fault: what was recorded is listed, fault_reason says what the adult does


class AnswerRecorder:
    """See the module docstring. ``event(name, **details)`` writes a timeline event."""

    def __init__(self, audio, store: SessionStore, event: Callable[..., None], *,
                 silence_warn_after_s: float) -> None:
        self.audio = audio
        self.store = store
        self._event = event
        self.silence_warn_after_s = silence_warn_after_s
        self.silence_warning = False  # the student has been silent too long in this piece
        self.fault_reason = ""  # why the last piece ended in a fault, for the raise-hand screen
        self._session: SessionState | None = None
        self._task_id = ""
        self._last_voice = 0.0
        self._finishing = False  # the answer time is over and its piece is being finalized

    # ---------------------------------------------------------------- pieces
    def add_piece(self, session: SessionState, task_id: str, res: RecordingResult) -> None:
        """List ``res`` as a piece of ``task_id``'s answer (once) and save the state."""
        pieces = session.pieces.setdefault(task_id, [])
        if any(p.file == res.path.name for p in pieces):
            return
        pieces.append(Piece(res.path.name, res.sha256, round(res.duration_s, 4), res.recovered, list(res.faults)))
        self.store.save(session)

    def recover(self, session: SessionState, task_id: str) -> list[str]:
        """Turn interrupted journals of this session into pieces of ``task_id``; returns
        the Russian faults of what could not be recovered (nothing is raised)."""
        try:
            report = recover_all(self.store.audio_dir(session.session_id))
        except OSError as exc:
            log.exception("recovery failed")
            self._event("recovery_failed", error="os_error", detail=str(exc))
            return [t("fault.recovery_failed", error=exc)]
        faults = []
        for journal, exc in report.failed:
            faults.append(exc.message_ru)
            self._event("recovery_failed", file=journal.name, error=exc.code, detail=exc.detail)
        for res in report.recovered:
            self.add_piece(session, task_id, res)
            self._event("recovered", file=res.path.name, duration_s=round(res.duration_s, 3),
                        discarded_bytes=res.discarded_bytes)
        return faults

    # ---------------------------------------------------------------- one piece
    def start(self, session: SessionState, task_id: str, elapsed: float, remaining: float | None) -> PieceEnd | None:
        """Sound the start beep and record the next piece of ``task_id``'s answer;
        ``elapsed`` is the answer time already used (silence counts from there).
        FAULT when the recording did not start."""
        self._session, self._task_id = session, task_id
        self.silence_warning = False
        self._finishing = False
        self._last_voice = elapsed
        try:
            self.audio.play(beep("start"), 48000)
        except AudioError as exc:
            log.warning("start beep failed: %s", exc)
        audio_dir = self.store.audio_dir(session.session_id)
        n = len(session.pieces.get(task_id, [])) + 1
        while any((audio_dir / f"{task_id}_p{n}{suffix}").exists()  # a piece a crash left unlisted
                  for suffix in (".flac", ".vprenc", ".vprrec")):
            n += 1
        name = f"{task_id}_p{n}"
        try:
            self.audio.start_recording(audio_dir, name)
        except AudioError as exc:
            return self._fault(t("fault.answer_not_started", error=exc.message_ru))
        self._event("recording_start", file=name, remaining_s=round(remaining or 0, 3))
        return None

    def tick(self, elapsed: float, remaining: float | None) -> PieceEnd | None:
        """Watch the running piece; SAVED once the answer time is over and the piece is
        finalized, FAULT when a fault ended it."""
        if self._finishing:
            # The piece is being finalized on the audio port's worker thread (FLAC, hash,
            # check) so the screen never freezes; the end beep already sounded.
            outcome = self.audio.stop_outcome()
            if outcome is None:
                return None
            self._finishing = False
            return self._piece_done(outcome)
        if not self.audio.recording():
            return None
        if self.audio.recording_fault() is not None:
            end = self.stop()
            return end if end is PieceEnd.FAULT else None  # ports raise the fault from stop()
        level = self.audio.level()
        if level is not None and level.rms_dbfs > VOICE_DBFS:
            self._last_voice = elapsed
            if self.silence_warning:
                self.silence_warning = False
        elif elapsed - self._last_voice >= self.silence_warn_after_s and not self.silence_warning:
            self.silence_warning = True
            self._event("silence_warning", after_s=round(elapsed - self._last_voice, 1))
        if remaining is not None and remaining <= 0:
            self._finishing = True
            self.audio.stop_recording_async()
            try:
                self.audio.play(beep("stop"), 48000)
            except AudioError as exc:
                log.warning("stop beep failed: %s", exc)
        return None

    def stop(self) -> PieceEnd:
        """Finalize the running piece now, on this thread (fault path, closing)."""
        try:
            outcome = self.audio.stop_recording()
        except RecordingFault as exc:
            outcome = exc
        return self._piece_done(outcome)

    def shutdown(self, timeout_s: float) -> PieceEnd | None:
        """The program is closing: wait up to ``timeout_s`` for a piece being finalized,
        or finalize a running one, so it is listed and a restart continues after it."""
        if self._finishing:
            deadline = time.monotonic() + timeout_s
            outcome = self.audio.stop_outcome()
            while outcome is None and time.monotonic() < deadline:
                time.sleep(0.05)
                outcome = self.audio.stop_outcome()
            if outcome is None:
                return None
            self._finishing = False
            return self._piece_done(outcome)
        return self.stop() if self.audio.recording() else None

    def _fault(self, reason: str) -> PieceEnd:
        self.fault_reason = reason
        return PieceEnd.FAULT

    def _piece_done(self, outcome: RecordingResult | RecordingFault) -> PieceEnd:
        """List a finished piece, or the part a fault saved."""
        session = self._session
        assert session is not None  # start() came first
        if isinstance(outcome, RecordingFault):
            if outcome.result is not None:
                self.add_piece(session, self._task_id, outcome.result)
            self._event("recording_fault", error=outcome.code, detail=outcome.detail,
                        saved_s=round(outcome.result.duration_s, 3) if outcome.result else None)
            return self._fault(t("fault.answer_recording", error=outcome.message_ru))
        self.add_piece(session, self._task_id, outcome)
        self._event("recording_stop", file=outcome.path.name, duration_s=round(outcome.duration_s, 3),
                    sha256=outcome.sha256, overflows=outcome.overflows,
                    speech_fraction=outcome.analysis.speech_fraction)
        return PieceEnd.SAVED
