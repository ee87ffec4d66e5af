"""Helpers that build packages and hand-crafted (hostile) archives for the tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyzipper

from exam_content.builder import build_package
from exam_content.demo import demo_source_dir
from exam_content.manifest import MANIFEST_NAME

PASSWORD = b"Kx7pQ2mZr9tW"


def copy_demo_source(tmp_path: Path, lang: str = "en") -> Path:
    src = tmp_path / f"src-{lang}"
    shutil.copytree(demo_source_dir(lang), src)
    return src


def built_package(tmp_path: Path, lang: str = "en", fast: bool = True) -> Path:
    out = tmp_path / f"pkg-{lang}.zip"
    build_package(demo_source_dir(lang), out, PASSWORD, fast=fast)
    return out


def read_entries(package: Path, password: bytes = PASSWORD) -> tuple[dict[str, bytes], bytes]:
    """All decrypted entries of a package and its comment."""
    with pyzipper.AESZipFile(package) as zf:
        return {i.filename: zf.read(i, pwd=password) for i in zf.infolist()}, zf.comment


def write_archive(path: Path, entries: dict[str, bytes], *, password: bytes = PASSWORD, comment: bytes = b"",
                  encrypted: set[str] | None = None, raw_infos: dict[str, pyzipper.ZipInfo] | None = None) -> Path:
    """Write an AES-256 archive with ``entries``; names in ``encrypted`` (default: all)
    are encrypted, the others stored in the clear. ``raw_infos`` gives a ZipInfo to use
    for a name (to set link bits or odd names)."""
    encrypted = set(entries) if encrypted is None else encrypted
    raw_infos = raw_infos or {}
    with pyzipper.AESZipFile(path, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password)
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.comment = comment
        for name, data in entries.items():
            info = raw_infos.get(name, name)
            if name in encrypted:
                zf.writestr(info, data)
    if set(entries) - encrypted:
        with pyzipper.AESZipFile(path, "a") as zf:  # no encryption set: entries go in the clear
            for name in set(entries) - encrypted:
                zf.writestr(raw_infos.get(name, name), entries[name])
    return path


def manifest_of(entries: dict[str, bytes]) -> dict:
    return json.loads(entries[MANIFEST_NAME])


def flip_byte_in_entry(package: Path, name: str, offset_in_data: int = 40) -> None:
    """Corrupt one byte inside the stored (encrypted) data of entry ``name``."""
    with pyzipper.AESZipFile(package) as zf:
        info = zf.getinfo(name)
    raw = bytearray(package.read_bytes())
    # local header: 30 bytes + name + extra; then the salt/verifier and the encrypted data
    import struct

    hdr = info.header_offset
    name_len, extra_len = struct.unpack("<HH", raw[hdr + 26: hdr + 30])
    data_start = hdr + 30 + name_len + extra_len + 18  # 16-byte salt + 2-byte verifier
    pos = data_start + min(offset_in_data, info.compress_size - 30)
    raw[pos] ^= 0xFF
    package.write_bytes(bytes(raw))
