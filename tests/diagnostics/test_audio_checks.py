"""Automatic audio checks on the real PulseAudio loopback: room noise in the sink ->
the microphone is alive; nothing playing -> exact digital zeros with the Windows
privacy-settings remedy; the devices are found and really open."""

import pytest

from diagnostics.audio_checks import check_input_alive, check_input_device, check_output_device, versions
from diagnostics.checks import Status


def test_input_alive_with_room_noise(room_noise):
    res = check_input_alive(seconds=1.0)
    assert res.status is Status.PASS, res.text_ru
    # -60 dBFS white noise at 48 kHz keeps a third of its power below 8 kHz in the 16 kHz
    # recording (-4.8 dB), and the 10th percentile of 30 ms blocks sits ~1 dB under the mean.
    assert res.values["noise_floor_dbfs"] == pytest.approx(-66, abs=2.5)
    assert res.values["capture_rate"] in (16000, 44100, 48000)


def test_silence_is_digital_zeros_with_privacy_remedy(pulse_loopback):
    res = check_input_alive(seconds=0.8)
    assert res.status is Status.FAIL
    assert "цифровые нули" in res.message_ru
    assert "Параметры → Конфиденциальность → Микрофон" in res.remedy_ru
    assert res.values["peak_dbfs"] is None or res.values["peak_dbfs"] == float("-inf")


def test_devices_present_and_open(pulse_loopback):
    out = check_output_device()
    assert out.status is Status.PASS, out.text_ru
    assert out.values["rate"] == 48000
    inp = check_input_device()
    assert inp.status is Status.PASS, inp.text_ru
    assert inp.values["rate"] == 16000


def test_named_device_missing(pulse_loopback):
    res = check_input_device("Нет такой гарнитуры [ALSA]")
    assert res.status is Status.FAIL and "не найден" in res.message_ru
    assert res.values["devices_total"] > 0  # devices exist, only this one is missing
    res = check_output_device("Нет таких наушников [ALSA]")
    assert res.status is Status.FAIL and "не найдены" in res.message_ru


def test_versions_without_importing_kivy():
    import sys

    had_kivy = "kivy" in sys.modules
    v = versions()
    assert v["python"].count(".") == 2
    assert v["kivy"] and v["portaudio"].startswith("PortAudio V19") and v["libsndfile"]
    assert ("kivy" in sys.modules) == had_kivy


def test_microphone_that_refuses_to_open_names_the_privacy_setting(pulse_loopback, monkeypatch):
    # A fake start failure: WASAPI refusing a privacy-blocked microphone cannot happen on Linux.
    from audio.errors import StreamAbortedError
    from audio.recorder import Recorder

    def fake_start(self):
        raise StreamAbortedError("fake: access denied", message_ru="Не удалось начать запись с микрофона.")

    monkeypatch.setattr(Recorder, "start", fake_start)
    res = check_input_alive(seconds=0.2)
    assert res.status is Status.FAIL and res.message_ru == "Не удалось начать запись с микрофона."
    assert "Конфиденциальность → Микрофон" in res.remedy_ru


def test_no_audio_server_in_process(pulse_loopback, monkeypatch):
    """The station's path (no child-process probe): the audio server disappears and the
    device checks fail cleanly with "no device at all"."""
    from audio import devices

    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/vpr-no-server")
    devices.reinitialize()
    try:
        assert devices.list_devices() == []
        for res in (check_output_device(), check_input_device(), check_input_alive(seconds=0.2)):
            assert res.status is Status.FAIL
            assert "нет ни одного звукового устройства" in res.message_ru, res.message_ru
            assert res.values["devices_total"] == 0
    finally:
        monkeypatch.setenv("PULSE_SERVER", pulse_loopback.server)
        devices.reinitialize()
    assert check_input_device().status is Status.PASS
