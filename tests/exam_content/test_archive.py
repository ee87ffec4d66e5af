"""Opening encrypted packages: round trips and every bad input the issue lists, each
with its typed error and Russian message. Archives are real files written with pyzipper."""

from __future__ import annotations

import hashlib
import json
import stat
import zlib

import pyzipper
import pytest

from exam_content import errors as E
from exam_content.archive import Limits, open_package, read_password_file
from exam_content.answer_key import read_answer_key
from exam_content.builder import build_package
from exam_content.demo import demo_source_dir
from exam_content.manifest import MANIFEST_NAME

from tests.exam_content.helpers import (
    PASSWORD,
    built_package,
    copy_demo_source,
    flip_byte_in_entry,
    manifest_of,
    read_entries,
    write_archive,
)


def test_round_trip_every_language(tmp_path):
    for lang in ("en", "de", "fr"):
        pkg = built_package(tmp_path, lang, fast=False)
        opened = open_package(pkg, PASSWORD)
        m = opened.manifest
        assert m.language == lang and m.grade == 8 and not m.rehearsal
        for f in m.files:
            data = opened.media(f.path)
            source = (demo_source_dir(lang) / f.path).read_bytes()
            assert data == source
            assert hashlib.sha256(data).hexdigest() == f.sha256


def test_media_entries_are_stored_and_all_entries_aes256(tmp_path):
    pkg = built_package(tmp_path)
    with pyzipper.AESZipFile(pkg) as zf:
        for info in zf.infolist():
            assert info.flag_bits & 1 and info.wz_aes_strength == 3
            if info.filename != MANIFEST_NAME:
                assert info.compress_type == pyzipper.ZIP_STORED


def test_nothing_decrypted_is_written_to_disk(tmp_path):
    pkg = built_package(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    opened = open_package(pkg, PASSWORD)
    opened.media("media/photo_picnic.png")
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert before == after


def test_fast_build_shortens_timings_and_uses_rehearsal_audio(tmp_path):
    pkg = built_package(tmp_path, fast=True)
    m = open_package(pkg, PASSWORD).manifest
    assert m.rehearsal
    tasks = m.variants[0].tasks
    assert tasks[1].audio == "media/listening_rehearsal.ogg"
    assert (tasks[2].prep_seconds, tasks[2].answer_seconds) == (3, 6)
    assert {f.path for f in m.files} >= {"media/listening_rehearsal.ogg"}
    assert "media/listening.ogg" not in {f.path for f in m.files}


def test_answer_key_goes_to_separate_archive(tmp_path):
    out = tmp_path / "p.zip"
    result = build_package(demo_source_dir("en"), out, PASSWORD)
    key = read_answer_key(result.answers_path, PASSWORD)
    assert key["package_id"] == result.manifest.package_id
    assert key["format_version"] == 2
    assert key["answers"]["1"]["listening"] == {"A": 1, "B": 2, "C": 0, "D": 2, "E": 1}
    assert key["answers"]["1"]["reading"] == {"A": 2, "B": 0, "C": 4, "D": 1, "E": 5, "F": 3}
    assert key["answers"]["1"]["grammar"]["g5"] == {"accept": ["didn't like", "did not like"],
                                                   "case_sensitive": False, "yo_equals_ye": False}
    entries, _ = read_entries(out)
    assert b'"answer"' not in entries[MANIFEST_NAME]


def test_wrong_password(tmp_path):
    pkg = built_package(tmp_path)
    with pytest.raises(E.WrongPasswordError) as exc:
        open_package(pkg, b"not-the-password")
    assert exc.value.message_ru == "Неверный пароль к пакету."


def test_missing_package_file(tmp_path):
    with pytest.raises(E.PackageNotFoundError) as exc:
        open_package(tmp_path / "nope.zip", PASSWORD)
    assert "не найден" in exc.value.message_ru


def test_truncated_archive(tmp_path):
    pkg = built_package(tmp_path)
    data = pkg.read_bytes()
    pkg.write_bytes(data[: len(data) // 2])
    with pytest.raises(E.NotAnArchiveError) as exc:
        open_package(pkg, PASSWORD)
    assert "скачан не полностью" in exc.value.message_ru


def test_not_a_zip_at_all(tmp_path):
    pkg = tmp_path / "x.zip"
    pkg.write_text("hello")
    with pytest.raises(E.NotAnArchiveError):
        open_package(pkg, PASSWORD)


def test_tampered_media_bytes(tmp_path):
    pkg = built_package(tmp_path)
    flip_byte_in_entry(pkg, "media/photo_winter.png")
    with pytest.raises(E.TamperedArchiveError) as exc:
        open_package(pkg, PASSWORD)
    assert "photo_winter.png" in exc.value.message_ru


def test_tampered_manifest_bytes_is_reported_as_tampering_not_password(tmp_path):
    pkg = built_package(tmp_path)
    flip_byte_in_entry(pkg, MANIFEST_NAME, offset_in_data=10)
    with pytest.raises(E.TamperedArchiveError):
        open_package(pkg, PASSWORD)


def test_media_replaced_with_other_content_fails_hash(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    entries["media/photo_music.png"] = entries["media/photo_winter.png"]
    pkg = write_archive(tmp_path / "swapped.zip", entries, comment=comment)
    with pytest.raises(E.MediaMismatchError) as exc:
        open_package(pkg, PASSWORD)
    assert "photo_music.png" in exc.value.message_ru


def test_missing_media_file(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    del entries["media/photo_music.png"]
    pkg = write_archive(tmp_path / "missing.zip", entries, comment=comment)
    with pytest.raises(E.MissingFileError) as exc:
        open_package(pkg, PASSWORD)
    assert exc.value.message_ru == "В пакете не хватает файлов: media/photo_music.png."


def test_missing_manifest(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    del entries[MANIFEST_NAME]
    pkg = write_archive(tmp_path / "nomanifest.zip", entries, comment=comment)
    with pytest.raises(E.MissingFileError) as exc:
        open_package(pkg, PASSWORD)
    assert "manifest.json" in exc.value.message_ru


def test_extra_file(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    entries["media/surprise.png"] = b"\x89PNG"
    pkg = write_archive(tmp_path / "extra.zip", entries, comment=comment)
    with pytest.raises(E.ExtraFileError) as exc:
        open_package(pkg, PASSWORD)
    assert "media/surprise.png" in exc.value.message_ru


def test_unencrypted_entry_is_rejected(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    pkg = write_archive(tmp_path / "clear.zip", entries, comment=comment,
                        encrypted=set(entries) - {"media/photo_music.png"})
    with pytest.raises(E.TamperedArchiveError) as exc:
        open_package(pkg, PASSWORD)
    assert exc.value.message_ru.startswith("Файл «media/photo_music.png» в пакете не зашифрован")


@pytest.mark.parametrize("bad_name", ["/etc/passwd", "../../evil.txt", "media/../../evil", "C:/Windows/evil",
                                       "media\\evil.png", "./manifest.json"])
def test_unsafe_entry_names(tmp_path, bad_name):
    entries, comment = read_entries(built_package(tmp_path))
    entries[bad_name] = b"x"
    pkg = write_archive(tmp_path / "unsafe.zip", entries, comment=comment)
    with pytest.raises(E.UnsafeEntryError) as exc:
        open_package(pkg, PASSWORD)
    assert bad_name in exc.value.message_ru


def test_symlink_entry(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    link = pyzipper.zipfile_aes.AESZipInfo("media/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    entries["media/link.png"] = b"/etc/passwd"
    pkg = write_archive(tmp_path / "link.zip", entries, comment=comment, raw_infos={"media/link.png": link},
                        encrypted=set(entries) - {"media/link.png"})
    with pytest.raises(E.UnsafeEntryError):
        open_package(pkg, PASSWORD)


def test_duplicate_entry_names(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    pkg = write_archive(tmp_path / "dup.zip", entries, comment=comment)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pyzipper.AESZipFile(pkg, "a", encryption=pyzipper.WZ_AES) as zf:
            zf.setpassword(PASSWORD)
            zf.writestr("media/photo_music.png", entries["media/photo_winter.png"])
    with pytest.raises(E.UnsafeEntryError):
        open_package(pkg, PASSWORD)


def test_zip_bomb_by_ratio(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    entries["media/bomb.wav"] = bytes(50 * 1024 * 1024)  # 50 MB of zeros deflates ~1000:1
    pkg = write_archive(tmp_path / "bomb.zip", entries, comment=comment)
    assert pkg.stat().st_size < 1024 * 1024
    with pytest.raises(E.ArchiveTooLargeError) as exc:
        open_package(pkg, PASSWORD)
    assert "подозрительно велик" in exc.value.message_ru


def test_zip_bomb_by_total_size(tmp_path):
    pkg = built_package(tmp_path)
    with pytest.raises(E.ArchiveTooLargeError):
        open_package(pkg, PASSWORD, Limits(max_total_bytes=1000))


def test_absurd_entry_count(tmp_path):
    pkg = tmp_path / "many.zip"
    with pyzipper.ZipFile(pkg, "w") as zf:
        for i in range(2001):
            zf.writestr(f"media/f{i}.png", b"")
    with pytest.raises(E.ArchiveTooLargeError):
        open_package(pkg, PASSWORD)


def test_unknown_format_version_inside_archive(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    m = manifest_of(entries)
    m["format_version"] = 7
    entries[MANIFEST_NAME] = json.dumps(m).encode()
    pkg = write_archive(tmp_path / "v7.zip", entries, comment=comment)
    with pytest.raises(E.UnsupportedFormatError) as exc:
        open_package(pkg, PASSWORD)
    assert "«7» не поддерживается" in exc.value.message_ru


def test_manifest_failing_schema_inside_archive(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    m = manifest_of(entries)
    del m["variants"][0]["tasks"][2]["text"]
    entries[MANIFEST_NAME] = json.dumps(m).encode()
    pkg = write_archive(tmp_path / "schema.zip", entries, comment=comment)
    with pytest.raises(E.ManifestInvalidError) as exc:
        open_package(pkg, PASSWORD)
    assert "text" in exc.value.message_ru


def test_manifest_not_json(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    entries[MANIFEST_NAME] = b"{ not json"
    pkg = write_archive(tmp_path / "nojson.zip", entries, comment=comment)
    with pytest.raises(E.ManifestInvalidError) as exc:
        open_package(pkg, PASSWORD)
    assert "строка 1" in exc.value.message_ru


def test_forged_public_facts(tmp_path):
    entries, comment = read_entries(built_package(tmp_path))
    facts = json.loads(comment)
    facts["subject"] = "german"
    pkg = write_archive(tmp_path / "forged.zip", entries, comment=json.dumps(facts).encode())
    with pytest.raises(E.TamperedArchiveError) as exc:
        open_package(pkg, PASSWORD)
    assert "Открытые сведения" in exc.value.message_ru


def test_media_changed_after_opening_is_caught(tmp_path):
    pkg = built_package(tmp_path)
    opened = open_package(pkg, PASSWORD)
    entries, comment = read_entries(pkg)
    entries["media/photo_music.png"] = entries["media/photo_winter.png"]
    write_archive(pkg, entries, comment=comment)
    with pytest.raises(E.MediaMismatchError):
        opened.media("media/photo_music.png")


def test_password_file(tmp_path):
    f = tmp_path / "pw.txt"
    f.write_text("  secret pass \r\nsecond line\n", encoding="utf-8")
    assert read_password_file(f) == b"secret pass"
    f.write_text("\n")
    with pytest.raises(E.PasswordFileError):
        read_password_file(f)
    with pytest.raises(E.PasswordFileError):
        read_password_file(tmp_path / "absent.txt")


def test_little_endian_ctr_matches_pyzippers_cipher():
    """Our CTR must equal the pycryptodomex cipher pyzipper uses, across chunk sizes."""
    import os

    from Cryptodome.Cipher import AES
    from Cryptodome.Util import Counter

    from exam_content.aes_entry import LittleEndianCtr

    key = os.urandom(32)
    data = os.urandom(3 * 65536 + 7)
    reference = AES.new(key, AES.MODE_CTR, counter=Counter.new(nbits=128, little_endian=True)).decrypt(data)
    ours = LittleEndianCtr(key)
    out = ours.decrypt(data[:65536]) + ours.decrypt(data[65536:3 * 65536]) + ours.decrypt(data[3 * 65536:])
    assert out == reference


def test_large_media_entry_round_trip_uses_parallel_path(tmp_path):
    """A media file above the two-core threshold decrypts and verifies byte for byte."""
    import os

    from exam_content.aes_entry import _PARALLEL_MIN

    src = copy_demo_source(tmp_path)
    big = os.urandom(_PARALLEL_MIN + 12345)
    wav = src / "media" / "listening.ogg"
    wav.write_bytes(big)
    out = tmp_path / "big.zip"
    build_package(src, out, PASSWORD)
    opened = open_package(out, PASSWORD)
    assert opened.media("media/listening.ogg") == big
    flip_byte_in_entry(out, "media/listening.ogg", offset_in_data=_PARALLEL_MIN + 100)
    with pytest.raises(E.TamperedArchiveError):
        open_package(out, PASSWORD)
