"""Reading user spreadsheets (xlsx via openpyxl read-only, or CSV in UTF-8 / Windows-1251
with ``;`` or ``,``) into plain rows, and naming cells the way Excel shows them (``G9``)
so every validation message points at the exact cell.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from coordinator.school.errors import InputFileError


def cell_ref(row_index0: int, col_index0: int) -> str:
    """Excel-style name of a cell from zero-based indices: (8, 6) -> ``G9``."""
    return f"{get_column_letter(col_index0 + 1)}{row_index0 + 1}"


def col_letter(col_index0: int) -> str:
    return get_column_letter(col_index0 + 1)


def _read_csv(path: Path) -> list[list[object]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1251"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes any byte string
        raise InputFileError("undecodable csv")
    first = text.splitlines()[0] if text else ""
    delim = ";" if first.count(";") >= first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delim)]


def read_rows(path: Path | str) -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file, as lists of raw values
    (None / '' for empty). Raises InputFileError for a missing, unreadable or
    non-spreadsheet file."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"no such file {path}", message_ru=f"Файл не найден: {path}.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix in (".xlsx", ".xlsm"):
            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                return [list(r) for r in ws.iter_rows(values_only=True)]
            finally:
                wb.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputFileError(
            f"cannot read {path}: {type(exc).__name__}",
            message_ru=f"Файл {path.name} повреждён или не является таблицей Excel (xlsx).",
            remedy_ru="Откройте его в Excel или LibreOffice и сохраните как «Книга Excel (.xlsx)».",
        ) from None
    raise InputFileError(
        f"unsupported type {suffix}",
        message_ru=f"Формат файла {path.name} не поддерживается.",
        remedy_ru="Сохраните таблицу как .xlsx или .csv (старый формат .xls не читается).",
    )


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: object) -> str:
    """A cell as trimmed text; floats that are whole numbers lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
