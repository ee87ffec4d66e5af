"""The sound check before a participant's session: the student hears the check
phrase, says a phrase that is recorded and judged, then hears it back.

:class:`SoundCheck` is a small state machine of its own (:class:`CheckStep`). The exam
flow calls its actions and shows the phase of the step it reports
(:data:`PHASE_OF_STEP`): every action returns the step it entered, or None when the
step stayed. When the check needs an adult (:attr:`CheckStep.ADULT`) the reason for
the raise-hand screen is in :attr:`SoundCheck.adult_reason`. The check never touches
the flow; time comes from the flow's injected clock. Nothing here is persisted: no
participant exists yet, and a restart begins the check again.

Threads: the flow's (UI) thread only.
"""

from __future__ import annotations

import io
import logging
import time
from enum import Enum
from pathlib import Path
from typing import Callable

from audio.errors import AudioError, RecordingFault
from audio.results import RecordingResult
from diagnostics.checks import CheckResult, Status
from diagnostics.judge import CLIP_FAIL, judge_speech
from station.flow.phases import Phase
from station.messages import t

log = logging.getLogger(__name__)


class CheckStep(str, Enum):
    """Where the sound check is."""

    HEAR = "hear"          # the check phrase plays: heard / not heard / play again
    SPEAK = "speak"        # the student says the phrase while it is recorded (timed)
    PLAYBACK = "playback"  # the student hears their recording: clear, or try again
    ADULT = "adult"        # stopped until an adult acts; see adult_reason
    PASSED = "passed"      # the student heard their voice clearly


#: The flow's phase while the check is at each step.
PHASE_OF_STEP = {
    CheckStep.HEAR: Phase.SOUND_HEAR,
    CheckStep.SPEAK: Phase.SOUND_SPEAK,
    CheckStep.PLAYBACK: Phase.SOUND_PLAYBACK,
    CheckStep.ADULT: Phase.RAISE_HAND,
    CheckStep.PASSED: Phase.CODE_ENTRY,
}


class SoundCheck:
    """See the module docstring. ``audio`` is the flow's audio port; recordings of
    the phrase go to ``recordings_dir``; ``speak_seconds`` is how long the student
    speaks. Raises nothing from its actions: faults become :attr:`CheckStep.ADULT`."""

    def __init__(self, audio, prompt: bytes, recordings_dir: Path, *, speak_seconds: float,
                 clock: Callable[[], float]) -> None:
        self.audio = audio
        self.prompt = prompt
        self.recordings_dir = Path(recordings_dir)
        self.speak_seconds = speak_seconds
        self.clock = clock
        self.step = CheckStep.HEAR
        self.message = ""  # a short hint for the student on the check's screens
        self.adult_reason = ""  # why the check stopped (ADULT), for the raise-hand screen
        self.adult_can_continue = False  # the adult may accept the recording the judge failed
        self.result: RecordingResult | None = None  # the recording the check accepted (its file deleted)
        self._sound: bytes | None = None  # the last phrase, in memory only
        self.verdict: CheckResult | None = None  # diagnostics' judgement of that recording
        self.accepted_by_adult = False
        self._not_heard = 0
        self._speak_attempts = 0
        self._speak_started = clock()
        # a recording the judge failed twice, which the adult may accept ("hand.continue")
        self._judged_override: tuple[RecordingResult, CheckResult] | None = None

    # ---------------------------------------------------------------- queries
    @property
    def remaining_s(self) -> float | None:
        """Time left to speak (SPEAK), else None."""
        if self.step is not CheckStep.SPEAK:
            return None
        return max(0.0, self.speak_seconds - (self.clock() - self._speak_started))

    def timeline_details(self) -> dict:
        """What the participant's ``session_start`` event records about the check."""
        return {
            "soundcheck": self.result.analysis.as_dict() if self.result else None,
            "soundcheck_judgement": self.verdict.as_dict() if self.verdict else None,
            "soundcheck_accepted_by_adult": self.accepted_by_adult,
        }

    # ---------------------------------------------------------------- steps
    def _enter(self, step: CheckStep) -> CheckStep:
        self.step = step
        self.message = ""
        return step

    def _stop(self, reason: str, *, can_continue: bool = False) -> CheckStep:
        self.adult_reason = reason
        self.adult_can_continue = can_continue
        return self._enter(CheckStep.ADULT)

    def _play_phrase(self) -> CheckStep | None:
        try:
            self.audio.play(self.prompt)
        except AudioError as exc:
            return self._stop(t("fault.check_phrase_playback", error=exc.message_ru))
        return None

    def _start_speaking(self) -> CheckStep:
        self._speak_attempts += 1
        self._enter(CheckStep.SPEAK)
        self._speak_started = self.clock()
        try:
            self.audio.start_recording(self.recordings_dir, f"check-{int(time.time() * 1000)}", plain=True)
        except AudioError as exc:
            return self._stop(t("fault.microphone", error=exc.message_ru))
        return CheckStep.SPEAK

    def _play_back(self, res: RecordingResult, verdict: CheckResult | None) -> CheckStep:
        self.result, self.verdict = res, verdict
        self._enter(CheckStep.PLAYBACK)
        try:
            if self._sound is None:
                raise OSError(f"{res.path} could not be read")
            self.audio.play(self._sound)
        except (AudioError, OSError) as exc:
            return self._stop(t("fault.own_recording_playback", error=exc))
        return CheckStep.PLAYBACK

    def _take(self, res: RecordingResult) -> None:
        """Keep the phrase in memory and delete its files at once: a student's voice is
        never left on the station's disk in clear (answers are sealed for the node)."""
        try:
            self._sound = res.path.read_bytes()
        except OSError:
            log.exception("sound-check recording %s not readable", res.path)
            self._sound = None
        self._delete(res)

    @staticmethod
    def _delete(res: RecordingResult) -> None:
        for path in (res.path, res.sidecar_path):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                log.exception("sound-check recording %s not deleted", path)

    # ---------------------------------------------------------------- actions
    def begin(self) -> CheckStep:
        """Start (or, for the adult's "try again", restart) at the check phrase."""
        self._not_heard = 0
        self._speak_attempts = 0
        self._judged_override = None
        self._enter(CheckStep.HEAR)
        return self._play_phrase() or CheckStep.HEAR

    def heard(self, ok: bool) -> CheckStep | None:
        """The student heard the check phrase (or not)."""
        if self.step is not CheckStep.HEAR:
            return None
        if ok:
            self.audio.stop_playback()
            return self._start_speaking()
        self._not_heard += 1
        if self._not_heard >= 2:
            return self._stop(t("fault.not_heard"))
        self.message = t("check.listen_again")
        return self._play_phrase()

    def replay(self) -> CheckStep | None:
        """Play the check phrase again."""
        return self._play_phrase() if self.step is CheckStep.HEAR else None

    def tick(self) -> CheckStep | None:
        """Judge the phrase once its time is over or the recording faulted."""
        if self.step is CheckStep.SPEAK and self.audio.recording():
            if self.audio.recording_fault() is not None or self.remaining_s <= 0:
                return self._finish_speaking()
        return None

    def playback_ok(self, ok: bool) -> CheckStep | None:
        """The student heard their own voice clearly (or wants to try again)."""
        if self.step is not CheckStep.PLAYBACK:
            return None
        self.audio.stop_playback()
        if ok:
            return self._enter(CheckStep.PASSED)
        self._speak_attempts = 0
        return self._start_speaking()

    def accept_by_adult(self) -> CheckStep | None:
        """The adult's "continue" after the judge failed a loud-enough phrase twice:
        the student still hears the recording back; the acceptance is recorded."""
        if self.step is not CheckStep.ADULT or self._judged_override is None:
            return None
        (res, verdict), self._judged_override = self._judged_override, None
        self.accepted_by_adult = True
        log.warning("sound check accepted by the adult despite: %s", verdict.message_ru)
        return self._play_back(res, verdict)

    def abort(self) -> None:
        """The program is closing: finish a running phrase recording. Raises what the
        audio port's ``stop_recording`` raises."""
        if self.step is CheckStep.SPEAK and self.audio.recording():
            try:
                self._delete(self.audio.stop_recording())
            except RecordingFault as exc:
                if exc.result is not None:
                    self._delete(exc.result)
                raise

    # ---------------------------------------------------------------- judging
    def _finish_speaking(self) -> CheckStep:
        try:
            res = self.audio.stop_recording()
        except RecordingFault as exc:
            if exc.result is not None:
                self._take(exc.result)
            return self._stop(t("fault.check_recording", error=exc.message_ru))
        self._take(res)
        a = res.analysis
        verdict = None
        retry_message = t("check.not_heard")
        if a.digital_silence:
            reason = t("fault.digital_zeros")
        elif a.speech_fraction < 0.1 or a.peak_dbfs < -40:
            reason = t("fault.voice_quiet")
        else:
            verdict = self._judge(res)
            if verdict is None or verdict.status is not Status.FAIL:
                if verdict is not None and verdict.status is Status.WARN:
                    log.warning("sound check passed with a warning: %s", verdict.message_ru)
                return self._play_back(res, verdict)
            # for the adult on the raise-hand screen: the measured reason and its remedy
            reason = f"{verdict.message_ru} {verdict.remedy_ru}"
            if (verdict.values.get("clipped_fraction") or 0.0) >= CLIP_FAIL:
                retry_message = t("check.too_loud")
            else:
                retry_message = t("check.too_noisy")
        if self._speak_attempts >= 2 and verdict is not None:
            # Loud enough, but the measurements fail twice: the adult decides. The noise
            # estimate can be wrong for a student who never pauses, so this must not lock
            # the station: "continue" accepts this recording (the student still hears
            # it back), and the acceptance goes into the timeline.
            self._judged_override = (res, verdict)
            return self._stop(t("fault.adult_may_accept", reason=reason), can_continue=True)
        if self._speak_attempts >= 2:
            return self._stop(reason)
        step = self._start_speaking()
        self.message = retry_message
        return step

    def _judge(self, res: RecordingResult) -> CheckResult | None:
        """Signal/noise and clipping of the phrase, by the same rules as the
        technician's hardware check (:func:`diagnostics.judge.judge_speech`; no
        late-start rule: nobody answers this phrase within 0.3 s). None if the file
        cannot be read back - the simple checks already passed, so the student is not
        held up by the judge itself."""
        try:
            import soundfile as sf  # the flow otherwise never decodes audio

            samples, rate = sf.read(io.BytesIO(self._sound or b""), dtype="int16", always_2d=False)
            return judge_speech(samples, rate, late_start=False)
        except Exception:  # noqa: BLE001 - see the docstring
            log.exception("could not judge the sound-check recording %s", res.path)
            return None
