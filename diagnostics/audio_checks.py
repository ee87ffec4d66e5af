"""Automatic audio checks: the audio system loads, the output and input devices exist
and open, and the microphone is alive (a short recording of the room).

Uses :mod:`audio` only through its public functions (devices, Recorder, Player); the
recording of the room goes to a temporary folder and is deleted. Threads: the caller's
thread (plus the audio engine's own threads while a stream is open).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from diagnostics.checks import CheckId, CheckResult, Status, from_error
from diagnostics.judge import PRIVACY_REMEDY_RU, judge_input_alive

OUTPUT_RATES = (48000, 44100)
PROBE_TIMEOUT_S = 20.0
NO_DEVICES_REMEDY_RU = ("Подключите гарнитуру. Проверьте, что звуковая служба работает "
                        "(Windows: служба «Windows Audio»; Linux: PulseAudio или PipeWire) и что звук "
                        "не отключён в BIOS; затем повторите проверку.")


def _no_audio_library(check: CheckId, exc: BaseException) -> CheckResult:
    return CheckResult(check, Status.FAIL, "Не удалось загрузить звуковую библиотеку PortAudio.",
                       "Переустановите программу станции (на Linux установите пакет libportaudio2).",
                       {"error": type(exc).__name__, "detail": str(exc)[:300]})


def versions(load_portaudio: bool = True) -> dict[str, str | None]:
    """Python, Kivy (package metadata only; kivy is never imported here), PortAudio and
    libsndfile versions; None for what is not installed or cannot load. With
    ``load_portaudio`` false PortAudio is not loaded in this process (after
    :func:`probe_audio_system` found that loading it crashes)."""
    out: dict[str, str | None] = {"python": platform.python_version(), "platform": platform.platform()}
    try:
        out["kivy"] = importlib.metadata.version("kivy")
    except importlib.metadata.PackageNotFoundError:
        out["kivy"] = None
    try:
        if not load_portaudio:
            raise OSError("not loaded: the audio system probe failed")
        import sounddevice as sd

        out["portaudio"] = sd.get_portaudio_version()[1]
    except (ImportError, OSError) as exc:
        out["portaudio"] = None
        out["portaudio_error"] = str(exc)[:200]
    try:
        import soundfile as sf

        out["libsndfile"] = sf.__libsndfile_version__
    except (ImportError, OSError):
        out["libsndfile"] = None
    return out


def probe_audio_system(timeout: float = PROBE_TIMEOUT_S, env: dict[str, str] | None = None) -> CheckResult:
    """Enumerate devices in a child process first: a broken ALSA/PortAudio setup can
    abort the whole process (SIGABRT in alsa-lib) or hang on a frozen audio server, and
    the checker itself must survive to say so."""
    code = ("import json, sounddevice as sd; d = sd.query_devices(); "
            "print(json.dumps({'devices': len(d), 'portaudio': sd.get_portaudio_version()[1]}))")
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              env=env if env is not None else dict(os.environ))
    except subprocess.TimeoutExpired:
        return CheckResult(CheckId.AUDIO_SYSTEM, Status.FAIL,
                           f"Звуковая подсистема не отвечает (нет ответа за {timeout:.0f} с).",
                           "Перезапустите звуковую службу или компьютер и повторите проверку.",
                           {"timeout_s": timeout})
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        return CheckResult(CheckId.AUDIO_SYSTEM, Status.FAIL,
                           "Звуковая подсистема аварийно завершается при обращении к устройствам.",
                           "Проверьте настройки звука системы (на Linux — файлы конфигурации ALSA), "
                           "переустановите драйвер звука; затем повторите проверку.",
                           {"exit_code": proc.returncode, "stderr_tail": " | ".join(tail)[:300]})
    import json

    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        info = {}
    values = {"devices": info.get("devices"), "portaudio": info.get("portaudio"), "probe_s": elapsed}
    if not info.get("devices"):
        return CheckResult(CheckId.AUDIO_SYSTEM, Status.FAIL, "В системе нет ни одного звукового устройства.",
                           NO_DEVICES_REMEDY_RU, values)
    return CheckResult(CheckId.AUDIO_SYSTEM, Status.PASS,
                       f"Звуковая подсистема работает, устройств: {info['devices']}.", "", values)


def _not_found(check: CheckId, what_ru: str, exc: Exception) -> CheckResult:
    """``what_ru`` is a whole phrase such as «Микрофон не найден»."""
    from audio.devices import list_devices

    total = len(list_devices())
    values = {"devices_total": total, "error": getattr(exc, "code", type(exc).__name__),
              "detail": (getattr(exc, "detail", "") or str(exc))[:300]}
    if total == 0:
        return CheckResult(check, Status.FAIL, f"{what_ru}: в системе нет ни одного звукового устройства.",
                           NO_DEVICES_REMEDY_RU, values)
    return CheckResult(check, Status.FAIL, f"{what_ru}.",
                       "Проверьте, что гарнитура подключена, и выберите её в меню технического специалиста.", values)


def check_output_device(device: str | None = None) -> CheckResult:
    """The output device (stable name; None = default) exists, accepts 48 or 44.1 kHz
    (else its own default rate) and a short stream of silence really plays."""
    check = CheckId.OUTPUT_DEVICE
    try:
        import sounddevice as sd

        from audio.devices import DeviceKind, find_device
        from audio.errors import AudioError, DeviceNotFoundError
        from audio.player import Player
    except (ImportError, OSError) as exc:
        return _no_audio_library(check, exc)
    try:
        info = find_device(device, DeviceKind.OUTPUT)
    except DeviceNotFoundError as exc:
        return _not_found(check, "Наушники (устройство вывода звука) не найдены", exc)
    values = {"device": info.stable_name, "channels": info.max_output_channels,
              "default_rate": info.default_samplerate}
    rate = None
    for r in dict.fromkeys((*OUTPUT_RATES, int(info.default_samplerate))):
        try:
            sd.check_output_settings(device=info.index, samplerate=r, channels=1, dtype="float32")
        except Exception:  # noqa: BLE001 - PortAudio raises several types
            continue
        rate = r
        break
    if rate is None:
        return CheckResult(check, Status.FAIL, f"Устройство вывода «{info.name}» не поддерживает нужный режим воспроизведения.",
                           "Выберите другое устройство вывода или подключите другую гарнитуру.", values)
    values["rate"] = rate
    player = Player(info.stable_name, volume=0.0)
    try:
        player.play(np.zeros(int(rate * 0.15), dtype=np.float32), rate)
        finished = player.wait(3.0)
    except AudioError as exc:
        return from_error(check, exc, values)
    finally:
        player.stop()
    if not finished:
        return CheckResult(check, Status.FAIL, f"Устройство вывода «{info.name}» не воспроизводит звук (поток завис).",
                           "Переподключите гарнитуру или перезапустите звуковую службу; повторите проверку.", values)
    status = Status.PASS if rate in OUTPUT_RATES else Status.WARN
    msg = f"Наушники: «{info.stable_name}», {rate} Гц."
    remedy = "" if status is Status.PASS else "Устройство не поддерживает 48 или 44,1 кГц; проверьте качество звука на слух."
    return CheckResult(check, status, msg, remedy, values)


def check_input_device(device: str | None = None) -> CheckResult:
    """The input device (stable name; None = default) exists and accepts a capture format."""
    check = CheckId.INPUT_DEVICE
    try:
        from audio.devices import DeviceKind, choose_input_format, find_device
        from audio.errors import AudioError, DeviceNotFoundError
    except (ImportError, OSError) as exc:
        return _no_audio_library(check, exc)
    try:
        info = find_device(device, DeviceKind.INPUT)
    except DeviceNotFoundError as exc:
        return _not_found(check, "Микрофон (устройство ввода звука) не найден", exc)
    values = {"device": info.stable_name, "channels": info.max_input_channels,
              "default_rate": info.default_samplerate}
    try:
        fmt = choose_input_format(info)
    except AudioError as exc:
        return from_error(check, exc, values)
    values.update(rate=fmt.samplerate, capture_channels=fmt.channels)
    return CheckResult(check, Status.PASS, f"Микрофон: «{info.stable_name}», запись {fmt.samplerate} Гц.", "", values)


def record_room(device: str | None, seconds: float, work_dir: Path | None = None) -> tuple[np.ndarray, int, dict]:
    """Record ``seconds`` of the room with the exam recorder; returns (float samples,
    rate, recording facts). Raises :class:`audio.errors.AudioError`."""
    import soundfile as sf

    from audio.recorder import Recorder

    tmp = Path(tempfile.mkdtemp(prefix="vpr-diag-", dir=work_dir))
    try:
        rec = Recorder(tmp, "room", device)
        rec.start()
        time.sleep(seconds)
        result = rec.stop()
        x, rate = sf.read(result.path, dtype="float64")
        facts = {"device": result.device, "capture_rate": result.capture_rate, "overflows": result.overflows}
        return x.reshape(-1), int(rate), facts
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_input_alive(device: str | None = None, seconds: float = 1.5, work_dir: Path | None = None) -> CheckResult:
    """Record the room for ``seconds`` through the same recorder as the exam and judge
    it with :func:`diagnostics.judge.judge_input_alive`."""
    check = CheckId.INPUT_ALIVE
    try:
        from audio.errors import AudioError, DeviceNotFoundError
    except (ImportError, OSError) as exc:
        return _no_audio_library(check, exc)
    try:
        x, rate, facts = record_room(device, seconds, work_dir)
    except DeviceNotFoundError as exc:
        return _not_found(check, "Микрофон (устройство ввода звука) не найден", exc)
    except AudioError as exc:
        # Windows (WASAPI) may refuse to open a privacy-blocked microphone instead of
        # delivering zeros: name that setting too.
        res = from_error(check, exc)
        return CheckResult(res.check, res.status, res.message_ru, f"{res.remedy_ru} {PRIVACY_REMEDY_RU}".strip(),
                           res.values)
    res = judge_input_alive(x, rate)
    return CheckResult(res.check, res.status, res.message_ru, res.remedy_ru, {**res.values, **facts})
