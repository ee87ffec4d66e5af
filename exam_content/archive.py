"""Reading encrypted exam packages (WinZip AES-256 zip archives, via pyzipper).

:func:`open_package` checks the archive's structure before decrypting anything
(entry names, links, duplicates, entry count and declared sizes against zip bombs,
every entry encrypted), decrypts and validates the manifest, then streams every media
file through SHA-256 and compares it with the manifest. Nothing decrypted is written to
disk: the returned :class:`ExamPackage` decrypts a media file into memory on demand and
checks its hash again. Memory stays bounded by the largest single read (1 MiB chunks)
during verification.

Password handling: a wrong password normally fails pyzipper's 2-byte check
(``RuntimeError('Bad password ...')``). About 1 in 65,536 wrong passwords pass it and
fail later with ``BadZipFile('Bad HMAC check')`` or a deflate error - the same symptom as
tampered data. We then try another entry: each has its own salt, so a wrong password is
almost surely caught there; if every entry fails authentication, a wrong password is
still the likely cause and the message says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pyzipper

from exam_content import aes_entry
from exam_content import errors as E
from exam_content.manifest import MANIFEST_NAME, parse_manifest_bytes, validate_manifest
from exam_content.model import Manifest
from exam_content.public_facts import facts_from_comment, facts_of_manifest

log = logging.getLogger(__name__)

CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Bounds that make a hostile archive harmless (zip bombs, absurd entry counts)."""

    max_entries: int = 2000
    max_total_bytes: int = 4 * 1024**3
    max_entry_bytes: int = 2 * 1024**3
    max_manifest_bytes: int = 5 * 1024**2
    max_ratio: float = 200.0  # uncompressed / compressed, for entries above ratio_floor
    ratio_floor: int = 10 * 1024**2


@dataclass(frozen=True)
class VerifyReport:
    """What verification covered."""

    files: int
    bytes: int


def read_password_file(path: Path) -> bytes:
    """The password from the first line of ``path`` (``-`` reads stdin), surrounding
    whitespace removed. Raises :class:`PasswordFileError`."""
    import sys

    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise E.PasswordFileError(f"{path}: {exc}", message_ru=f"Не удалось прочитать файл с паролем «{path}».") from exc
    lines = text.splitlines()
    password = lines[0].strip() if lines else ""
    if not password:
        raise E.PasswordFileError(f"{path}: empty", message_ru=f"Файл с паролем «{path}» пуст.")
    return password.encode("utf-8")


def _is_unsafe_name(name: str) -> bool:
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return True
    if len(name) >= 2 and name[1] == ":":  # Windows drive letter
        return True
    return any(part in ("..", ".", "") for part in name.rstrip("/").split("/"))


def _is_link(info: pyzipper.ZipInfo) -> bool:
    mode = (info.external_attr >> 16) & 0xFFFF
    return stat.S_ISLNK(mode)


def _open_zip(path: Path) -> pyzipper.AESZipFile:
    if not path.is_file():
        raise E.PackageNotFoundError(str(path), message_ru=f"Файл пакета «{path}» не найден.")
    try:
        return pyzipper.AESZipFile(path)
    except pyzipper.BadZipFile as exc:
        raise E.NotAnArchiveError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise E.PackageNotFoundError(f"{path}: {exc}") from exc


def check_structure(zf: pyzipper.AESZipFile, limits: Limits) -> list[pyzipper.ZipInfo]:
    """Structural checks before any decryption; returns the file entries (no dirs).

    Raises :class:`UnsafeEntryError`, :class:`ArchiveTooLargeError`,
    :class:`TamperedArchiveError` (an unencrypted entry).
    """
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise E.ArchiveTooLargeError(f"{len(infos)} entries > {limits.max_entries}")
    seen: set[str] = set()
    files: list[pyzipper.ZipInfo] = []
    total = 0
    for info in infos:
        name = info.filename
        if _is_unsafe_name(name) or _is_link(info) or name in seen:
            raise E.UnsafeEntryError(f"unsafe entry {name!r}",
                                     message_ru=f"Пакет содержит недопустимый файл «{name}» (абсолютный путь, «..», ссылка или повтор имени).")
        seen.add(name)
        if info.is_dir():
            continue
        if info.file_size > limits.max_entry_bytes:
            raise E.ArchiveTooLargeError(f"{name}: {info.file_size} bytes")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise E.ArchiveTooLargeError(f"{name}: compression ratio {ratio:.0f}")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise E.ArchiveTooLargeError(f"total uncompressed size above {limits.max_total_bytes}")
        if not info.flag_bits & 0x1 or getattr(info, "wz_aes_strength", None) != 3:
            raise E.TamperedArchiveError(
                f"{name}: not AES-256 encrypted",
                message_ru=f"Файл «{name}» в пакете не зашифрован AES-256: пакет изменён после выпуска.",
            )
        files.append(info)
    return files


class _AuthFailure(Exception):
    """Internal: an entry failed authentication (HMAC/deflate) after the 2-byte check."""


def _stream(zf: pyzipper.AESZipFile, info: pyzipper.ZipInfo, password: bytes, sink: Callable[[bytes], None]) -> int:
    """Decrypt ``info`` in chunks into ``sink``; returns the byte count. Stored entries
    (media) take the fast two-core path of :mod:`exam_content.aes_entry`.

    Raises :class:`WrongPasswordError` (2-byte check) or :class:`_AuthFailure`.
    """
    if info.compress_type == pyzipper.ZIP_STORED:
        try:
            return aes_entry.stream_stored_entry(Path(zf.filename), info.header_offset, info.compress_size,
                                                 password, sink)
        except aes_entry.BadPassword as exc:
            raise E.WrongPasswordError(f"Bad password for file {info.filename!r}") from exc
        except (aes_entry.AuthFailure, OSError) as exc:
            raise _AuthFailure(f"{info.filename}: {exc}") from exc
    count = 0
    try:
        with zf.open(info, pwd=password) as fh:
            while True:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                count += len(chunk)
                if count > info.file_size:
                    raise _AuthFailure(f"{info.filename}: more data than declared")
                sink(chunk)
    except RuntimeError as exc:
        if "password" in str(exc).lower():
            raise E.WrongPasswordError(str(exc)) from exc
        raise
    except (pyzipper.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise _AuthFailure(f"{info.filename}: {exc}") from exc
    return count


def _read_all(zf, info, password) -> bytes:
    parts: list[bytes] = []
    _stream(zf, info, password, parts.append)
    return b"".join(parts)


def _diagnose_auth_failure(zf, files, failed: pyzipper.ZipInfo, password: bytes, detail: str) -> E.ContentError:
    """Decide between "wrong password" and "tampered" after ``failed`` did not authenticate."""
    others = [i for i in files if i.filename != failed.filename][:3]
    for other in others:
        try:
            _stream(zf, other, password, lambda _b: None)
        except E.WrongPasswordError:
            return E.WrongPasswordError(f"{detail}; {other.filename} failed the password check")
        except _AuthFailure:
            continue
        # Another entry authenticates with this password: the password is right.
        return E.TamperedArchiveError(f"{detail}; {other.filename} authenticates, so the data was altered")
    return E.PasswordOrDamageError(detail)


class ExamPackage:
    """A verified, opened package. Media are decrypted into memory on request."""

    def __init__(self, path: Path, password: bytes, manifest: Manifest, report: VerifyReport) -> None:
        self.path = path
        self._password = password
        self.manifest = manifest
        self.report = report

    def media(self, media_path: str) -> bytes:
        """Decrypted bytes of a listed media file, hash-checked again.

        Raises ``KeyError`` for an unlisted path and :class:`MediaMismatchError` or
        :class:`TamperedArchiveError` if the file changed since it was opened.
        """
        entry = self.manifest.file(media_path)
        with _open_zip(self.path) as zf:
            try:
                data = _read_all(zf, zf.getinfo(media_path), self._password)
            except _AuthFailure as exc:
                raise E.TamperedArchiveError(str(exc)) from exc
            except KeyError as exc:
                raise E.MissingFileError(media_path) from exc
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            raise E.MediaMismatchError(f"{media_path} changed since verification")
        return data


def open_package(path: Path | str, password: bytes, limits: Limits = Limits()) -> ExamPackage:
    """Open, decrypt and fully verify the package at ``path``.

    Raises a subclass of :class:`exam_content.errors.ContentError` for every problem:
    missing file, not a zip, unsafe or oversized entries, wrong password, tampering,
    missing/extra/mismatching media, unsupported format version, invalid manifest.
    """
    path = Path(path)
    with _open_zip(path) as zf:
        files = check_structure(zf, limits)
        by_name = {i.filename: i for i in files}
        minfo = by_name.get(MANIFEST_NAME)
        if minfo is None:
            raise E.MissingFileError("manifest.json absent", message_ru="В пакете нет описания (manifest.json).")
        if minfo.file_size > limits.max_manifest_bytes:
            raise E.ArchiveTooLargeError(f"manifest {minfo.file_size} bytes")
        try:
            raw = _read_all(zf, minfo, password)
        except _AuthFailure as exc:
            raise _diagnose_auth_failure(zf, files, minfo, password, str(exc)) from exc
        manifest = validate_manifest(parse_manifest_bytes(raw))
        _check_public_facts(zf, manifest)
        listed = {f.path for f in manifest.files}
        present = set(by_name) - {MANIFEST_NAME}
        if listed - present:
            missing = ", ".join(sorted(listed - present))
            raise E.MissingFileError(missing, message_ru=f"В пакете не хватает файлов: {missing}.")
        if present - listed:
            extra = ", ".join(sorted(present - listed))
            raise E.ExtraFileError(extra, message_ru=f"В пакете есть лишние файлы, не указанные в описании: {extra}.")
        total = 0
        for entry in manifest.files:
            digest = hashlib.sha256()
            try:
                size = _stream(zf, by_name[entry.path], password, digest.update)
            except _AuthFailure as exc:
                raise E.TamperedArchiveError(str(exc), message_ru=f"Файл «{entry.path}» в пакете повреждён или изменён.") from exc
            if size != entry.size or digest.hexdigest() != entry.sha256:
                raise E.MediaMismatchError(
                    f"{entry.path}: size {size} vs {entry.size}, sha256 {digest.hexdigest()} vs {entry.sha256}",
                    message_ru=f"Файл «{entry.path}» не совпадает с описанием пакета (размер или контрольная сумма).",
                )
            total += size
    log.info("opened package %s (%s): %d files, %d bytes", path, manifest.package_id, len(manifest.files), total)
    return ExamPackage(path, password, manifest, VerifyReport(files=len(manifest.files), bytes=total))


def _check_public_facts(zf: pyzipper.AESZipFile, manifest: Manifest) -> None:
    """The unencrypted zip comment must agree with the authenticated manifest."""

    comment = facts_from_comment(zf.comment)
    if comment is not None and comment != facts_of_manifest(manifest):
        raise E.TamperedArchiveError(
            "zip comment disagrees with the manifest",
            message_ru="Открытые сведения о пакете не совпадают с его зашифрованным описанием: пакет изменён.",
        )


def manifest_json_bytes(obj: dict) -> bytes:
    """Canonical pretty JSON used inside packages."""
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def archive_facts(path: Path) -> dict[str, Any]:
    """Facts of the archive file and its unverified public facts (no password needed).

    Raises the same structural errors as :func:`check_structure`.
    """
    with _open_zip(Path(path)) as zf:
        files = check_structure(zf, Limits())
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        public = facts_from_comment(zf.comment)
        return {
            "file": str(path),
            "size": Path(path).stat().st_size,
            "sha256": digest.hexdigest(),
            "entries": len(files),
            "uncompressed_bytes": sum(i.file_size for i in files),
            "encryption": "WinZip AES-256",
            "public_facts": public,
            "public_facts_verified": False,
        }
