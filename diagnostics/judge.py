"""Judging recorded microphone signals: is the input alive, and is a speech test usable.

Pure functions on mono samples (int16 or float in [-1, 1]) and their rate; no I/O, no
threads. Levels use the audio engine's 30 ms blocks (:func:`audio.analysis.block_rms_dbfs`).

Definitions (documented in docs/diagnostics.md):
* *noise floor*: the 10th percentile of the block RMS levels (pauses between words and
  the quiet parts of a recording); exact-zero blocks count as -120 dBFS;
* *speech level*: the 95th percentile of the block RMS levels; *SNR* = speech level -
  noise floor (warn < 25 dB, fail < 15 dB); a speech level under -45 dBFS means no voice;
* *clipping*: share of samples with |x| >= 0.98 of full scale within the voiced part
  (first to last block at least -40 dBFS), warn >= 0.5 %, fail >= 2 %;
* *late start*: no speech-like block (>= -40 dBFS and >= noise floor + 15 dB) in the
  first 300 ms after the cue while there is one later. If that start is exact digital
  zeros the microphone woke up late (the start of every answer would be lost): fail;
  otherwise the person started late: warn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audio.analysis import BLOCK_S, SPEECH_DBFS, analyze, block_rms_dbfs, to_float
from diagnostics.checks import CheckId, CheckResult, Status, worst

FLOOR_CLAMP_DBFS = -120.0
NOISE_PERCENTILE = 10
SPEECH_PERCENTILE = 95
NO_VOICE_DBFS = -45.0
SNR_WARN_DB = 25.0
SNR_FAIL_DB = 15.0
CLIP_NEAR = 0.98
CLIP_WARN = 0.005
CLIP_FAIL = 0.02
LATE_WINDOW_S = 0.3
SPEECH_OVER_FLOOR_DB = 15.0
NOISY_FLOOR_DBFS = -30.0
DEAD_FLOOR_DBFS = -90.0
ZERO_RUN_WARN_S = 0.1

PRIVACY_REMEDY_RU = (
    "Разрешите доступ к микрофону: в Windows «Параметры → Конфиденциальность → Микрофон» "
    "(включите доступ для приложений и для классических приложений). Проверьте, что микрофон "
    "не выключен кнопкой на гарнитуре и не отключён в настройках звука.")


@dataclass(frozen=True)
class _Levels:
    levels: np.ndarray  # block RMS dBFS, -inf clamped
    noise_floor: float
    speech: float


def _levels(x: np.ndarray, rate: int) -> _Levels:
    lv = block_rms_dbfs(x, rate)
    lv = np.where(np.isfinite(lv), lv, FLOOR_CLAMP_DBFS) if len(lv) else np.array([FLOOR_CLAMP_DBFS])
    return _Levels(lv, float(np.percentile(lv, NOISE_PERCENTILE)), float(np.percentile(lv, SPEECH_PERCENTILE)))


def _longest_zero_run(x: np.ndarray) -> int:
    zero = x == 0
    if not zero.any():
        return 0
    # lengths of runs of True
    padded = np.concatenate([[False], zero, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return int(np.max(edges[1::2] - edges[0::2]))


def digital_silence_result(check: CheckId, values: dict, interactive: bool = False) -> CheckResult:
    return CheckResult(
        check, Status.FAIL,
        "Микрофон передаёт полную тишину (цифровые нули): звук не записывается.",
        PRIVACY_REMEDY_RU, values, interactive)


def judge_input_alive(samples: np.ndarray, rate: int) -> CheckResult:
    """Whether a short recording of the room shows a live microphone: not exact zeros,
    not a constant, a noise floor between -90 and -30 dBFS, no long runs of zeros."""
    x = to_float(samples).reshape(-1)
    a = analyze(x, rate)
    lv = _levels(x, rate)
    zero_run_s = _longest_zero_run(x) / rate
    values = {"duration_s": len(x) / rate, "peak_dbfs": a.peak_dbfs, "rms_dbfs": a.rms_dbfs,
              "noise_floor_dbfs": lv.noise_floor, "longest_zero_run_s": zero_run_s,
              "sample_rate": rate}
    if len(x) == 0:
        return CheckResult(CheckId.INPUT_ALIVE, Status.FAIL, "С микрофона не пришло ни одного отсчёта.",
                           "Переподключите гарнитуру и повторите проверку.", values)
    if a.digital_silence:
        return digital_silence_result(CheckId.INPUT_ALIVE, values)
    if float(np.ptp(x)) == 0.0:
        return CheckResult(
            CheckId.INPUT_ALIVE, Status.FAIL,
            "Микрофон передаёт постоянное значение вместо звука (неисправен или неверно подключён).",
            "Переподключите гарнитуру в другой разъём; если не помогло — замените гарнитуру.", values)
    if zero_run_s >= ZERO_RUN_WARN_S:
        return CheckResult(
            CheckId.INPUT_ALIVE, Status.WARN,
            f"Микрофон временами выдаёт полную тишину (до {zero_run_s:.1f} с подряд): "
            "он «засыпает» или подавляет звук.",
            "Отключите «улучшения звука» и шумоподавление в свойствах микрофона и энергосбережение USB; "
            "повторите проверку.", values)
    if lv.noise_floor > NOISY_FLOOR_DBFS:
        return CheckResult(
            CheckId.INPUT_ALIVE, Status.WARN,
            f"Очень сильный фон в микрофоне: {lv.noise_floor:.0f} дБ от полной шкалы (норма ниже {NOISY_FLOOR_DBFS:.0f}).",
            "Уменьшите чувствительность микрофона, уберите источники шума и гула; при проверке молчите.", values)
    if lv.noise_floor < DEAD_FLOOR_DBFS:
        return CheckResult(
            CheckId.INPUT_ALIVE, Status.WARN,
            f"Сигнал микрофона подозрительно слаб: фон {lv.noise_floor:.0f} дБ от полной шкалы.",
            "Проверьте, что микрофон не выключен и его уровень в настройках звука не на нуле.", values)
    return CheckResult(CheckId.INPUT_ALIVE, Status.PASS,
                       f"Микрофон передаёт звук: фон {lv.noise_floor:.0f} дБ от полной шкалы.", "", values)


def judge_speech(samples: np.ndarray, rate: int, cue_s: float = 0.0, late_start: bool = True) -> CheckResult:
    """Judge a speech-test recording; ``cue_s`` is where the "speak now" cue falls in
    the recording (seconds from its start). Returns a non-interactive result; the
    person's confirmation is added by :class:`diagnostics.interactive.SpeechTest`.

    ``late_start=False`` leaves out the late-start check, for recordings with no cue
    (the student's sound check, where nobody starts speaking within 0.3 s)."""
    x = to_float(samples).reshape(-1)
    a = analyze(x, rate) if len(x) else None
    lv = _levels(x, rate)
    snr = lv.speech - lv.noise_floor
    values: dict = {"duration_s": len(x) / rate, "peak_dbfs": a.peak_dbfs if a else None,
                    "speech_dbfs": lv.speech, "noise_floor_dbfs": lv.noise_floor, "snr_db": snr,
                    "cue_s": cue_s, "sample_rate": rate}
    if a is None or a.digital_silence:
        return digital_silence_result(CheckId.SPEECH_TEST, values)
    if lv.speech < NO_VOICE_DBFS:
        values["clipped_fraction"] = 0.0
        return CheckResult(
            CheckId.SPEECH_TEST, Status.FAIL,
            f"Голос не слышен: самый громкий уровень {lv.speech:.0f} дБ от полной шкалы.",
            "Говорите громче; поднесите микрофон ко рту (2–3 см, чуть сбоку); проверьте, что микрофон "
            "гарнитуры не выключен и его уровень в настройках звука не занижен.", values)
    problems: list[tuple[Status, str, str]] = []
    if snr < SNR_FAIL_DB:
        problems.append((Status.FAIL, f"Голос почти не отличается от шума: сигнал/шум {snr:.0f} дБ (нужно не меньше {SNR_WARN_DB:.0f}).",
                         "Уберите источники шума, поднесите микрофон ближе ко рту, проверьте гарнитуру."))
    elif snr < SNR_WARN_DB:
        problems.append((Status.WARN, f"Шум заметен на фоне голоса: сигнал/шум {snr:.0f} дБ (желательно не меньше {SNR_WARN_DB:.0f}).",
                         "Уменьшите шум в классе или поднесите микрофон ближе ко рту."))
    voiced = np.flatnonzero(lv.levels >= SPEECH_DBFS)
    block = max(1, int(round(rate * BLOCK_S)))
    if len(voiced):
        part = x[voiced[0] * block:(voiced[-1] + 1) * block]
    else:
        part = x
    clipped = float(np.count_nonzero(np.abs(part) >= CLIP_NEAR)) / max(1, len(part))
    values["clipped_fraction"] = clipped
    if clipped >= CLIP_FAIL:
        problems.append((Status.FAIL, f"Звук сильно перегружен (искажён): {clipped * 100:.1f} % отсчётов у предела шкалы.",
                         "Уменьшите уровень (чувствительность) микрофона в настройках звука, отодвиньте микрофон от рта."))
    elif clipped >= CLIP_WARN:
        problems.append((Status.WARN, f"Звук местами перегружен: {clipped * 100:.1f} % отсчётов у предела шкалы.",
                         "Немного уменьшите уровень микрофона или отодвиньте его от рта."))
    speechlike = (lv.levels >= SPEECH_DBFS) & (lv.levels >= lv.noise_floor + SPEECH_OVER_FLOOR_DB)
    if late_start:
        first = int(np.ceil(cue_s / BLOCK_S - 1e-9))
        window_end = int(np.floor((cue_s + LATE_WINDOW_S) / BLOCK_S + 1e-9))
        in_window = speechlike[first:window_end]
        later = np.flatnonzero(speechlike[window_end:])
        late = (not in_window.any()) and len(later) > 0
        values["late_start"] = late
        hits = np.flatnonzero(speechlike[first:])
        values["first_speech_after_cue_s"] = float(hits[0] * BLOCK_S) if len(hits) else None
        if late:
            start = x[int(cue_s * rate):int((cue_s + LATE_WINDOW_S) * rate)]
            if len(start) and not start.any():
                values["late_start_cause"] = "microphone_wakeup"
                problems.append((Status.FAIL, "Первые 0,3 с после сигнала микрофон выдал полную тишину, хотя дальше звук есть: "
                                 "микрофон включается с задержкой, и начало каждого ответа будет потеряно.",
                                 "Отключите энергосбережение USB для гарнитуры (Диспетчер устройств → USB → "
                                 "Управление электропитанием) или замените гарнитуру."))
            else:
                values["late_start_cause"] = "speaker"
                problems.append((Status.WARN, "В первые 0,3 с после сигнала речи не было: начало ответа может не записаться.",
                                 "Повторите проверку и начните говорить сразу после сигнала."))
    if not problems:
        return CheckResult(CheckId.SPEECH_TEST, Status.PASS,
                           f"Речь записана хорошо: уровень {lv.speech:.0f} дБ, сигнал/шум {snr:.0f} дБ.", "", values)
    problems.sort(key=lambda p: -p[0].rank)
    return CheckResult(CheckId.SPEECH_TEST, worst(p[0] for p in problems),
                       " ".join(p[1] for p in problems), " ".join(p[2] for p in problems), values)
