"""The player on the real loopback: prompts decoded from memory are heard (recorded
back) at the right frequency and volume; callbacks and the play counter work."""

import io
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from audio.devices import DeviceInfo
from audio.errors import AudioDecodeError, DeviceSettingsError
from audio.player import Player, decode, fit_to_device
from audio.recorder import Recorder
from audio.tones import beep, tone


def _encoded(samples, rate, fmt):
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format=fmt, subtype={"FLAC": "PCM_16", "WAV": "PCM_16", "OGG": "VORBIS"}[fmt])
    return buf.getvalue()


def _peak_freq_and_rms(path):
    x, rate = sf.read(path, dtype="float64")
    loud = np.flatnonzero(np.abs(x) > 0.05)
    seg = x[loud[0] + 1600: loud[-1] - 1600]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    return np.argmax(spec) * rate / len(seg), np.sqrt(np.mean(seg ** 2))


@pytest.mark.parametrize("fmt", ["FLAC", "OGG", "WAV"])
def test_decode_formats(fmt):
    data = _encoded(tone(440, 0.3, 22050, 0.5), 22050, fmt)
    samples, rate = decode(data)
    assert rate == 22050 and samples.shape[1] == 1
    assert abs(len(samples) - 6615) < 50


def test_decode_garbage():
    with pytest.raises(AudioDecodeError) as exc:
        decode(b"definitely not audio")
    assert "звуковой файл" in exc.value.user_text


def test_prompt_plays_and_is_heard(pulse_loopback, tmp_path):
    events = []
    finished = threading.Event()
    player = Player()
    levels = {}
    for volume in (1.0, 0.5):
        rec = Recorder(tmp_path, f"heard-{int(volume * 10)}")
        rec.start()
        time.sleep(0.2)
        player.volume = volume
        finished.clear()
        player.play(_encoded(tone(440, 1.0, 44100, 0.5), 44100, "FLAC"),
                    on_start=lambda: events.append("start"),
                    on_finish=lambda ok: (events.append(("finish", ok)), finished.set()))
        assert player.playing
        assert finished.wait(5)
        player.wait(1)
        time.sleep(0.2)
        res = rec.stop()
        freq, rms = _peak_freq_and_rms(res.path)
        assert freq == pytest.approx(440, abs=3)
        levels[volume] = 20 * np.log10(rms)
    assert events == ["start", ("finish", True), "start", ("finish", True)]
    assert player.play_count == 2
    assert levels[1.0] == pytest.approx(-9.0, abs=0.7)
    assert levels[1.0] - levels[0.5] == pytest.approx(6.02, abs=0.5)


def test_stop_early_reports_incomplete(pulse_loopback):
    done = []
    player = Player()
    player.play(np.tile(beep("start", 48000), 10), 48000, on_finish=done.append)
    time.sleep(0.2)
    player.stop()
    assert done == [False]
    assert not player.playing
    player.play(beep("stop"), 48000, on_finish=done.append)
    assert player.wait(3)
    assert done == [False, True] and player.play_count == 2


def test_volume_range():
    with pytest.raises(ValueError):
        Player(volume=1.5)


class FakeStrictDevice:
    """Stands in for a WASAPI shared-mode device (not available here): it accepts only
    its mix format, 48 kHz stereo."""

    info = DeviceInfo(index=7, name="Headset", hostapi="Windows WASAPI", max_input_channels=1,
                      max_output_channels=2, default_samplerate=48000.0,
                      is_default_input=False, is_default_output=True)

    def __init__(self):
        self.asked = []

    def check(self, device, channels, dtype, samplerate):
        self.asked.append((channels, samplerate))
        if (channels, samplerate) != (2, 48000):
            raise ValueError("Invalid sample rate")


def test_prompt_adapted_to_a_strict_device():
    dev = FakeStrictDevice()
    mono = tone(440, 1.0, 22050, 0.5)[:, None]
    out, rate = fit_to_device(mono, 22050, dev.info, dev.check)
    assert rate == 48000 and out.shape == (48000, 2) and out.dtype == np.float32
    assert dev.asked == [(1, 22050), (2, 22050), (1, 48000), (2, 48000)]
    spec = np.abs(np.fft.rfft(out[2000:-2000, 1]))
    assert np.argmax(spec) * 48000 / (len(out) - 4000) == pytest.approx(440, abs=2)


def test_device_refusing_everything():
    def refuse(**kw):
        raise ValueError("no")

    with pytest.raises(DeviceSettingsError):
        fit_to_device(np.zeros((10, 1), np.float32), 16000, FakeStrictDevice.info, refuse)


def test_stereo_sound_mixed_down_on_a_mono_device():
    # A mono output (a USB headset exposing one channel) gets both channels of a
    # stereo sound, not just the left one.
    info = DeviceInfo(index=3, name="Mono headset", hostapi="ALSA", max_input_channels=1,
                      max_output_channels=1, default_samplerate=16000.0,
                      is_default_input=False, is_default_output=True)
    left = tone(440, 0.5, 16000, 0.4)
    right = tone(1000, 0.5, 16000, 0.4)
    out, rate = fit_to_device(np.stack([left, right], axis=1), 16000, info, lambda **kw: None)
    assert rate == 16000 and out.shape == (8000, 1)
    spec = np.abs(np.fft.rfft(out[:, 0]))
    freqs = np.fft.rfftfreq(len(out), 1 / 16000)
    peaks = sorted(freqs[np.argsort(spec)[-2:]])
    assert peaks == pytest.approx([440, 1000], abs=3)
    assert np.allclose(out[:, 0], (left + right) / 2, atol=1e-6)
