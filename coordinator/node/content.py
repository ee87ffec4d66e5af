"""What the node hands out besides receiving packages: the exam package file (opaque
bytes and their SHA-256; its format belongs to ``exam_content``), the archive password
once the coordinator releases it, and the imported list of valid participant codes."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from coordinator.node.errors import ConflictError, NodeDiskFullError, NotFoundError
from coordinator.node.storage import NodeStore
from vpr_common.errors import is_disk_full
from vpr_common.atomic import fsync_dir
from vpr_common.errors import InputFileError

_CODE_RE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class ExamPackageInfo:
    name: str
    sha256: str
    size: int
    path: Path


def set_exam_package(store: NodeStore, src: Path) -> ExamPackageInfo:
    """Copy ``src`` into the node (streaming, hashed) and make it the current package.

    Raises :class:`InputFileError` if unreadable, :class:`NodeDiskFullError`.
    """
    src = Path(src)
    if not src.is_file():
        raise InputFileError(f"{src} is not a file", message_ru=f"Файл не найден: {src}.")
    tmp = store.exam_dir / f".upload-{secrets.token_hex(6)}.tmp"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while block := fin.read(1024 * 1024):
                digest.update(block)
                fout.write(block)
                size += len(block)
            fout.flush()
            os.fsync(fout.fileno())
        target = store.exam_dir / f"{digest.hexdigest()}.bin"
        tmp.replace(target)
        fsync_dir(store.exam_dir)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise NodeDiskFullError(str(exc)) from exc
        raise InputFileError(str(exc), message_ru=f"Не удалось прочитать файл {src}.") from exc
    store.set_meta(exam_name=src.name, exam_sha256=digest.hexdigest(), exam_size=str(size))
    return ExamPackageInfo(src.name, digest.hexdigest(), size, target)


def exam_package(store: NodeStore) -> ExamPackageInfo:
    """Raises :class:`NotFoundError` if the coordinator has not set one."""
    sha = store.get_meta("exam_sha256")
    if not sha:
        raise NotFoundError("no exam package", code="no_exam_package",
                            message_ru="Координатор ещё не загрузил экзаменационный пакет на узел.",
                            remedy_ru="Выполните на узле: vpr-node set-package ФАЙЛ.")
    return ExamPackageInfo(store.get_meta("exam_name", ""), sha, int(store.get_meta("exam_size", "0")),
                           store.exam_dir / f"{sha}.bin")


def set_password(store: NodeStore, password: str, release: bool) -> None:
    store.set_meta(exam_password=password, password_released_at=str(time.time()) if release else None)


def release_password(store: NodeStore, password: str | None = None) -> None:
    """Release the stored (or given) password to the stations.

    Raises :class:`ConflictError` if no password is known.
    """
    password = password or store.get_meta("exam_password")
    if not password:
        raise ConflictError("no password", code="no_password",
                            message_ru="Пароль к материалам ещё не задан.",
                            remedy_ru="Выполните: vpr-node release-password ПАРОЛЬ (пароль из ЛК ФИС ОКО).")
    set_password(store, password, release=True)


def released_password(store: NodeStore) -> str:
    """Raises :class:`ConflictError` (``password_not_released``) until released."""
    if not store.get_meta("password_released_at"):
        raise ConflictError("password not released", code="password_not_released",
                            message_ru="Координатор ещё не открыл пароль к материалам.",
                            remedy_ru="Дождитесь, когда координатор выполнит vpr-node release-password.")
    return store.get_meta("exam_password", "")


def parse_codes(text: str) -> tuple[list[str], list[str]]:
    """Codes from a text/CSV list (one per line or cell; a header line is ignored).

    Returns (valid 5-digit codes, other non-empty cells that looked like data).
    """
    good: list[str] = []
    bad: list[str] = []
    for row in csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ","):
        for cell in row:
            cell = cell.strip().strip("\ufeff")
            if not cell:
                continue
            if _CODE_RE.match(cell):
                good.append(cell)
            elif any(ch.isdigit() for ch in cell):
                bad.append(cell)
    return sorted(set(good)), bad


def import_codes_file(store: NodeStore, path: Path) -> dict:
    """Import a code list; raises :class:`InputFileError` if unreadable or empty."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(str(exc), message_ru=f"Не удалось прочитать список кодов {path}.") from exc
    good, bad = parse_codes(text)
    if not good:
        raise InputFileError("no 5-digit codes", message_ru=f"В файле {path} нет пятизначных кодов участников.",
                             remedy_ru="Нужен текст или CSV: один пятизначный код в строке.")
    added = store.import_codes(good)
    return {"codes_in_file": len(good), "added": added, "ignored": bad, "total": len(store.list_codes())}
