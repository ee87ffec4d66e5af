"""Response packages: sealing, verification, and every alteration refused."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile

import pytest

from sync.errors import PackageError, PackageInputError
import sync.package as package_mod
from sync.package import StreamedMembers, canonical_json, read_manifest, seal_package, verify_package
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


def _rewrite(src, dst, change):
    """Copy a package member by member, letting ``change(name, data)`` alter data."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)


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
        zf.writestr("files/evil.txt", b"x")
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


# -- member digests computed while the bytes stream in (sync.package.StreamedMembers) --

def _stream(data: bytes, sizes) -> StreamedMembers:
    streamed, i = StreamedMembers(), 0
    while i < len(data):
        n = sizes[i % len(sizes)]
        streamed.update(data[i:i + n])
        i += n
    return streamed


@pytest.mark.parametrize("sizes", [[1], [7, 29, 30, 31], [45, 1000], [1 << 20]])
def test_streamed_member_digests_match_whatever_the_pieces(tmp_path, key, sources, sizes):
    pkg = seal_package(sources, META, key, tmp_path)
    raw = pkg.path.read_bytes()
    streamed = _stream(raw, sizes)
    assert streamed.position == len(raw)
    with zipfile.ZipFile(pkg.path) as zf:
        expected = {i.header_offset: (i.filename, i.file_size, hashlib.sha256(zf.read(i)).hexdigest())
                    for i in zf.infolist()}
    assert streamed.members == expected  # every member; the central directory ends the parsing


def test_verify_with_streamed_digests_reads_no_member_and_trusts_no_lie(tmp_path, key, sources, monkeypatch):
    pkg = seal_package(sources, META, key, tmp_path)
    streamed = _stream(pkg.path.read_bytes(), [1 << 16])
    reads: list[str] = []
    original = package_mod._hash_stored_member
    monkeypatch.setattr(package_mod, "_hash_stored_member", lambda zf, info, d: (reads.append(info.filename),
                                                                                  original(zf, info, d))[1])
    verify_package(pkg.path, key.private_key.public_key(), streamed=streamed)
    assert reads == []
    first = min(streamed.members)
    name, size, _ = streamed.members[first]
    streamed.members[first] = (name, size, "0" * 64)  # a wrong streamed digest is compared like a read one
    with pytest.raises(PackageError) as err:
        verify_package(pkg.path, key.private_key.public_key(), streamed=streamed)
    assert err.value.reason == "file_hash_mismatch"
    partial = _stream(pkg.path.read_bytes()[:1000], [1000])  # saw only the start: not used at all
    verify_package(pkg.path, key.private_key.public_key(), streamed=partial)
    assert len(reads) == len(sources)


def test_streamed_digests_of_altered_bytes_refused(tmp_path, key, sources):
    pkg = seal_package(sources, META, key, tmp_path)
    raw = bytearray(pkg.path.read_bytes())
    raw[100] ^= 1
    pkg.path.write_bytes(raw)
    with pytest.raises(PackageError) as err:
        verify_package(pkg.path, key.private_key.public_key(), streamed=_stream(bytes(raw), [4096]))
    assert err.value.reason == "file_hash_mismatch"


def test_streamed_parser_reads_zip64_sizes_and_stops_at_data_descriptors(tmp_path):
    path = tmp_path / "z.zip"
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open(zipfile.ZipInfo("files/a"), "w", force_zip64=True) as fh:  # sizes in the zip64 extra field
            fh.write(b"a" * 5000)
    raw = path.read_bytes()
    streamed = _stream(raw, [333])
    assert streamed.members == {0: ("files/a", 5000, hashlib.sha256(b"a" * 5000).hexdigest())}

    class Unseekable(io.RawIOBase):  # zipfile then writes a data descriptor after the data
        def __init__(self):
            self.buf = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.buf += b
            return len(b)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w") as zf:
        zf.writestr("files/b", b"b" * 100)
    assert _stream(bytes(sink.buf), [64]).members == {}  # size unknown in the header: left to verify_package
