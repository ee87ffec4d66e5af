"""The rare wrong password (about 1 in 65,536) that passes WinZip AES's 2-byte password
check and fails only at authentication - the same symptom as tampered data.

Finding such a password for a random salt takes ~65,000 PBKDF2 runs, so the tests fix
the salt with ``FakeFixedSaltRandom`` (a stand-in for pyzipper's random source) and use a
colliding pair found once offline for that salt:
PBKDF2-SHA1(pw, SALT, 1000, 66)[64:66] is equal for CORRECT and WRONG."""

from __future__ import annotations

import zlib

import pyzipper
import pytest

from exam_content import errors as E
from exam_content.archive import open_package
from exam_content.builder import build_package
from exam_content.demo import demo_source_dir
from exam_content.manifest import MANIFEST_NAME

SALT = b"vpr-fixed-salt16"
CORRECT = b"demo-correct"
WRONG = b"wrong-98762"


class FakeFixedSaltRandom:
    """Replaces ``Cryptodome.Random`` inside pyzipper: the first ``fixed_calls`` salts
    are SALT, later ones are random as usual."""

    def __init__(self, fixed_calls: int | None) -> None:
        self.fixed_calls = fixed_calls
        self.calls = 0

    def new(self):
        return self

    def read(self, n: int) -> bytes:
        import os

        self.calls += 1
        if self.fixed_calls is None or self.calls <= self.fixed_calls:
            return SALT[:n]
        return os.urandom(n)


def _build(tmp_path, monkeypatch, fixed_calls):
    monkeypatch.setattr(pyzipper.zipfile_aes, "Random", FakeFixedSaltRandom(fixed_calls))
    out = tmp_path / "pkg.zip"
    build_package(demo_source_dir("en"), out, CORRECT, fast=True)
    monkeypatch.undo()
    return out


def _passes_quick_check(pkg) -> bool:
    with pyzipper.AESZipFile(pkg) as zf:
        try:
            zf.read(MANIFEST_NAME, pwd=WRONG)
        except RuntimeError:
            return False
        except (pyzipper.BadZipFile, zlib.error):
            return True
    return True


def test_collision_passes_the_quick_check_on_the_manifest(tmp_path, monkeypatch):
    pkg = _build(tmp_path, monkeypatch, fixed_calls=1)
    assert _passes_quick_check(pkg)
    assert open_package(pkg, CORRECT).manifest.language == "en"


def test_rare_wrong_password_caught_by_another_entry(tmp_path, monkeypatch):
    pkg = _build(tmp_path, monkeypatch, fixed_calls=1)  # only the manifest shares the salt
    with pytest.raises(E.WrongPasswordError) as exc:
        open_package(pkg, WRONG)
    assert exc.value.message_ru == "Неверный пароль к пакету."


def test_rare_wrong_password_everywhere_says_password_is_likely_wrong(tmp_path, monkeypatch):
    pkg = _build(tmp_path, monkeypatch, fixed_calls=None)  # every entry shares the salt
    with pytest.raises(E.PasswordOrDamageError) as exc:
        open_package(pkg, WRONG)
    assert exc.value.message_ru.startswith("Пароль, по всей видимости, неверный")
