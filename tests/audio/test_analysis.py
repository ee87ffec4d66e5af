"""Analysis numbers on synthetic signals with known answers."""

import math

import numpy as np
import pytest

from audio.analysis import Analysis, QualityIssue, RunningAnalysis, analyze, quality_issues

RATE = 16000


def sine(freq, seconds, amp):
    t = np.arange(int(seconds * RATE)) / RATE
    return amp * np.sin(2 * np.pi * freq * t)


def test_full_scale_sine_levels():
    a = analyze(sine(1000, 1.0, 1.0), RATE)
    assert a.peak_dbfs == pytest.approx(0.0, abs=0.01)
    assert a.rms_dbfs == pytest.approx(-3.01, abs=0.02)
    assert a.speech_fraction == 1.0
    assert a.longest_silence_s == 0.0
    assert not a.digital_silence


def test_half_scale_int16_sine():
    x = np.round(sine(440, 1.0, 0.5) * 32767).astype(np.int16)
    a = analyze(x, RATE)
    assert a.peak_dbfs == pytest.approx(-6.02, abs=0.02)
    assert a.rms_dbfs == pytest.approx(-9.03, abs=0.03)
    assert a.clipped_fraction == 0.0


def test_clipped_fraction_counts_full_scale_samples():
    x = np.clip(sine(100, 1.0, 2.0), -1.0, 1.0)
    expected = np.count_nonzero(np.abs(x) >= 32767 / 32768) / len(x)
    a = analyze(x, RATE)
    assert 0.5 < a.clipped_fraction < 0.8
    assert a.clipped_fraction == pytest.approx(expected)


def test_longest_silence_and_speech_share():
    # 1 s tone, 2 s silence, 0.5 s tone, 0.5 s quiet noise (-60 dBFS: silent)
    rng = np.random.default_rng(1)
    x = np.concatenate([
        sine(300, 1.0, 0.3), np.zeros(2 * RATE), sine(300, 0.5, 0.3),
        rng.normal(0, 10 ** (-60 / 20), RATE // 2),
    ])
    a = analyze(x, RATE)
    assert a.longest_silence_s == pytest.approx(2.0, abs=0.06)
    assert a.speech_fraction == pytest.approx(1.5 / 4.0, abs=0.02)


def test_digital_silence_detected():
    a = analyze(np.zeros(RATE, dtype=np.int16), RATE)
    assert a.digital_silence
    assert math.isinf(a.peak_dbfs) and a.as_dict()["peak_dbfs"] is None
    assert a.longest_silence_s == pytest.approx(1.0)


def test_running_analysis_equals_one_shot():
    rng = np.random.default_rng(2)
    x = np.round(np.concatenate([sine(500, 0.7, 0.2), np.zeros(9000), sine(200, 0.33, 0.9)])
                 * 32767).astype(np.int16)
    x[::997] = rng.integers(-32768, 32767, len(x[::997]))
    ra = RunningAnalysis(RATE)
    for i in range(0, len(x), 1234):
        ra.add(x[i:i + 1234])
    assert ra.result() == analyze(x, RATE)


def test_round_trip_dict():
    a = analyze(sine(1000, 0.5, 0.1), RATE)
    assert Analysis.from_dict(a.as_dict()).rms_dbfs == pytest.approx(a.rms_dbfs, abs=1e-3)


def test_bad_rate_rejected():
    with pytest.raises(ValueError):
        analyze(np.zeros(10), 0)


def test_quality_issues():
    assert quality_issues(analyze(np.zeros(RATE), RATE)) == [QualityIssue.DIGITAL_SILENCE]
    assert quality_issues(analyze(sine(300, 1.0, 0.3), RATE)) == []
    quiet = quality_issues(analyze(sine(300, 1.0, 0.005), RATE))
    assert quiet == [QualityIssue.TOO_QUIET, QualityIssue.NO_SPEECH]
    assert QualityIssue.CLIPPING in quality_issues(analyze(np.clip(sine(100, 1.0, 2.0), -1, 1), RATE))
    assert all(i.message_ru for i in QualityIssue)
