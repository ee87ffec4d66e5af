"""Opening a file a user hands us (a USB stick's content, an imported table) safely:
only a regular file is read - never a FIFO (a read would wait forever), a device, a
socket or a symlink that leads to one - and never more than a size limit.

``open_regular`` opens without following a final symlink where the OS allows it
(``O_NOFOLLOW`` on POSIX) and without blocking on a FIFO (``O_NONBLOCK``), then checks
with ``fstat`` what was opened, so the check and the read concern the same file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from vpr_common.errors import InputFileError


def _refuse(path: Path, what: str) -> InputFileError:
    return InputFileError(f"{path}: not a regular file",
                          message_ru=f"«{path.name}» - не обычный файл ({what}); он не прочитан.",
                          remedy_ru="Укажите обычный файл (таблицу, пакет), а не ярлык, устройство или канал.")


def open_regular(path: Path | str, max_bytes: int | None = None) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (at most ``max_bytes`` long).
    Raises :class:`InputFileError` (Russian message) for anything else, a file too
    large, or a file that cannot be opened."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        if os.path.islink(path):
            raise _refuse(path, "ссылка")
        fd = os.open(path, flags)
    except InputFileError:
        raise
    except OSError as exc:
        raise InputFileError(f"{path}: {exc}", message_ru=f"Не удалось открыть файл «{path.name}».") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, "устройство, канал или папка")
        if max_bytes is not None and st.st_size > max_bytes:
            raise InputFileError(f"{path}: {st.st_size} bytes > {max_bytes}",
                                 message_ru=f"Файл «{path.name}» слишком большой "
                                            f"({st.st_size // (1024 * 1024)} МБ, допустимо "
                                            f"{max_bytes // (1024 * 1024)} МБ).",
                                 remedy_ru="Проверьте, что выбран нужный файл.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_regular_file(path: Path | str) -> bool:
    """A regular file that is not a symlink (no file is opened)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
