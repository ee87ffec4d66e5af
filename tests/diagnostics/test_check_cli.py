"""``vpr-diagnose check`` as a user runs it: in a subprocess on a machine with no sound
devices at all (no audio server; and a broken ALSA setup that makes PortAudio abort),
and in-process on the real loopback with room noise. Plus the readiness report schema."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import jsonschema
import pytest

from diagnostics.checks import CheckId, CheckResult, Status
from diagnostics.cli import main
from diagnostics.report import build_report, validate_report
from tests.conftest import REPO_ROOT


def _no_audio_env(tmp_path, broken_alsa=False):
    env = {k: v for k, v in os.environ.items() if k != "PULSE_SERVER"}
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    client_conf = tmp_path / "client.conf"
    client_conf.write_text("autospawn = no\n")
    env.update(XDG_RUNTIME_DIR=str(runtime), PULSE_CLIENTCONFIG=str(client_conf))
    if broken_alsa:
        empty = tmp_path / "empty-alsa.conf"
        empty.write_text("")
        env["ALSA_CONFIG_PATH"] = str(empty)  # alsa-lib then aborts the process inside PortAudio
    return env


def _run(args, env):
    return subprocess.run([sys.executable, "-m", "diagnostics.cli", "check", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_no_sound_devices_table(tmp_path):
    proc = _run([], _no_audio_env(tmp_path))
    assert proc.returncode == 3, proc.stderr
    out = proc.stdout
    assert "[FAIL] Звуковая подсистема" in out
    assert "В системе нет ни одного звукового устройства." in out
    assert "[FAIL] Наушники (вывод звука)" in out and "[FAIL] Микрофон (ввод звука)" in out
    assert "Не проверено: нет звуковых устройств (см. выше)." in out
    assert out.count("Подключите гарнитуру") == 1  # the remedy once, not per device
    assert "Станция НЕ готова" in out
    assert "Traceback" not in out + proc.stderr


@pytest.mark.parametrize("broken_alsa", [False, True])
def test_no_sound_devices_json(tmp_path, broken_alsa):
    proc = _run(["--json", "--participants", "5"], _no_audio_env(tmp_path, broken_alsa))
    assert proc.returncode == 3, proc.stderr
    report = json.loads(proc.stdout)
    validate_report(report)
    assert report["ok"] is False and report["status"] == "fail"
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["audio_system"]["status"] == "fail"
    assert checks["output_device"]["status"] == "fail" and checks["input_device"]["status"] == "fail"
    assert checks["disk"]["values"]["participants"] == 5
    if broken_alsa:
        assert "аварийно" in checks["audio_system"]["message_ru"]
        assert report["versions"]["portaudio"] is None  # never loaded in the checking process
    else:
        assert checks["audio_system"]["values"]["devices"] == 0
        assert report["versions"]["portaudio"].startswith("PortAudio")


def test_check_on_the_loopback_passes(room_noise, capsys, tmp_path):
    from exam_content.demo import write_demo_packages

    demo = write_demo_packages(tmp_path, fast=True, languages=("en",))[0]
    rc = main(["check", "--json", "--package", str(demo.build.package_path), "--participants", "25"])
    report = json.loads(capsys.readouterr().out)
    validate_report(report)
    checks = {c["id"]: c for c in report["checks"]}
    for cid in ("audio_system", "output_device", "input_device", "input_alive", "exam_package", "disk"):
        assert checks[cid]["status"] == "pass", checks[cid]
    assert [c["id"] for c in report["checks"]][:2] == ["clock", "timezone"]  # time first, as federal software
    assert rc == 0 and report["ok"] is True  # warnings (node not configured, screen) do not fail


def test_usage_error_and_audio_subcommands_still_work(pulse_loopback, capsys):
    assert main(["check", "--participants", "0"]) == 2
    assert "от 1 до 1000" in capsys.readouterr().err
    assert main(["devices", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["devices"]


def _result(status, cid=CheckId.DISK):
    return CheckResult(cid, status, "сообщение", "", {"x": float("-inf"), "t": (1, 2)})


def test_report_overall_status_and_schema():
    when = datetime(2026, 4, 1, 8, 0, tzinfo=timezone.utc)
    versions = {"python": "3.11.7", "kivy": None, "portaudio": None, "libsndfile": "1.2.2"}
    ok = build_report([_result(Status.PASS), _result(Status.WARN, CheckId.SCREEN)], versions=versions,
                      station_name="каб. 12, ПК 1", generated_at=when)
    validate_report(ok)
    assert ok["ok"] is True and ok["status"] == "warn" and ok["counts"] == {"pass": 1, "warn": 1, "fail": 0}
    assert ok["summary"] == "готова, замечания: разрешение экрана"
    assert ok["generated_at"] == "2026-04-01T08:00:00+00:00" and ok["schema_version"] == 1
    assert ok["checks"][0]["values"] == {"x": None, "t": [1, 2]}
    bad = build_report([_result(Status.FAIL)], versions=versions)
    assert bad["ok"] is False and bad["summary"].startswith("не готова")
    bad["checks"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        validate_report(bad)


def test_report_schema_shipped_in_package():
    from diagnostics.report import SCHEMA_PATH, schema

    assert SCHEMA_PATH.parent.name == "diagnostics" and schema()["properties"]["schema_version"]["const"] == 1


def test_diagnostics_never_imports_kivy():
    code = ("import sys, diagnostics.cli, diagnostics.check_cli, diagnostics.runner, diagnostics.interactive, "
            "diagnostics.report, diagnostics.audio_checks; diagnostics.audio_checks.versions(); "
            "print('kivy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_report_saved_and_loaded(tmp_path):
    from diagnostics.report import load_report, save_report

    report = build_report([_result(Status.PASS)], versions={"python": "3", "kivy": None, "portaudio": None,
                                                           "libsndfile": None})
    path = save_report(report, tmp_path / "r.json")
    assert load_report(path) == report
    path.write_text("{broken")
    assert load_report(path) is None
    assert load_report(tmp_path / "absent.json") is None
