"""Audio devices: enumeration, choosing a device by its stable name, and picking a
format the device really supports.

Owns the process-wide PortAudio state (via ``sounddevice``). Threads: called from the
caller's thread only; the count of open streams is updated by the recorder and player
(under a lock) so that :func:`reinitialize` refuses to re-enumerate while a stream is
open (PortAudio would invalidate it).

Stable names: PortAudio indexes change when devices come and go, so the station saves a
device as ``"<device name> [<host API>]"`` and looks it up again with
:func:`find_device`.

Host API choice on Windows: WASAPI first, because it reports a device that was
unplugged (the stream ends with an error) and does not resample behind our back; then
DirectSound, then MME (MME hides faults and is the API behind "recordings of zeros").
"""

from __future__ import annotations

import sys
import threading
from dataclasses import asdict, dataclass
from enum import Enum


from audio.backend import sd
from audio.errors import DeviceBusyError, DeviceNotFoundError, DeviceSettingsError

STORAGE_RATE = 16000
_WINDOWS_HOSTAPI_ORDER = ("Windows WASAPI", "Windows DirectSound", "MME")

_lock = threading.Lock()
_open_streams = 0


class DeviceKind(Enum):
    """Direction of a device."""

    INPUT = "input"
    OUTPUT = "output"


@dataclass(frozen=True)
class DeviceInfo:
    """One device as PortAudio sees it now."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool
    is_default_output: bool

    @property
    def stable_name(self) -> str:
        """The name to save in configuration (survives re-enumeration)."""
        return f"{self.name} [{self.hostapi}]"

    def as_dict(self) -> dict:
        d = asdict(self)
        d["stable_name"] = self.stable_name
        return d


@dataclass(frozen=True)
class InputFormat:
    """A capture format verified with ``check_input_settings``."""

    device: DeviceInfo
    samplerate: int
    channels: int


def stream_opened() -> None:
    """Called by the recorder/player when a stream opens."""
    global _open_streams
    with _lock:
        _open_streams += 1


def stream_closed() -> None:
    """Called by the recorder/player when a stream closes."""
    global _open_streams
    with _lock:
        _open_streams = max(0, _open_streams - 1)


def reinitialize() -> None:
    """Re-enumerate devices (PortAudio terminate + initialize).

    Raises :class:`DeviceBusyError` while a recorder or player stream is open.
    """
    with _lock:
        if _open_streams:
            raise DeviceBusyError(f"{_open_streams} stream(s) open")
        sd._terminate()  # noqa: SLF001 - the documented way to re-scan in sounddevice
        sd._initialize()  # noqa: SLF001


def _default_indices() -> tuple[int, int]:
    """Default input/output indices: on Windows those of the preferred host API (PortAudio's
    own default there is MME, which hides faults); elsewhere PortAudio's defaults."""
    d_in = d_out = -1
    if sys.platform != "win32":
        try:
            d_in, d_out = (int(x) for x in sd.default.device)
        except (TypeError, ValueError):
            d_in = d_out = -1
    if d_in < 0 or d_out < 0:
        api = _preferred_hostapi()
        if api is not None:
            d_in = int(api.get("default_input_device", -1)) if d_in < 0 else d_in
            d_out = int(api.get("default_output_device", -1)) if d_out < 0 else d_out
    return d_in, d_out


def _preferred_hostapi() -> dict | None:
    apis = list(sd.query_hostapis())
    if sys.platform == "win32":
        for wanted in _WINDOWS_HOSTAPI_ORDER:
            for api in apis:
                if api["name"] == wanted:
                    return api
    return apis[0] if apis else None


def list_devices(kind: DeviceKind | None = None) -> list[DeviceInfo]:
    """All devices (or only inputs/outputs), defaults marked. Never raises for an empty list."""
    apis = sd.query_hostapis()
    d_in, d_out = _default_indices()
    out = []
    for i, d in enumerate(sd.query_devices()):
        info = DeviceInfo(
            index=i, name=d["name"], hostapi=apis[d["hostapi"]]["name"],
            max_input_channels=int(d["max_input_channels"]),
            max_output_channels=int(d["max_output_channels"]),
            default_samplerate=float(d["default_samplerate"]),
            is_default_input=(i == d_in), is_default_output=(i == d_out),
        )
        if kind is DeviceKind.INPUT and info.max_input_channels < 1:
            continue
        if kind is DeviceKind.OUTPUT and info.max_output_channels < 1:
            continue
        out.append(info)
    return out


def find_device(name: str | None, kind: DeviceKind) -> DeviceInfo:
    """The device saved as ``name`` (stable name or plain name), or the default device
    when ``name`` is None. On Windows a plain name prefers the WASAPI entry.

    Raises :class:`DeviceNotFoundError`.
    """
    devices = list_devices(kind)
    if name is None:
        for d in devices:
            if (d.is_default_input if kind is DeviceKind.INPUT else d.is_default_output):
                return d
        if devices:
            return devices[0]
        raise DeviceNotFoundError(f"no {kind.value} device at all")
    for d in devices:
        if d.stable_name == name:
            return d
    matches = [d for d in devices if d.name == name]
    if matches:
        order = {api: i for i, api in enumerate(_WINDOWS_HOSTAPI_ORDER)}
        matches.sort(key=lambda d: order.get(d.hostapi, len(order)))
        return matches[0]
    raise DeviceNotFoundError(f"{kind.value} device {name!r} not found")


def choose_input_format(device: DeviceInfo, preferred_rate: int = STORAGE_RATE) -> InputFormat:
    """The first capture format the device accepts: the storage rate, then the device's
    default rate, then 48 and 44.1 kHz; mono first, then stereo (mixed down later).

    Raises :class:`DeviceSettingsError` when nothing is accepted.
    """
    rates = [preferred_rate, int(device.default_samplerate), 48000, 44100]
    channel_options = [1] + ([2] if device.max_input_channels >= 2 else [])
    last_error = ""
    for rate in dict.fromkeys(r for r in rates if r > 0):
        for ch in channel_options:
            try:
                sd.check_input_settings(device=device.index, channels=ch, dtype="int16", samplerate=rate)
            except Exception as exc:  # noqa: BLE001 - PortAudio raises several types
                last_error = str(exc)
                continue
            return InputFormat(device=device, samplerate=rate, channels=ch)
    raise DeviceSettingsError(f"{device.stable_name}: no usable input format ({last_error})")


def input_device_alive(device: DeviceInfo, fmt: InputFormat) -> bool:
    """Whether the device still accepts the format (used to tell an unplugged device
    from a stream the audio system merely aborted)."""
    try:
        sd.check_input_settings(device=device.index, channels=fmt.channels, dtype="int16",
                                samplerate=fmt.samplerate)
    except Exception:  # noqa: BLE001
        return False
    return True
