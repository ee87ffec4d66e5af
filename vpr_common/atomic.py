"""Crash-safe file writes: write a temp file beside the target, fsync it, ``os.replace``
it over the target, then fsync the directory where the OS allows it.

Never delete-then-rename: a crash between the two would lose both versions.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def fsync_dir(directory: Path) -> None:
    """Persist a rename in ``directory``; a no-op where directories cannot be opened
    (Windows)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_with(target: Path, writer: Callable[[BinaryIO], None], mode: int = 0o644) -> None:
    """Call ``writer(fileobj)`` on a temp file, then atomically put it at ``target``
    with permission bits ``mode`` (POSIX; ignored elsewhere).

    Raises whatever ``writer`` or the OS raises (``OSError`` for a full disk); the
    target is then untouched and the temp file removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if os.name == "posix":
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def atomic_write_bytes(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Atomically replace ``target`` with ``data`` (see :func:`atomic_write_with`)."""
    atomic_write_with(target, lambda fh: fh.write(data), mode)


def atomic_write_text(target: Path, text: str, mode: int = 0o644) -> None:
    """Atomically replace ``target`` with UTF-8 ``text``."""
    atomic_write_bytes(target, text.encode("utf-8"), mode)



def durable_copy(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` byte for byte and fsync it (no rename: for a copy that
    is checked before it is moved into place). Raises ``OSError``."""
    shutil.copyfile(src, dest)
    with open(dest, "rb+") as fh:
        os.fsync(fh.fileno())


def atomic_copy(src: Path, target: Path) -> None:
    """Atomically put a durable copy of ``src`` at ``target``: a crash leaves the old
    target (or none) or the whole copy, never a part. Raises ``OSError``; the temp
    file is then removed."""
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        durable_copy(src, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
