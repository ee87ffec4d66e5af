"""Judging recorded signals with controlled synthetic inputs: every threshold of the
issue (SNR 25/15 dB, clipping 0.5 %/2 %, late start 300 ms) on both sides."""

import numpy as np
import pytest

from diagnostics.checks import CheckId, Status
from diagnostics.judge import judge_input_alive, judge_speech
from tests.diagnostics.signals import clipped, noise, speech

R = 16000


def test_digital_zeros_fail_with_privacy_remedy():
    res = judge_input_alive(np.zeros(R, dtype=np.int16), R)
    assert res.status is Status.FAIL and res.check is CheckId.INPUT_ALIVE
    assert "цифровые нули" in res.message_ru
    assert "Параметры → Конфиденциальность → Микрофон" in res.remedy_ru


def test_constant_input_fails():
    res = judge_input_alive(np.full(R, 1234, dtype=np.int16), R)
    assert res.status is Status.FAIL and "постоянное значение" in res.message_ru


def test_room_noise_is_alive():
    res = judge_input_alive(noise(1.5, -60, R), R)
    assert res.status is Status.PASS
    assert res.values["noise_floor_dbfs"] == pytest.approx(-60, abs=1.5)


@pytest.mark.parametrize("level, status", [(-20, Status.WARN), (-95, Status.WARN), (-70, Status.PASS)])
def test_noise_floor_range(level, status):
    assert judge_input_alive(noise(1.5, level, R), R).status is status


def test_zero_gaps_warn():
    x = noise(1.5, -60, R)
    x[4000:8000] = 0
    res = judge_input_alive(x, R)
    assert res.status is Status.WARN and res.values["longest_zero_run_s"] == pytest.approx(0.25, abs=0.01)


def _voice(noise_dbfs, seconds=3.0, level=-20.0):
    return speech(seconds, level, R) + noise(seconds, noise_dbfs, R)


@pytest.mark.parametrize("noise_dbfs, status", [(-60, Status.PASS), (-40, Status.WARN), (-30, Status.FAIL)])
def test_snr_thresholds(noise_dbfs, status):
    res = judge_speech(_voice(noise_dbfs), R)
    snr = res.values["snr_db"]
    assert snr == pytest.approx(-20 - noise_dbfs, abs=3.0)
    assert res.status is status, res.message_ru


def test_good_speech_passes():
    res = judge_speech(_voice(-65), R)
    assert res.status is Status.PASS
    assert res.values["late_start"] is False and res.values["clipped_fraction"] == 0.0


def test_no_voice_fails():
    res = judge_speech(noise(3, -60, R), R)
    assert res.status is Status.FAIL and "Голос не слышен" in res.message_ru


def test_speech_digital_zeros_privacy_remedy():
    res = judge_speech(np.zeros(3 * R), R)
    assert res.status is Status.FAIL and "Конфиденциальность → Микрофон" in res.remedy_ru


@pytest.mark.parametrize("fraction, status", [(0.003, Status.PASS), (0.008, Status.WARN), (0.03, Status.FAIL)])
def test_clipping_thresholds(fraction, status):
    x = _voice(-65)
    voiced = np.flatnonzero(np.abs(x) > 0.01)
    idx = voiced[np.linspace(0, len(voiced) - 1, int(fraction * (voiced[-1] - voiced[0]))).astype(int)]
    x[idx] = 0.99
    res = judge_speech(x, R)
    assert res.values["clipped_fraction"] == pytest.approx(fraction, rel=0.15)
    assert res.status is status


def test_hard_clipped_voice_fails():
    res = judge_speech(clipped(3, R) + noise(3, -65, R), R)
    assert res.status is Status.FAIL and "перегружен" in res.message_ru


def test_late_start_by_the_speaker_warns():
    x = np.concatenate([noise(0.6, -60, R, seed=1), _voice(-60, 2.4)])
    res = judge_speech(x, R, cue_s=0.0)
    assert res.values["late_start"] and res.values["late_start_cause"] == "speaker"
    assert res.status is Status.WARN
    assert res.values["first_speech_after_cue_s"] == pytest.approx(0.6, abs=0.05)


def test_late_start_by_a_sleeping_mic_fails():
    x = np.concatenate([np.zeros(int(0.5 * R)), _voice(-60, 2.5)])
    res = judge_speech(x, R, cue_s=0.0)
    assert res.values["late_start_cause"] == "microphone_wakeup" and res.status is Status.FAIL


def test_speech_within_300_ms_of_cue_is_not_late():
    x = np.concatenate([noise(1.0, -60, R, seed=2), noise(0.15, -60, R, seed=3), _voice(-60, 2.0)])
    res = judge_speech(x, R, cue_s=1.0)
    assert not res.values["late_start"] and res.status is Status.PASS
