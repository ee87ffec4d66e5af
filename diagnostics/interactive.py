"""The interactive checks a person takes part in, as small step-by-step objects the
station's technician and sound-check screens drive.

* :class:`SpeechTest`: ``start()`` records through the exam recorder, the UI polls
  ``level()`` for a meter, ``stop()`` judges the recording automatically (level, SNR,
  clipping, late start - :func:`diagnostics.judge.judge_speech`), ``play_back()`` lets
  the person hear it and ``confirm(heard)`` gives the final result.
* :class:`PlaybackTest`: ``play(ear)`` plays a tone (or a phrase) in the left, the
  right or both ears, ``volume`` is adjustable live, ``confirm(left, right)`` gives the
  result.

Threads: every method is called from the caller's (UI) thread; the audio engine's
PortAudio and writer threads only feed the level slot and the ``on_finish`` callback
(called from PortAudio's thread: the station hands it to Kivy's ``Clock``). Steps out
of order raise :class:`diagnostics.errors.TestStateError`; audio failures at
``start``/``play`` raise the :class:`audio.errors.AudioError` subclasses with Russian
text (the UI shows ``exc.user_text``).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from diagnostics.checks import CheckId, CheckResult, Status, from_error
from diagnostics.errors import TestStateError
from diagnostics.judge import judge_speech

if TYPE_CHECKING:  # pragma: no cover
    from audio.recorder import LevelReading

PLAYBACK_RATE = 48000
ZERO_HINT_S = 1.0


class SpeechTestState(Enum):
    """Life cycle of a :class:`SpeechTest`."""

    IDLE = "idle"
    RECORDING = "recording"
    JUDGED = "judged"
    CONFIRMED = "confirmed"


class SpeechTest:
    """Say a phrase, hear it back, confirm. Devices are stable names (None = default).

    The recording lives in a temporary folder (``work_dir`` or the system temp) and is
    deleted by :meth:`close`; it is a sound check, never part of an answer.
    """

    def __init__(self, input_device: str | None = None, output_device: str | None = None, *,
                 work_dir: Path | None = None, volume: float = 0.8) -> None:
        self.input_device = input_device
        self.output_device = output_device
        self.state = SpeechTestState.IDLE
        self._work_dir = work_dir
        self._tmp: Path | None = None
        self._recorder = None
        self._player = None
        self._volume = float(volume)
        self._cue_at: float | None = None
        self._samples: np.ndarray | None = None
        self._rate = 16000
        self._auto: CheckResult | None = None
        self._final: CheckResult | None = None
        self._played = False

    # -- recording -----------------------------------------------------------------
    def start(self, beep: bool = False) -> None:
        """Start recording. The cue ("говорите") is the moment ``start`` returns; with
        ``beep`` the station's start beep is played first (blocks ~0.5 s) and the cue is
        its end. Raises :class:`audio.errors.AudioError` (no microphone, busy ...)."""
        from audio.recorder import Recorder

        if self.state is not SpeechTestState.IDLE:
            raise TestStateError(f"start() in state {self.state.value}")
        self._tmp = Path(tempfile.mkdtemp(prefix="vpr-speechtest-", dir=self._work_dir))
        rec = Recorder(self._tmp, "speech", self.input_device)
        try:
            rec.start()
        except Exception:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
            raise
        self._recorder = rec
        self.state = SpeechTestState.RECORDING
        if beep:
            from audio.tones import beep as make_beep

            player = self._get_player()
            player.play(make_beep("start", PLAYBACK_RATE), PLAYBACK_RATE)
            player.wait(2.0)
        self._cue_at = time.monotonic()

    def level(self) -> "LevelReading | None":
        """The latest :class:`audio.recorder.LevelReading` (None before the first block
        or when not recording): poll it for the level meter."""
        return self._recorder.level if self._recorder is not None and self.state is SpeechTestState.RECORDING else None

    def hint_ru(self) -> str | None:
        """A live Russian hint for the screen while recording, from the level slot:
        exact zeros for over a second (privacy block / muted mic) or clipping; else None."""
        lv = self.level()
        if lv is None:
            return None
        if lv.zero_run_s >= ZERO_HINT_S:
            return "Микрофон передаёт полную тишину. Проверьте, что он не выключен и доступ к нему разрешён."
        if lv.clipped:
            return "Слишком громко: звук искажается. Отодвиньте микрофон ото рта."
        return None

    def elapsed(self) -> float:
        """Seconds since the cue (0 when not recording)."""
        return time.monotonic() - self._cue_at if self._cue_at is not None and self.state is SpeechTestState.RECORDING else 0.0

    def stop(self) -> CheckResult:
        """Stop recording and judge it (level, SNR, clipping, late start). The result is
        automatic (``interactive`` False); :meth:`confirm` makes the final one."""
        import soundfile as sf

        from audio.errors import AudioError

        if self.state is not SpeechTestState.RECORDING or self._recorder is None:
            raise TestStateError(f"stop() in state {self.state.value}")
        rec = self._recorder
        self.state = SpeechTestState.JUDGED
        try:
            result = rec.stop()
        except AudioError as exc:
            self._auto = from_error(CheckId.SPEECH_TEST, exc)
            return self._auto
        x, self._rate = sf.read(result.path, dtype="float32")
        self._samples = x.reshape(-1)
        started = rec.capture_started_at if rec.capture_started_at is not None else self._cue_at
        cue_s = max(0.0, (self._cue_at or started) - started)
        judged = judge_speech(self._samples, self._rate, cue_s)
        values = {**judged.values, "device": result.device, "overflows": result.overflows}
        self._auto = CheckResult(judged.check, judged.status, judged.message_ru, judged.remedy_ru, values)
        return self._auto

    # -- listening back ----------------------------------------------------------------
    def _get_player(self):
        from audio.player import Player

        if self._player is None:
            self._player = Player(self.output_device, volume=self._volume)
        return self._player

    def play_back(self, on_finish: Callable[[bool], None] | None = None) -> None:
        """Play the recording on the output device (returns at once; ``on_finish(completed)``
        comes from PortAudio's thread). Raises :class:`audio.errors.AudioError`."""
        if self.state is not SpeechTestState.JUDGED or self._samples is None:
            raise TestStateError("play_back() before a successful stop()")
        if not len(self._samples):
            raise TestStateError("nothing recorded")
        self._get_player().play(self._samples, self._rate, on_finish=on_finish)
        self._played = True

    def playing(self) -> bool:
        return self._player is not None and self._player.playing

    def confirm(self, heard: bool) -> CheckResult:
        """The person's answer to "Вы слышите свою запись?". Returns the final result:
        the automatic judgement if heard, a failure if not."""
        if self._auto is None:
            raise TestStateError("confirm() before stop()")
        if self._samples is not None and not self._played:
            raise TestStateError("confirm() before play_back()")
        if self._player is not None:
            self._player.stop()
        auto = self._auto
        values = {**auto.values, "confirmed": bool(heard), "played_back": self._played}
        if heard:
            msg = f"{auto.message_ru} Запись прослушана, участник её слышит."
            self._final = CheckResult(CheckId.SPEECH_TEST, auto.status, msg, auto.remedy_ru, values, True)
        else:
            self._final = CheckResult(
                CheckId.SPEECH_TEST, Status.FAIL, "Свою запись при воспроизведении не слышно. " + auto.message_ru,
                "Проверьте наушники (проверка наушников на слух). Если наушники работают, а записи не слышно — "
                "микрофон не записывает: проверьте доступ к микрофону и замените гарнитуру. " + auto.remedy_ru,
                values, True)
        self.state = SpeechTestState.CONFIRMED
        return self._final

    @property
    def result(self) -> CheckResult | None:
        """The final result once confirmed, else the automatic one, else None."""
        return self._final or self._auto

    def close(self) -> None:
        """Stop everything and delete the temporary recording. Safe to call twice."""
        if self._player is not None:
            self._player.stop()
        if self.state is SpeechTestState.RECORDING and self._recorder is not None:
            try:
                self._recorder.stop()
            except Exception:  # noqa: BLE001 - closing: the result is not wanted
                pass
            self.state = SpeechTestState.JUDGED
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


class Ear(Enum):
    """Where the playback test sounds."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"  # left, a pause, then right


def _stereo(mono: np.ndarray, ear: Ear) -> np.ndarray:
    out = np.zeros((len(mono), 2), dtype=np.float32)
    if ear is not Ear.RIGHT:
        out[:, 0] = mono
    if ear is not Ear.LEFT:
        out[:, 1] = mono
    return out


class PlaybackTest:
    """Play a tone (or ``sound``: encoded phrase bytes, e.g. from the exam package) in
    each ear; the person adjusts ``volume`` and confirms what they heard."""

    def __init__(self, output_device: str | None = None, *, volume: float = 0.8, sound: bytes | None = None) -> None:
        from audio.player import Player

        self.output_device = output_device
        self._player = Player(output_device, volume=volume)
        self._sound = sound
        self._played: set[Ear] = set()
        self._final: CheckResult | None = None
        self._channels: int | None = None

    @property
    def volume(self) -> float:
        return self._player.volume

    @volume.setter
    def volume(self, value: float) -> None:
        """Linear 0..1, applied at once (also while playing). Raises ``ValueError``."""
        self._player.volume = value

    def _signal(self, ear: Ear) -> tuple[np.ndarray, int]:
        from audio.tones import tone

        if self._sound is not None:
            from audio.player import decode

            samples, rate = decode(self._sound)
            mono = samples.mean(axis=1).astype(np.float32)
        else:
            rate = PLAYBACK_RATE
            mono = tone(660.0 if ear is Ear.LEFT else 880.0, 1.0, rate, 0.4)
        if ear is Ear.BOTH:
            if self._sound is None:
                right = tone(880.0, 1.0, rate, 0.4)
            else:
                right = mono
            gap = np.zeros((int(0.3 * rate), 2), dtype=np.float32)
            return np.concatenate([_stereo(mono, Ear.LEFT), gap, _stereo(right, Ear.RIGHT)]), rate
        return _stereo(mono, ear), rate

    def play(self, ear: Ear = Ear.BOTH, on_finish: Callable[[bool], None] | None = None) -> None:
        """Start playing in ``ear`` (returns at once). Raises :class:`audio.errors.AudioError`."""
        from audio.devices import DeviceKind, find_device

        samples, rate = self._signal(ear)
        self._channels = find_device(self.output_device, DeviceKind.OUTPUT).max_output_channels
        if self._channels < 2:  # a mono device would drop the right channel: mix both into it
            samples = samples.sum(axis=1, keepdims=True)
        self._player.play(samples, rate, on_finish=on_finish)
        self._played.add(ear)

    def playing(self) -> bool:
        return self._player.playing

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sound ends (tests and the CLI; the UI uses ``on_finish``)."""
        return self._player.wait(timeout)

    def stop(self) -> None:
        self._player.stop()

    def confirm(self, left: bool, right: bool) -> CheckResult:
        """What the person heard. Both ears: pass (warn when the device is mono, so the
        ears could not be told apart); otherwise fail with what to check."""
        if not self._played:
            raise TestStateError("confirm() before play()")
        self._player.stop()
        values = {"left": bool(left), "right": bool(right), "volume": self.volume,
                  "played": sorted(e.value for e in self._played), "output_channels": self._channels,
                  "phrase": self._sound is not None}
        if left and right:
            if (self._channels or 0) < 2:
                self._final = CheckResult(
                    CheckId.PLAYBACK_TEST, Status.WARN,
                    "Звук слышен, но устройство вывода одноканальное: левый и правый наушники не проверены по отдельности.",
                    "Выберите стереоустройство гарнитуры в меню технического специалиста.", values, True)
            else:
                self._final = CheckResult(CheckId.PLAYBACK_TEST, Status.PASS,
                                          f"Звук слышен в обоих наушниках (громкость {self.volume * 100:.0f} %).",
                                          "", values, True)
        elif left or right:
            missing = "правом" if left else "левом"
            self._final = CheckResult(
                CheckId.PLAYBACK_TEST, Status.FAIL, f"Звук не слышен в {missing} наушнике.",
                "Вставьте штекер гарнитуры до конца и проверьте баланс каналов в настройках звука; "
                "если не помогло — замените гарнитуру.", values, True)
        else:
            self._final = CheckResult(
                CheckId.PLAYBACK_TEST, Status.FAIL, "Звук в наушниках не слышен.",
                "Проверьте, что гарнитура подключена и выбрана как устройство вывода, что звук в системе не "
                "выключен, и увеличьте громкость; затем повторите.", values, True)
        return self._final

    @property
    def result(self) -> CheckResult | None:
        return self._final

    def close(self) -> None:
        self._player.stop()
