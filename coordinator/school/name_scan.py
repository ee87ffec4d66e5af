"""Looking for participants' names in the files of a folder (for the audit), with
bounded memory whatever a folder holds: only regular files (``open_regular``: a FIFO,
a device or a symlink is skipped), at most ``MAX_SCAN_BYTES`` each, read in 1 MB
pieces that overlap; the parts of an xlsx only after ``xlsx_reader.check_zip`` (a zip bomb
is scanned as the bytes it is, never unpacked); PDFs through ``pdftotext`` when it is
installed. Each piece is searched as UTF-8, Windows-1251 and UTF-16, case ignored.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import BinaryIO, Iterator

from coordinator.school import xlsx_reader
from vpr_common.errors import InputFileError
from vpr_common.files import open_regular

MAX_SCAN_BYTES = 30 * 1024 * 1024
MAX_SCAN_FILES = 20000
SCANNED_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt", ".log", ".json", ".pdf", ".xml", ".html", ".htm", ".md", ""}
_PIECE = 1024 * 1024
_OVERLAP = 4096  # longer than any needle in any encoding; even, so UTF-16 stays aligned
_TEXT_PARTS = (".xml", ".txt", ".json", ".csv")


def needles(names: list[str]) -> list[str]:
    """What to look for: each full name and its first two words, lower case."""
    out = set()
    for n in names:
        words = n.split()
        if len(words) >= 2:
            out.add(" ".join(words).lower())
            out.add(" ".join(words[:2]).lower())
    return sorted(out, key=len, reverse=True)


def _pieces(fh: BinaryIO) -> Iterator[bytes]:
    tail = b""
    while True:
        block = fh.read(_PIECE)
        if not block:
            return
        yield tail + block
        tail = (tail + block)[-_OVERLAP:]


def _hit(data: bytes, wanted: list[str]) -> bool:
    for enc in ("utf-8", "cp1251", "utf-16-le"):
        low = data.decode(enc, "ignore").lower().replace("\x00", "")
        if any(n in low for n in wanted):
            return True
    return False


def _stream_has(fh: BinaryIO, wanted: list[str]) -> bool:
    return any(_hit(piece, wanted) for piece in _pieces(fh))


def _pdf_text(path: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    try:
        return subprocess.run([tool, str(path), "-"], capture_output=True, timeout=60).stdout.decode("utf-8", "ignore")
    except (OSError, subprocess.SubprocessError):
        return None


def _zip_has(fh: BinaryIO, name: str, wanted: list[str]) -> bool | None:
    """Whether the text parts of a zip hold a needle; None when it is no readable zip
    or one too big to unpack (then its bytes are searched as they are)."""
    try:
        with zipfile.ZipFile(fh) as z:
            xlsx_reader.check_zip(z, name)
            for info in z.infolist():
                if info.filename.endswith(_TEXT_PARTS):
                    with xlsx_reader.open_entry(z, info.filename, name) as part:
                        if _stream_has(part, wanted):
                            return True
        return False
    except (zipfile.BadZipFile, InputFileError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return None


def file_has_names(path: Path, wanted: list[str]) -> bool:
    """Whether ``path`` holds one of ``wanted``. Raises InputFileError for a file that
    is not regular or too big, OSError when it cannot be read."""
    with open_regular(path, max_bytes=MAX_SCAN_BYTES) as fh:
        if fh.read(4) == b"PK\x03\x04":
            fh.seek(0)
            in_zip = _zip_has(fh, path.name, wanted)
            if in_zip is not None:
                return in_zip
        fh.seek(0)
        if _stream_has(fh, wanted):
            return True
    if path.suffix.lower() == ".pdf":
        extracted = _pdf_text(path)
        return bool(extracted) and any(n in extracted.lower() for n in wanted)
    return False


def scan(dirs: list[Path], wanted: list[str], skip: set[Path], also: tuple[str, ...] = ()) -> tuple[list[Path], int]:
    """Files under ``dirs`` (not in ``skip``) that hold a needle, and how many files were
    looked at (at most ``MAX_SCAN_FILES``). Files with a suffix in ``also`` are counted
    but not read (encrypted backups)."""
    found, count = [], 0
    for d in dirs:
        if not d.is_dir():
            continue
        for p in d.rglob("*"):
            if count >= MAX_SCAN_FILES:
                return found, count
            try:
                if p.is_symlink() or not p.is_file() or p.resolve() in skip:
                    continue
                suffix = p.suffix.lower()
                if suffix not in SCANNED_SUFFIXES and suffix not in also:
                    continue
                if p.stat().st_size > MAX_SCAN_BYTES:
                    continue
                count += 1
                if suffix in also:
                    continue
                if file_has_names(p, wanted):
                    found.append(p)
            except (OSError, InputFileError):
                continue
    return found, count
