"""``vpr-content`` as a user runs it: a real subprocess, Russian messages, exit codes,
never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.exam_content.helpers import PASSWORD, copy_demo_source


def run(*args, stdin: str | None = None):
    proc = subprocess.run([sys.executable, "-m", "exam_content.cli", *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, input=stdin, timeout=120)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    proc = run("demo", d, "--fast")
    assert proc.returncode == 0, proc.stderr
    return d


def test_demo_writes_three_packages_with_passwords(demo_dir):
    for lang in ("en", "de", "fr"):
        assert (demo_dir / f"vpr-demo-{lang}-fast.zip").is_file()
        assert len((demo_dir / f"vpr-demo-{lang}-fast.password.txt").read_text().strip()) == 12


def test_verify_ok_text_and_json(demo_dir):
    pkg, pw = demo_dir / "vpr-demo-de-fast.zip", demo_dir / "vpr-demo-de-fast.password.txt"
    proc = run("verify", pkg, "--password-file", pw)
    assert proc.returncode == 0
    assert "Пакет в порядке" in proc.stdout and "немецкий язык" in proc.stdout
    proc = run("verify", pkg, "--password-file", pw, "--json")
    data = json.loads(proc.stdout)
    assert data["ok"] and data["language"] == "de" and data["rehearsal"] is True
    assert [t["type"] for t in data["variants"][0]["tasks"]] == ["instructions", "listening", "read_aloud",
                                                                 "photo_description", "reading_matching",
                                                                 "short_answer", "short_answer"]
    assert data["variants"][0]["max_primary"] == 30 and data["variants"][0]["mark_scale"][0] == {
        "mark": 2, "min": 0, "max": 12}


def test_verify_password_from_stdin(demo_dir):
    pw = (demo_dir / "vpr-demo-fr-fast.password.txt").read_text()
    proc = run("verify", demo_dir / "vpr-demo-fr-fast.zip", "--password-file", "-", stdin=pw)
    assert proc.returncode == 0, proc.stderr


def test_verify_wrong_password(demo_dir, tmp_path):
    pw = tmp_path / "pw.txt"
    pw.write_text("wrong\n")
    proc = run("verify", demo_dir / "vpr-demo-en-fast.zip", "--password-file", pw)
    assert proc.returncode == 1
    assert proc.stderr.startswith("Ошибка: Неверный пароль к пакету.")
    proc = run("verify", demo_dir / "vpr-demo-en-fast.zip", "--password-file", pw, "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["error"]["code"] == "wrong_password"


def test_verify_truncated(demo_dir, tmp_path):
    bad = tmp_path / "cut.zip"
    bad.write_bytes((demo_dir / "vpr-demo-en-fast.zip").read_bytes()[:5000])
    proc = run("verify", bad, "--password-file", demo_dir / "vpr-demo-en-fast.password.txt")
    assert proc.returncode == 1
    assert "скачан не полностью" in proc.stderr


def test_info_needs_no_password(demo_dir):
    proc = run("info", demo_dir / "vpr-demo-en-fast.zip")
    assert proc.returncode == 0
    assert "Английский язык" in proc.stdout and "WinZip AES-256" in proc.stdout
    data = json.loads(run("info", demo_dir / "vpr-demo-en-fast.zip", "--json").stdout)
    assert data["public_facts"]["subject"] == "english" and data["public_facts_verified"] is False
    assert "variants" in data["public_facts"] and "tasks" not in json.dumps(data)


def test_info_missing_file(tmp_path):
    proc = run("info", tmp_path / "absent.zip")
    assert proc.returncode == 1
    assert "не найден" in proc.stderr


def test_build_then_verify(tmp_path):
    src = copy_demo_source(tmp_path, "en")
    pw = tmp_path / "pw.txt"
    pw.write_bytes(PASSWORD + b"\n")
    out = tmp_path / "out" / "pkg.zip"
    proc = run("build", src, out, "--password-file", pw)
    assert proc.returncode == 0, proc.stderr
    assert "Ключи ответов" in proc.stdout and (tmp_path / "out" / "pkg.answers.zip").is_file()
    assert run("verify", out, "--password-file", pw).returncode == 0


def test_build_with_missing_media(tmp_path):
    src = copy_demo_source(tmp_path, "en")
    (src / "media" / "photo_music.png").unlink()
    pw = tmp_path / "pw.txt"
    pw.write_text("x")
    proc = run("build", src, tmp_path / "o.zip", "--password-file", pw)
    assert proc.returncode == 1
    assert "«media/photo_music.png»" in proc.stderr and "не найден" in proc.stderr
    assert not (tmp_path / "o.zip").exists()


def test_build_with_missing_answer(tmp_path):
    src = copy_demo_source(tmp_path, "en")
    m = json.loads((src / "manifest.json").read_text())
    del m["variants"][0]["tasks"][1]["questions"][0]["answer"]
    (src / "manifest.json").write_text(json.dumps(m))
    pw = tmp_path / "pw.txt"
    pw.write_text("x")
    proc = run("build", src, tmp_path / "o.zip", "--password-file", pw)
    assert proc.returncode == 1
    assert "не указан верный ответ" in proc.stderr


def test_build_media_outside_source_dir(tmp_path):
    src = copy_demo_source(tmp_path, "en")
    (tmp_path / "secret.png").write_bytes(b"x")
    m = json.loads((src / "manifest.json").read_text())
    m["variants"][0]["tasks"][3]["photos"][0] = "media/../../secret.png"
    (src / "manifest.json").write_text(json.dumps(m))
    pw = tmp_path / "pw.txt"
    pw.write_text("x")
    proc = run("build", src, tmp_path / "o.zip", "--password-file", pw)
    assert proc.returncode == 1
    assert "не найден" in proc.stderr


def test_usage_error_is_russian():
    proc = run("verify")
    assert proc.returncode == 2
    assert "Неверные параметры команды" in proc.stderr
