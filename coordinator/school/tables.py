"""Reading user spreadsheets (xlsx, or CSV in UTF-8 / Windows-1251 with ``;`` or ``,``)
into plain rows, and naming cells the way Excel shows them (``G9``) so every validation
message points at the exact cell.

xlsx is read by a small streaming reader of the sheet XML (stdlib ``zipfile`` +
``ElementTree.iterparse``): values only - shared and inline strings, numbers, booleans,
cached formula results. It is about four times faster than openpyxl's read-only mode,
which matters for a 2,000-row form; anything it does not understand falls back to
openpyxl. Date-formatted cells come back as their serial numbers (no field here is a
date in a spreadsheet).
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET


from coordinator.school.errors import InputFileError


def cell_ref(row_index0: int, col_index0: int) -> str:
    """Excel-style name of a cell from zero-based indices: (8, 6) -> ``G9``."""
    return f"{col_letter(col_index0)}{row_index0 + 1}"


def col_letter(col_index0: int) -> str:
    """Excel column name from a zero-based index: 0 -> ``A``, 26 -> ``AA``. (Not
    openpyxl's ``get_column_letter``: importing openpyxl costs ~40 MB in the node's
    server process, which never reads a workbook.)"""
    n, name = col_index0 + 1, ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


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
    # The separator is the one used most in the first lines: a title line above the
    # table ("Список 8А класса") has none, so the first line alone would mislead.
    head = "\n".join(text.splitlines()[:20])
    delim = max((";", ",", "\t"), key=head.count)
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delim)]


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_COL_RE = re.compile(r"^([A-Z]+)")


def _col_index(ref: str) -> int:
    letters = _COL_RE.match(ref).group(1)  # type: ignore[union-attr]
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and "E" not in text.upper() else value


def _string_item(si: ET.Element) -> str:
    parts = []
    for child in si:
        if child.tag == _NS + "t":
            parts.append(child.text or "")
        elif child.tag == _NS + "r":
            parts.extend(t.text or "" for t in child.iter(_NS + "t"))
    return "".join(parts)


def _cell_value(c: ET.Element, shared: list[str]) -> object:
    t = c.get("t", "n")
    if t == "inlineStr":
        is_ = c.find(_NS + "is")
        return None if is_ is None else _string_item(is_)
    v = c.find(_NS + "v")
    if v is None or v.text is None:
        return None
    if t == "s":
        return shared[int(v.text)]
    if t in ("str", "d"):
        return v.text
    if t == "b":
        return v.text == "1"
    if t == "e":
        return None
    return _number(v.text)


def _sheet_rows(z: zipfile.ZipFile, sheet: str, shared: list[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    for _, el in ET.iterparse(z.open(sheet)):
        if el.tag != _NS + "row":
            continue
        r_attr = el.get("r")
        index = int(r_attr) - 1 if r_attr else len(rows)
        while len(rows) < index:
            rows.append([])
        row: list[object] = []
        for c in el.findall(_NS + "c"):
            ref = c.get("r")
            col = _col_index(ref) if ref else len(row)
            while len(row) < col:
                row.append(None)
            row.append(_cell_value(c, shared))
        rows.append(row)
        el.clear()
    return rows


def fast_xlsx_sheets(path: Path, *, first_only: bool = False) -> list[tuple[str, list[list[object]]]]:
    """(sheet name, rows) of every sheet in workbook order, values only. Raises
    KeyError/ValueError/ET.ParseError on anything unexpected (the caller falls back to
    openpyxl)."""
    with zipfile.ZipFile(path) as z:
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        sheets = wb.findall(f"{_NS}sheets/{_NS}sheet")
        if not sheets:
            raise ValueError("no sheets")
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            for _, el in ET.iterparse(z.open("xl/sharedStrings.xml")):
                if el.tag == _NS + "si":
                    shared.append(_string_item(el))
                    el.clear()
        out = []
        for sh in sheets[:1] if first_only else sheets:
            rid = sh.get(_REL + "id")
            target = next(r.get("Target") for r in rels if r.get("Id") == rid)
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            out.append((sh.get("name") or "", _sheet_rows(z, part, shared)))
        return out


def fast_xlsx_rows(path: Path) -> list[list[object]]:
    """Rows of the first sheet (see ``fast_xlsx_sheets``)."""
    return fast_xlsx_sheets(path, first_only=True)[0][1]


def _openpyxl_sheets(path: Path, first_only: bool) -> list[tuple[str, list[list[object]]]]:
    from openpyxl import load_workbook  # lazy: see col_letter

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = wb.worksheets[:1] if first_only else wb.worksheets
        return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in sheets]
    finally:
        wb.close()


def read_sheets(path: Path | str, *, first_only: bool = False) -> list[tuple[str, list[list[object]]]]:
    """(sheet name, rows) of every sheet of an xlsx, or one entry named after the file
    for a CSV; raw values (None / '' for empty). Raises InputFileError for a missing,
    unreadable or non-spreadsheet file (an old .xls is named as such)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"no such file {path}", message_ru=f"Файл не найден: {path}.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return [(path.stem, _read_csv(path))]
        if suffix in (".xlsx", ".xlsm"):
            try:
                return fast_xlsx_sheets(path, first_only=first_only)
            except zipfile.BadZipFile:
                raise
            except (KeyError, ValueError, IndexError, AttributeError, StopIteration, ET.ParseError):
                return _openpyxl_sheets(path, first_only)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputFileError(
            f"cannot read {path}: {type(exc).__name__}",
            message_ru=f"Файл {path.name} повреждён или не является таблицей Excel (xlsx).",
            remedy_ru="Откройте его в Excel или LibreOffice и сохраните как «Книга Excel (.xlsx)».",
        ) from None
    raise InputFileError(
        f"unsupported type {suffix}",
        message_ru=f"Формат файла {path.name} не поддерживается.",
        remedy_ru="Откройте его в Excel или LibreOffice и сохраните как «Книга Excel (.xlsx)» или CSV "
                  "(старый формат .xls программа не читает).",
    )


def read_rows(path: Path | str) -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file (see ``read_sheets``)."""
    return read_sheets(path, first_only=True)[0][1]


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: object) -> str:
    """A cell as trimmed text; floats that are whole numbers lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
