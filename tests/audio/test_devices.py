"""The device layer on the loopback: enumeration, stable names, format choice,
re-enumeration guarded while a stream is open."""

import pytest

from audio import devices
from audio.devices import DeviceKind, choose_input_format, find_device, list_devices
from audio.errors import DeviceBusyError, DeviceNotFoundError
from audio.player import Player
from audio.tones import tone


def test_list_and_find_by_stable_name(pulse_loopback):
    inputs = list_devices(DeviceKind.INPUT)
    assert inputs and all(d.max_input_channels >= 1 for d in inputs)
    default = find_device(None, DeviceKind.INPUT)
    assert default.is_default_input and default.stable_name == "default [ALSA]"
    again = find_device(default.stable_name, DeviceKind.INPUT)
    assert again == default
    assert find_device("pulse", DeviceKind.OUTPUT).name == "pulse"
    with pytest.raises(DeviceNotFoundError):
        find_device("pulse [Windows WASAPI]", DeviceKind.INPUT)


def test_input_format_prefers_storage_rate(pulse_loopback):
    fmt = choose_input_format(find_device(None, DeviceKind.INPUT))
    assert (fmt.samplerate, fmt.channels) == (16000, 1)
    fmt = choose_input_format(find_device(None, DeviceKind.INPUT), preferred_rate=48000)
    assert fmt.samplerate == 48000


def test_no_reenumeration_while_a_stream_is_open(pulse_loopback):
    player = Player()
    player.play(tone(300, 1.0, 48000, 0.1), 48000)
    try:
        with pytest.raises(DeviceBusyError):
            devices.reinitialize()
    finally:
        player.stop()
    devices.reinitialize()  # allowed again
    assert list_devices(DeviceKind.OUTPUT)
