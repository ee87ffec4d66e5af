"""Reading user spreadsheets (xlsx, or CSV in UTF-8 / Windows-1251 / UTF-16 with ``;``,
``,`` or tab) into plain rows, and naming cells the way Excel shows them (``G9``) so
every validation message points at the exact cell.

Every file is opened with ``vpr_common.files.open_regular`` (a FIFO, a device or a
symlink is refused at once, and so is a file over the size limit) and read with bounded
memory, whatever it holds (issue 20): an xlsx by ``xlsx_reader`` (the zip checked before
unpacking, a SAX reader with limits); a CSV whole only below its size limit, rows and
cells counted against the same :data:`LIMITS` (``table_limits``); UTF-16 (Excel's
«Текст Юникод», tab-separated, with or without a byte-order mark) is recognised and
decoded; binary data is refused.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import BinaryIO

from coordinator.school.errors import InputFileError
from coordinator.school.table_limits import LIMITS, Counter, Limits, MB, cell_ref, col_letter, damaged, too_much
from coordinator.school.xlsx_reader import fast_xlsx_rows, fast_xlsx_sheets, read_xlsx
from vpr_common.files import open_regular
from vpr_common.text import clean_text

#: the names the readers of this package use from here
__all__ = ["LIMITS", "Limits", "cell_ref", "col_letter", "decode_text", "fast_xlsx_rows", "fast_xlsx_sheets",
           "is_blank", "read_rows", "read_sheets", "text_of"]

# -- CSV ---------------------------------------------------------------------------
def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when NUL bytes sit on one side of the byte pairs
    the way UTF-16 puts them (every Latin letter, digit, separator and line end has a
    zero high byte; Cyrillic letters none in the low byte); None otherwise."""
    sample = head[: len(head) - len(head) % 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= max(1, pairs // 20) and even <= pairs // 100:
        return "utf-16-le"
    if even >= max(1, pairs // 20) and odd <= pairs // 100:
        return "utf-16-be"
    return None


def _binary(name: str) -> InputFileError:
    return InputFileError(f"{name}: binary data", code="input_binary",
                          message_ru=f"Файл {name} - не текстовая таблица CSV: в нём двоичные данные.",
                          remedy_ru="Выберите таблицу .xlsx или .csv. Если это таблица Excel, сохраните её как "
                                    "«Книга Excel (.xlsx)» или «CSV UTF-8».")


_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\r\n")


def _looks_binary(text: str) -> bool:
    """More than 1 % control characters in the first 64 K: not a table someone saved.
    (A stray NUL in one cell is left to the cell checks, which name the cell.)"""
    head = text[:65536]
    return sum(1 for ch in head if ch in _CONTROLS) > max(2, len(head) // 100)


def decode_text(raw: bytes, name: str) -> str:
    """The text of a CSV: UTF-16 / UTF-32 with a byte-order mark, UTF-16 without one
    (recognised by its NUL bytes: Excel's «Текст Юникод»), UTF-8 (with or without BOM),
    else Windows-1251. Raises InputFileError for binary data or broken UTF-16."""
    encoding = None
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in raw[:4096]:
        encoding = _utf16_without_bom(raw[:4096])
    if encoding:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise InputFileError(f"{name}: broken {encoding}", code="input_encoding",
                                 message_ru=f"Файл {name} записан в кодировке Юникод ({encoding.upper()}), но в нём "
                                            "ошибки кодировки.",
                                 remedy_ru="Откройте его в Excel или LibreOffice и сохраните как «CSV UTF-8» или "
                                           "«Книга Excel (.xlsx)».") from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1251", errors="replace")  # cp1251 leaves 0x98 undefined
    if _looks_binary(text):
        raise _binary(name)
    return text


def _lines(text: str):
    """The lines of ``text`` with their ends, one at a time (no second copy)."""
    start, n = 0, len(text)
    while start < n:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def _read_csv(fh: BinaryIO, name: str, limits: Limits) -> list[list[object]]:
    raw = fh.read(limits.csv_bytes + 1)
    if len(raw) > limits.csv_bytes:
        raise too_much(name, "csv over limit", f"файл больше {limits.csv_bytes // MB} МБ")
    text = decode_text(raw, name)
    del raw
    if "\r" in text and "\n" not in text:  # line ends of an old Mac
        text = text.replace("\r", "\n")
    # The separator is the one used most in the first lines: a title line above the
    # table ("Список 8А класса") has none, so the first line alone would mislead.
    head = text[:20_000].splitlines()[:20]
    delim = max((";", ",", "\t"), key="\n".join(head).count)
    counter = Counter(name, limits)
    rows: list[list[object]] = []
    reader = csv.reader(_lines(text), delimiter=delim)
    try:
        for r0, row in enumerate(reader):
            if r0 >= limits.rows:
                raise too_much(name, f"more than {limits.rows} rows", f"в файле больше {limits.rows} строк")
            for c0, v in enumerate(row):
                if v != "":
                    counter.place(r0, c0, v)
            rows.append(row)
    except csv.Error as exc:
        raise InputFileError(f"{name}: csv line {reader.line_num}: {exc}", code="input_csv",
                             message_ru=f"Файл {name}: строка {reader.line_num} не читается как таблица CSV "
                                        "(кавычки не закрыты или ячейка слишком длинная).",
                             remedy_ru="Откройте файл в Excel или LibreOffice, проверьте эту строку и сохраните "
                                       "заново как «CSV UTF-8» или «Книга Excel (.xlsx)».") from None
    return rows


# -- the entry point ---------------------------------------------------------------
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def _unsupported(name: str, detail: str) -> InputFileError:
    return InputFileError(
        detail, message_ru=f"Формат файла {name} не поддерживается.",
        remedy_ru="Откройте его в Excel или LibreOffice и сохраните как «Книга Excel (.xlsx)» или CSV "
                  "(старый формат .xls программа не читает).")


def read_sheets(path: Path | str, *, first_only: bool = False,
                limits: Limits = LIMITS) -> list[tuple[str, list[list[object]]]]:
    """(sheet name, rows) of every sheet of an xlsx, or one entry named after the file
    for a CSV; raw values (None / '' for empty). Raises InputFileError for a missing,
    unreadable, non-regular (FIFO, device, symlink), oversized or non-spreadsheet file
    (an old .xls is named as such) and for one past :data:`LIMITS`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
        raise _unsupported(path.name, f"unsupported type {suffix}")
    if not path.exists() and not path.is_symlink():
        raise InputFileError(f"no such file {path}", message_ru=f"Файл не найден: {path}.")
    max_bytes = limits.csv_bytes if suffix in (".csv", ".txt") else limits.xlsx_bytes
    with open_regular(path, max_bytes=max_bytes) as fh:
        magic = fh.read(4)
        fh.seek(0)
        if magic == _OLE_MAGIC:
            raise _unsupported(path.name, "ole2 (xls) file")
        if suffix in (".csv", ".txt") and magic != b"PK\x03\x04":
            return [(path.stem, _read_csv(fh, path.name, limits))]
        try:
            return read_xlsx(fh, path.name, first_only, limits)
        except OSError as exc:
            raise damaged(path.name, f"OSError {exc.errno}") from None


def read_rows(path: Path | str) -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file (see ``read_sheets``)."""
    return read_sheets(path, first_only=True)[0][1]


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: object) -> str:
    """A cell as text in one form (``vpr_common.text.clean_text``: NFC, whitespace runs
    as one space, trimmed); floats that are whole numbers lose their ``.0``."""
    return clean_text(value)

