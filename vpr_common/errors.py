"""The root of the project's error hierarchy.

Every failure a user can meet is a subclass of :class:`VprError`. It carries a stable
machine code (English, for logs and ``--json`` output), a plain Russian message and a
remedy for the person in front of the screen. Layers define their own subclasses
(``exam_content.errors``, ``audio.errors`` ...); the CLI wrapper and the station UI
show ``user_text`` and never a traceback.
"""

from __future__ import annotations

import errno
import sqlite3

#: errno values that mean "no room for this write": the disk or the user's quota is
#: full, or the file system cannot hold a file this large (FAT32's 4 GiB).
_DISK_FULL_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG) if e)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full: an ``OSError`` with one of the errno
    values above, or SQLite's "database or disk is full"."""
    if isinstance(exc, OSError):
        return exc.errno in _DISK_FULL_ERRNOS
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


class VprError(Exception):
    """Base of all expected, user-facing failures.

    Subclasses set ``code``, ``message_ru`` and ``remedy_ru`` as class attributes or
    pass them to ``__init__``; ``detail`` is free English text for the log.
    """

    code: str = "error"
    message_ru: str = "Произошла ошибка."
    remedy_ru: str = ""
    exit_code: int = 1

    def __init__(
        self,
        detail: str = "",
        *,
        message_ru: str | None = None,
        remedy_ru: str | None = None,
        code: str | None = None,
    ) -> None:
        if message_ru is not None:
            self.message_ru = message_ru
        if remedy_ru is not None:
            self.remedy_ru = remedy_ru
        if code is not None:
            self.code = code
        self.detail = detail
        super().__init__(detail or self.message_ru)

    @property
    def user_text(self) -> str:
        """The message and the remedy, ready to show to a person."""
        if self.remedy_ru:
            return f"{self.message_ru} {self.remedy_ru}"
        return self.message_ru

    def as_dict(self) -> dict[str, str]:
        """A JSON-friendly description (for ``--json`` output and reports)."""
        return {
            "code": str(self.code),
            "reason": str(getattr(self, "reason", self.code)),
            "message": self.detail or str(self.code),
            "message_ru": self.message_ru,
            "remedy_ru": self.remedy_ru,
        }


def error_body(exc: VprError, **extra) -> dict:
    """The one JSON shape of a failure, for ``--json`` output and every HTTP error
    answer: ``{"ok": false, "error": {code, reason, message, message_ru,
    remedy_ru}}`` plus ``extra`` keys beside ``error`` (and the exception's own
    ``extra`` dict, e.g. the committed upload offset)."""
    body = {"ok": False, "error": exc.as_dict()}
    body.update(getattr(exc, "extra", None) or {})
    body.update(extra)
    return body


class UsageError(VprError):
    """The command line or a configuration value is wrong."""

    code = "usage"
    message_ru = "Команда задана неверно."
    exit_code = 2


class InputFileError(VprError):
    """A file the user named cannot be read (missing, unreadable, empty)."""

    code = "input_file"
    message_ru = "Не удалось прочитать файл."
    remedy_ru = "Проверьте путь к файлу и права доступа."
