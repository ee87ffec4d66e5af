"""``vpr-diagnose devices|record|recover`` as a technician runs them (subprocesses on
the loopback; the CLI module lives in diagnostics/, its audio work in audio/)."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

from tests.harness.record_child import start_recording_child
from tests.conftest import REPO_ROOT


def run_cli(lb, *args, timeout=30):
    env = lb.env() if lb is not None else dict(os.environ)
    return subprocess.run([sys.executable, "-m", "diagnostics.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_devices_json(pulse_loopback):
    p = run_cli(pulse_loopback, "devices", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    names = [d["stable_name"] for d in data["devices"]]
    assert "default [ALSA]" in names
    default = next(d for d in data["devices"] if d["is_default_input"])
    assert default["max_input_channels"] >= 1 and default["default_samplerate"] > 0


def test_devices_text(pulse_loopback):
    p = run_cli(pulse_loopback, "devices")
    assert p.returncode == 0 and "default [ALSA]" in p.stdout and "ввод по умолчанию" in p.stdout


def test_record_prints_summary(pulse_loopback, tmp_path):
    p = run_cli(pulse_loopback, "record", str(tmp_path), "--seconds", "1", "--name", "control")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["ok"] and s["file"] == str(tmp_path / "control.flac")
    assert 0.8 <= s["duration_s"] <= 1.1
    assert s["sha256"] == hashlib.sha256((tmp_path / "control.flac").read_bytes()).hexdigest()
    assert s["overflows"] == 0 and s["clipped_fraction"] == 0.0
    assert s["digital_silence"] is True and s["peak_dbfs"] is None  # nothing played
    assert s["warnings"] == ["digital_silence"]
    assert "Внимание: Микрофон выдаёт полную цифровую тишину" in p.stderr
    assert "Traceback" not in p.stderr


def test_record_fault_prints_saved_part_and_russian_error(private_loopback, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "diagnostics.cli", "record", str(tmp_path), "--seconds", "5",
                             "--name", "cut"], cwd=REPO_ROOT, env=private_loopback.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    private_loopback.kill_daemon()  # the headset is "unplugged"
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 4, err
    s = json.loads(out)
    assert s["ok"] is False and s["error"]["code"] == "audio_device_lost"
    assert s["file"] == str(tmp_path / "cut.flac") and s["duration_s"] > 0.3
    assert "Микрофон отключился во время записи" in err and "Traceback" not in err


def test_record_unknown_device_is_russian(pulse_loopback, tmp_path):
    p = run_cli(pulse_loopback, "record", str(tmp_path), "--seconds", "1", "--device", "Nope")
    assert p.returncode == 4
    assert "Звуковое устройство не найдено" in p.stderr and "Traceback" not in p.stderr


def test_recover_after_kill(pulse_loopback, tmp_path):
    proc, t0 = start_recording_child(pulse_loopback, tmp_path, "killed")
    time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    p = run_cli(None, "recover", str(tmp_path))
    assert p.returncode == 0, p.stderr
    item = json.loads(p.stdout)["recovered"][0]
    assert item["file"] == str(tmp_path / "killed.flac")
    assert 0.75 <= item["recovered_s"] <= 1.1 and item["details"]["recovered"] is True
    assert item["sha256"] == hashlib.sha256((tmp_path / "killed.flac").read_bytes()).hexdigest()
    again = json.loads(run_cli(None, "recover", str(tmp_path)).stdout)
    assert again["recovered"] == [] and "не найдено" in again["message_ru"]


def test_recover_a_station_answer_keeps_it_encrypted(pulse_loopback, tmp_path):
    """``vpr-diagnose recover`` on a station's sealed answer: recovered, still encrypted,
    said so in Russian; only the node's key opens it."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from audio.encryption import public_key_b64
    from audio.finalize import open_sealed

    node = X25519PrivateKey.generate()
    proc, t0 = start_recording_child(pulse_loopback, tmp_path, "answer",
                                     seal_to_b64=public_key_b64(node.public_key()))
    time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    p = run_cli(None, "recover", str(tmp_path))
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    item = json.loads(p.stdout)["recovered"][0]
    assert item["file"] == str(tmp_path / "answer.vprenc") and item["encrypted"] is True
    assert item["peak_dbfs"] is None and 0.75 <= item["recovered_s"] <= 1.1
    assert "зашифровано для узла координатора" in p.stderr
    flac, _ = open_sealed(tmp_path / "answer.vprenc", node)
    assert flac[:4] == b"fLaC"


def test_missing_portaudio_is_a_russian_error(tmp_path):
    # We cannot uninstall PortAudio in a test: a fake ``sounddevice`` module that fails the
    # way the real one does without libportaudio2 stands in for it.
    fake = tmp_path / "fake_sd"
    fake.mkdir()
    (fake / "sounddevice.py").write_text('raise OSError("PortAudio library not found")\n')
    env = dict(os.environ, PYTHONPATH=f"{fake}{os.pathsep}{REPO_ROOT}")
    p = subprocess.run([sys.executable, "-m", "diagnostics.cli", "devices"], cwd=REPO_ROOT, env=env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 4
    assert "нет библиотеки PortAudio" in p.stderr and "Traceback" not in p.stderr


def test_recover_reports_a_bad_journal_and_goes_on(pulse_loopback, tmp_path):
    proc, t0 = start_recording_child(pulse_loopback, tmp_path, "good")
    time.sleep(max(0.0, t0 + 0.5 - time.monotonic()))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    data = bytearray((tmp_path / "good.vprrec").read_bytes())
    (tmp_path / "altered.vprrec").write_bytes(bytes(data[:200]) + b"X" + bytes(data[201:]))
    p = run_cli(None, "recover", str(tmp_path))
    out = json.loads(p.stdout)
    assert p.returncode == 4 and out["ok"] is False
    assert [i["file"] for i in out["recovered"]] == [str(tmp_path / "good.flac")]
    assert out["failed"][0]["journal"] == str(tmp_path / "altered.vprrec")
    assert out["failed"][0]["error"]["code"] == "audio_journal_tampered"
    assert "контрольная цепочка не сходится" in p.stderr


def test_recover_missing_dir(tmp_path):
    p = run_cli(None, "recover", str(tmp_path / "nope"))
    assert p.returncode == 4 and "не найдена" in p.stderr


def test_unknown_subcommand_is_a_russian_usage_error():
    cases = {
        ("bogus",): "неизвестная команда «bogus»",
        (): "не указаны обязательные параметры: КОМАНДА",
        ("record",): "не указаны обязательные параметры: OUT_DIR, --seconds",
        ("record", "/tmp/x", "--seconds", "abc"): "параметр --seconds: неверное значение «abc»",
        ("devices", "--extra"): "лишние параметры: --extra",
    }
    for args, text in cases.items():
        p = run_cli(None, *args)
        assert p.returncode == 2, args
        assert p.stderr.startswith("Ошибка: Неверные параметры команды") and text in p.stderr, p.stderr
        assert "--help" in p.stderr and "Traceback" not in p.stderr
