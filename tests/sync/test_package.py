"""Response packages: sealing, verification, and every alteration refused."""

from __future__ import annotations

import base64
import json
import os
import zipfile

import pytest

from sync.errors import PackageError, PackageInputError
from sync.package import (SEALED_ATTR, SEALED_DATE, SEALED_SYSTEM, canonical_json, read_manifest, seal_package,
                          verify_package)
from sync.signing import StationKey, generate_private_key


@pytest.fixture()
def key():
    return StationKey("st-test", generate_private_key())


@pytest.fixture()
def sources(tmp_path):
    a = tmp_path / "src" / "task1.flac"
    a.parent.mkdir()
    a.write_bytes(os.urandom(300_000))
    b = tmp_path / "src" / "task2.flac"
    b.write_bytes(os.urandom(1000))
    return {"task1.flac": a, "task2.flac": b}


META = {"participant_code": "12345", "variant": "3", "subject": "english",
        "timeline": [{"at": "2026-04-01T08:00:00+00:00", "event": "start"}], "readiness": {"ok": True}}


def test_seal_and_verify_roundtrip(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path / "out")
    assert pkg.path.name == f"{pkg.package_id}.vprpkg"
    v = verify_package(pkg.path, key.private_key.public_key(), expected_id=pkg.package_id)
    assert (v.participant_code, v.variant, v.subject, v.station_id) == ("12345", "3", "english", "st-test")
    names = {f["name"]: f["size"] for f in v.manifest["files"]}
    assert names == {"task1.flac": 300_000, "task2.flac": 1000}
    assert v.manifest["timeline"][0]["event"] == "start"
    assert list((tmp_path / "out").iterdir()) == [pkg.path]  # no temp file left


def test_same_content_same_id(tmp_path, key, sources):
    meta = dict(META, created_at="2026-04-01T08:00:00+00:00")
    a = seal_package(sources, meta, key, tmp_path / "a")
    b = seal_package(sources, meta, key, tmp_path / "b")
    assert a.package_id == b.package_id


def test_wrong_key_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    with pytest.raises(PackageError) as err:
        verify_package(pkg.path, generate_private_key().public_key())
    assert err.value.reason == "bad_signature"


def _sealed_info(name: str) -> zipfile.ZipInfo:
    """A member header as the sealer writes it, so only the content differs."""
    info = zipfile.ZipInfo(name, SEALED_DATE)
    info.create_system, info.external_attr = SEALED_SYSTEM, SEALED_ATTR
    return info


def _rewrite(src, dst, change):
    """Copy a package member by member, letting ``change(name, data)`` alter data."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(_sealed_info(info.filename), data)


def test_altered_file_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    bad = tmp_path / "bad.vprpkg"
    _rewrite(pkg.path, bad, lambda n, d: (b"X" + d[1:]) if n == "files/task2.flac" else d)
    with pytest.raises(PackageError) as err:
        verify_package(bad, key.private_key.public_key())
    assert err.value.reason == "file_hash_mismatch"


def test_byte_flipped_in_place_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    raw = bytearray(pkg.path.read_bytes())
    raw[1000] ^= 0xFF  # inside task1.flac data
    pkg.path.write_bytes(bytes(raw))
    with pytest.raises(PackageError) as err:
        verify_package(pkg.path, key.private_key.public_key())
    assert err.value.reason == "file_hash_mismatch"


def test_altered_manifest_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)

    def change(name, data):
        if name == "manifest.json":
            m = json.loads(data)
            m["participant_code"] = "54321"
            return canonical_json(m)
        return data

    bad = tmp_path / "bad.vprpkg"
    _rewrite(pkg.path, bad, change)
    with pytest.raises(PackageError) as err:
        verify_package(bad, key.private_key.public_key())
    assert err.value.reason == "bad_signature"
    with pytest.raises(PackageError) as err:
        verify_package(pkg.path, key.private_key.public_key(), expected_id="0" * 64)
    assert err.value.reason == "id_mismatch"


def test_extra_and_missing_files_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    extra = tmp_path / "extra.vprpkg"
    _rewrite(pkg.path, extra, lambda n, d: d)
    with zipfile.ZipFile(extra, "a") as zf:
        zf.writestr(_sealed_info("files/evil.txt"), b"x")
    with pytest.raises(PackageError) as err:
        verify_package(extra, key.private_key.public_key())
    assert err.value.reason == "extra_file"
    missing = tmp_path / "missing.vprpkg"
    _rewrite(pkg.path, missing, lambda n, d: None if n == "files/task1.flac" else d)
    with pytest.raises(PackageError) as err:
        verify_package(missing, key.private_key.public_key())
    assert err.value.reason == "file_missing"


def test_truncated_package_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    data = pkg.path.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        t = tmp_path / f"t{cut}.vprpkg"
        t.write_bytes(data[:cut])
        with pytest.raises(PackageError) as err:
            verify_package(t, key.private_key.public_key())
        assert err.value.reason == "bad_format"


def test_forged_signature_bytes_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    other = StationKey("st-test", generate_private_key())
    _, raw, _ = read_manifest(pkg.path)
    forged = tmp_path / "forged.vprpkg"
    sig = base64.b64encode(other.private_key.sign(b"VPR-PACKAGE-1\n" + raw))
    _rewrite(pkg.path, forged, lambda n, d: sig if n == "manifest.sig" else d)
    with pytest.raises(PackageError) as err:
        verify_package(forged, key.private_key.public_key())
    assert err.value.reason == "bad_signature"


@pytest.mark.parametrize("name", ["../evil", "/abs", "a\\b", ".hidden", ""])
def test_bad_names_refused_at_seal(tmp_path, key, sources, name):
    with pytest.raises(PackageInputError):
        seal_package({name: sources["task1.flac"]}, META, key, tmp_path)


def test_missing_meta_refused(tmp_path, key, sources):
    with pytest.raises(PackageInputError):
        seal_package(sources, {"variant": "1", "subject": "english"}, key, tmp_path)


# -- every byte of the file is covered by what is verified (issue 20) --------------------
def _refused_as_bad_format(path, key):
    with pytest.raises(PackageError) as err:
        verify_package(path, key.private_key.public_key())
    assert err.value.reason == "bad_format"


def test_regression_bytes_prepended_before_the_zip_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    forged = tmp_path / "prefixed.vprpkg"
    forged.write_bytes(b"MZ" + b"\0" * 4094 + pkg.path.read_bytes())  # zipfile itself still opens this
    with zipfile.ZipFile(forged) as zf:
        assert zf.read("manifest.json")
    _refused_as_bad_format(forged, key)


def test_regression_trailing_bytes_after_the_zip_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    forged = tmp_path / "trailing.vprpkg"
    forged.write_bytes(pkg.path.read_bytes() + b"hidden payload")
    _refused_as_bad_format(forged, key)


def test_regression_duplicate_member_name_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    forged = tmp_path / "dup.vprpkg"
    with zipfile.ZipFile(pkg.path) as src, zipfile.ZipFile(forged, "w", zipfile.ZIP_STORED) as dst, \
            pytest.warns(UserWarning, match="Duplicate name"):
        first = src.infolist()[0]
        dst.writestr(zipfile.ZipInfo(first.filename, (2020, 1, 1, 0, 0, 0)), b"a decoy with the same name")
        for info in src.infolist():
            dst.writestr(info, src.read(info))
    _refused_as_bad_format(forged, key)


def test_regression_bytes_between_members_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    raw = pkg.path.read_bytes()
    with zipfile.ZipFile(pkg.path) as zf:
        infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
        second = infos[1].header_offset
    forged = tmp_path / "gap.vprpkg"
    # a gap before the second member, with the offsets of the central directory fixed up
    # so that zipfile reads every member: only the layout check notices the hidden bytes
    gap = b"\0" * 64
    body = bytearray(raw[:second] + gap + raw[second:])
    cd = body.find(b"PK\x01\x02")
    while cd != -1:
        off = int.from_bytes(body[cd + 42:cd + 46], "little")
        if off >= second:
            body[cd + 42:cd + 46] = (off + len(gap)).to_bytes(4, "little")
        cd = body.find(b"PK\x01\x02", cd + 4)
    eocd = body.rfind(b"PK\x05\x06")
    start = int.from_bytes(body[eocd + 16:eocd + 20], "little")
    body[eocd + 16:eocd + 20] = (start + len(gap)).to_bytes(4, "little")
    forged.write_bytes(bytes(body))
    with zipfile.ZipFile(forged) as zf:
        assert all(zf.read(i) is not None for i in zf.infolist())
    _refused_as_bad_format(forged, key)


def test_sealed_packages_pass_the_layout_check_small_and_zip64(tmp_path, key, sources):
    verify_package(seal_package(sources, META, key, tmp_path).path, key.private_key.public_key())
    from sync.package import check_layout

    path = tmp_path / "z64.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        with zf.open(zipfile.ZipInfo("files/a", (2020, 1, 1, 0, 0, 0)), "w", force_zip64=True) as fh:
            fh.write(b"a" * 5000)
    with zipfile.ZipFile(path) as zf:
        check_layout(zf, path.stat().st_size)


@pytest.mark.parametrize("system, accepted", [(0, True), (3, True), (11, False)])
def test_windows_sealed_packages_of_the_earlier_sealer_still_verify(tmp_path, key, sources, system, accepted):
    """Stations sealed on Windows before the header was pinned wrote ``create_system``
    0 (MS-DOS); such packages wait in outboxes and must still be accepted. Any other
    value is not what a sealer wrote."""
    pkg = seal_package(sources, META, key, tmp_path / "out")
    raw = bytearray(pkg.path.read_bytes())
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) >= 0:  # every central directory entry: "version made by" high byte
        raw[at + 5] = system
        at += 4
    old = tmp_path / "old.vprpkg"
    old.write_bytes(bytes(raw))
    if accepted:
        assert verify_package(old, key.private_key.public_key()).manifest is not None
    else:
        with pytest.raises(PackageError) as err:
            verify_package(old, key.private_key.public_key())
        assert err.value.reason == "bad_format"
