"""The interactive checks driven step by step on the real loopback, the way the
station screens drive them: a speech-like signal played into the sink stands in for
the person's voice; room noise plays throughout."""

import threading
import time

import numpy as np
import pytest

from audio.player import Player
from diagnostics.checks import Status
from diagnostics.errors import TestStateError
from diagnostics.interactive import Ear, PlaybackTest, SpeechTest, SpeechTestState
from tests.diagnostics.signals import clipped, speech

RATE = 48000


@pytest.fixture
def make_test(tmp_path):
    """SpeechTest factory whose tests are always closed (a failed assertion must not
    leave a stream open for the next test)."""
    made = []

    def make():
        t = SpeechTest(work_dir=tmp_path)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


def _voice_player(signal):
    p = Player(volume=1.0)
    p.play(signal.astype(np.float32), RATE)
    return p


def test_good_speech_then_playback_and_confirm(room_noise, make_test, tmp_path):
    voice = _voice_player(speech(2.6, -20, RATE))
    time.sleep(0.4)  # the person is already speaking at the cue
    test = make_test()
    test.start()
    levels = []
    for _ in range(10):
        time.sleep(0.15)
        levels.append(test.level())
    assert test.elapsed() > 1.0
    voice.wait(5)
    time.sleep(0.3)
    auto = test.stop()
    assert auto.status is Status.PASS, auto.text_ru
    assert auto.values["snr_db"] > 30 and not auto.values["late_start"]
    assert auto.values["speech_dbfs"] == pytest.approx(-20, abs=3)
    assert max(r.peak_dbfs for r in levels if r is not None) > -20
    with pytest.raises(TestStateError):
        test.confirm(True)  # must be played back first
    finished = threading.Event()
    test.play_back(on_finish=lambda completed: finished.set())
    assert test.playing()
    assert finished.wait(5)
    final = test.confirm(True)
    assert final.status is Status.PASS and final.interactive and final.values["confirmed"]
    assert test.state is SpeechTestState.CONFIRMED
    test.close()
    assert list(tmp_path.iterdir()) == []  # the sound check is not kept


def test_not_heard_back_fails(room_noise, make_test, tmp_path):
    voice = _voice_player(speech(1.5, -20, RATE))
    time.sleep(0.3)
    test = make_test()
    test.start()
    voice.wait(5)
    test.stop()
    test.play_back()
    final = test.confirm(False)
    assert final.status is Status.FAIL and "не слышно" in final.message_ru
    test.close()


def test_late_start_flagged(room_noise, make_test, tmp_path):
    test = make_test()
    test.start()
    time.sleep(0.8)
    _voice_player(speech(1.5, -20, RATE)).wait(5)
    auto = test.stop()
    test.close()
    assert auto.values["late_start"] is True
    assert auto.values["late_start_cause"] == "speaker"
    assert auto.status is Status.WARN
    # sleep() and the player's start can only come late on a loaded machine, never early
    assert 0.55 <= auto.values["first_speech_after_cue_s"] <= 1.5


def test_loud_clipped_voice_flagged(room_noise, make_test, tmp_path):
    voice = _voice_player(clipped(2.0, RATE))
    time.sleep(0.3)
    test = make_test()
    test.start()
    voice.wait(5)
    auto = test.stop()
    test.close()
    assert auto.status is Status.FAIL
    assert auto.values["clipped_fraction"] >= 0.02
    assert "перегружен" in auto.message_ru


def test_silent_microphone_speech_test(pulse_loopback, make_test, tmp_path):
    test = make_test()
    test.start()
    time.sleep(0.5)
    assert test.hint_ru() is None  # not yet a second of zeros
    time.sleep(0.8)
    assert "полную тишину" in test.hint_ru()
    auto = test.stop()
    assert auto.status is Status.FAIL and "Конфиденциальность → Микрофон" in auto.remedy_ru
    assert test.hint_ru() is None  # not recording any more
    test.close()


def test_steps_out_of_order(pulse_loopback, make_test, tmp_path):
    test = make_test()
    with pytest.raises(TestStateError):
        test.stop()
    with pytest.raises(TestStateError):
        test.play_back()
    pb = PlaybackTest()
    with pytest.raises(TestStateError):
        pb.confirm(True, True)


def _record_stereo(seconds):
    import sounddevice as sd

    return sd.rec(int(seconds * RATE), samplerate=RATE, channels=2, dtype="float32")


def _rms_db(x):
    return 20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)


@pytest.mark.parametrize("ear", [Ear.LEFT, Ear.RIGHT])
def test_playback_goes_to_the_chosen_ear(pulse_loopback, ear):
    import sounddevice as sd

    test = PlaybackTest(volume=0.5)
    rec = _record_stereo(1.6)
    time.sleep(0.2)
    test.play(ear)
    assert test.wait(5)
    sd.wait()
    left, right = _rms_db(rec[:, 0]), _rms_db(rec[:, 1])
    loud, quiet = (left, right) if ear is Ear.LEFT else (right, left)
    # tone amplitude 0.4 at volume 0.5: RMS 0.2/sqrt(2) = -17 dBFS over its second
    assert loud > -25 and quiet < -80, (left, right)
    res = test.confirm(left=True, right=True)
    assert res.status is Status.PASS and res.values["volume"] == 0.5 and res.values["output_channels"] >= 2


def test_volume_is_adjustable_live(pulse_loopback):
    import sounddevice as sd

    test = PlaybackTest(volume=1.0)
    rec = _record_stereo(2.0)
    time.sleep(0.2)
    test.play(Ear.LEFT)
    time.sleep(0.6)
    test.volume = 0.1
    assert test.wait(5)
    sd.wait()
    env = np.abs(rec[:, 0])
    blk = RATE // 10
    levels = [env[i:i + blk].max() for i in range(0, len(env) - blk, blk)]
    assert max(levels) == pytest.approx(0.4, abs=0.05)
    assert any(0.02 < v < 0.06 for v in levels)  # 0.4 x 0.1 after the change
    with pytest.raises(ValueError):
        test.volume = 1.5
    res = test.confirm(left=True, right=False)
    assert res.status is Status.FAIL and "правом" in res.message_ru


def test_start_with_beep_puts_the_cue_after_it(room_noise, make_test, tmp_path):
    test = make_test()
    t0 = time.monotonic()
    test.start(beep=True)
    assert time.monotonic() - t0 >= 0.3  # the 0.4 s start beep was handed to the device first
    _voice_player(speech(1.2, -20, RATE)).wait(5)
    auto = test.stop()
    test.close()
    assert 0.3 <= auto.values["cue_s"] <= 1.0
    # the beep itself (recorded back through the loopback) lies before the cue
    assert auto.values["first_speech_after_cue_s"] is not None


def test_playback_of_an_encoded_phrase_in_the_right_ear(pulse_loopback):
    import io

    import sounddevice as sd
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.stack([speech(1.0, -12, 44100)] * 2, axis=1), 44100, format="WAV")  # a stereo phrase
    test = PlaybackTest(volume=1.0, sound=buf.getvalue())
    rec = _record_stereo(1.6)
    time.sleep(0.2)
    test.play(Ear.RIGHT)
    assert test.wait(5)
    sd.wait()
    assert _rms_db(rec[:, 1]) > -30 and _rms_db(rec[:, 0]) < -80
    res = test.confirm(left=False, right=False)
    assert res.status is Status.FAIL and res.values["phrase"] is True and res.values["played"] == ["right"]
