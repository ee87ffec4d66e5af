"""Reading user spreadsheets (xlsx, or CSV in UTF-8 / Windows-1251 / UTF-16 with ``;``,
``,`` or tab) into plain rows, and naming cells the way Excel shows them (``G9``) so
every validation message points at the exact cell.

Every file is opened with ``vpr_common.files.open_regular`` (a FIFO, a device or a
symlink is refused at once, and so is a file over the size limit) and read with bounded
memory, whatever it holds (issue 20):

* an xlsx is a zip: before anything is unpacked, the number of entries, the unpacked
  size of every entry, their total and the compression ratio are checked against
  :data:`LIMITS`; while unpacking, no entry may give more bytes than it declared (a
  lying header cannot inflate past the check);
* rows, columns, filled cells and shared strings are counted while reading and the
  file is refused past the limits (no real class list or results form comes near);
* a CSV is read whole only below its size limit; UTF-16 (Excel's «Текст Юникод»,
  tab-separated, with or without a byte-order mark) is recognised and decoded;
  binary data is refused.

xlsx is read by a small streaming reader of the sheet XML (stdlib ``zipfile`` + a SAX
reader on ``pyexpat``, no tree): values only - shared and inline strings, numbers,
booleans, cached formula results. It is about three times faster than openpyxl's
read-only mode, which matters for a 2,000-row form (0.18 s; the ElementTree reader it
replaced in issue 20, which kept the whole row tree and no limits, 0.14 s); anything it
does not understand falls back to openpyxl, under the same limits. Date-formatted cells come back as their serial
numbers (no field here is a date in a spreadsheet).
"""

from __future__ import annotations

import csv
import io
import logging
import posixpath
import pyexpat
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree as ET

from coordinator.school.errors import InputFileError
from vpr_common.files import open_regular
from vpr_common.text import clean_text, shown

log = logging.getLogger(__name__)
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a spreadsheet may hold. A results form of 2,000 participants is ~3 MB of
    sheet XML (ratio ~11) and 60,000 cells; a school's class lists fewer."""

    xlsx_bytes: int = 32 * _MB       # the file itself
    csv_bytes: int = 16 * _MB
    entries: int = 500               # entries in the zip
    entry_bytes: int = 32 * _MB      # one entry unpacked
    total_bytes: int = 64 * _MB      # all entries unpacked
    ratio: int = 100                 # unpacked / packed, checked for entries over 1 MB
    ratio_from: int = 1 * _MB
    rows: int = 50_000               # highest row with a value
    cols: int = 1_000                # highest column with a value
    cells: int = 500_000             # filled cells, all sheets
    strings: int = 500_000           # shared strings
    cell_chars: int = 32_767         # Excel's own limit of one cell


LIMITS = Limits()


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


# -- refusals ----------------------------------------------------------------------
_RESAVE = "Откройте его в Excel или LibreOffice и сохраните как «Книга Excel (.xlsx)»."


def _damaged(name: str, detail: str) -> InputFileError:
    return InputFileError(f"cannot read {name}: {detail}",
                          message_ru=f"Файл {name} повреждён или не является таблицей Excel (xlsx).",
                          remedy_ru=_RESAVE)


def _too_much(name: str, detail: str, what_ru: str) -> InputFileError:
    """A file that would unpack or grow far beyond any real table: a damaged or a
    deliberately built file (a "zip bomb")."""
    return InputFileError(f"{name}: {detail}", code="input_too_large",
                          message_ru=f"Файл {name} не прочитан: {what_ru}. Так выглядит повреждённый или "
                                     "специально испорченный файл.",
                          remedy_ru="Откройте его в Excel или LibreOffice, проверьте содержимое и сохраните заново; "
                                    "если таблица действительно такая большая, оставьте в файле только нужный лист "
                                    "или разделите его на несколько файлов.")


# -- the zip of an xlsx -------------------------------------------------------------
def check_zip(z: zipfile.ZipFile, name: str, limits: Limits = LIMITS) -> None:
    """Refuse a zip whose directory promises more than ``limits`` allow (entries,
    the unpacked size of each, their total, the compression ratio). Raises
    InputFileError; reads no entry."""
    infos = z.infolist()
    if len(infos) > limits.entries:
        raise _too_much(name, f"{len(infos)} entries", f"в архиве таблицы {len(infos)} частей (допустимо "
                        f"{limits.entries})")
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > limits.entry_bytes:
            raise _too_much(name, f"{info.filename} unpacks to {size} bytes",
                            f"часть «{shown(info.filename)}» распаковывается в {size // _MB} МБ (допустимо "
                            f"{limits.entry_bytes // _MB} МБ)")
        if size > limits.ratio_from and size > limits.ratio * max(1, info.compress_size):
            raise _too_much(name, f"{info.filename} ratio {size // max(1, info.compress_size)}",
                            f"часть «{shown(info.filename)}» сжата в {size // max(1, info.compress_size)} раз "
                            f"(у настоящих таблиц - не больше {limits.ratio})")
    if total > limits.total_bytes:
        raise _too_much(name, f"{total} bytes unpacked", f"архив таблицы распаковывается в {total // _MB} МБ "
                        f"(допустимо {limits.total_bytes // _MB} МБ)")


class _Bounded(io.RawIOBase):
    """An entry of a checked zip, read through: more bytes than the entry declared
    (a lying header) refuse the file."""

    def __init__(self, z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
        self._fh = z.open(info)
        self._left = info.file_size
        self._what = (name, info.filename)

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        data = self._fh.read(min(len(buf), self._left + 1))
        if len(data) > self._left:
            raise _too_much(self._what[0], f"{self._what[1]} longer than declared",
                            f"часть «{shown(self._what[1])}» распаковывается больше, чем заявлено в архиве")
        self._left -= len(data)
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_entry(z: zipfile.ZipFile, member: str, name: str) -> BinaryIO:
    """A buffered reader of one entry of a checked zip (see :class:`_Bounded`)."""
    return io.BufferedReader(_Bounded(z, z.getinfo(member), name), 64 * 1024)


def _read_entry(z: zipfile.ZipFile, member: str, name: str) -> bytes:
    with open_entry(z, member, name) as fh:
        return fh.read()


# -- the streaming xlsx reader -----------------------------------------------------
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS = "{" + _MAIN + "}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_COL_RE = re.compile(r"^([A-Z]{1,3})")
_SMALL_PART = 1 * _MB  # workbook.xml and its relations: a few KB in real files


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


class _Counter:
    """Filled cells across all sheets of one file, against ``limits.cells``."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits, self.cells = name, limits, 0

    def place(self, row0: int, col0: int, value: object) -> None:
        """One filled cell at (row0, col0); raises InputFileError past a limit."""
        lim = self.limits
        if row0 >= lim.rows:
            raise _too_much(self.name, f"row {row0 + 1}", f"заполнена строка {row0 + 1} (допустимо до {lim.rows})")
        if col0 >= lim.cols:
            raise _too_much(self.name, f"column {col0 + 1}",
                            f"заполнен столбец {col_letter(col0)} (допустимо до {col_letter(lim.cols - 1)})")
        if isinstance(value, str) and len(value) > lim.cell_chars:
            raise _too_much(self.name, f"cell of {len(value)} chars",
                            f"в ячейке {cell_ref(row0, col0)} больше {lim.cell_chars} символов (больше, чем "
                            "помещается в ячейку Excel)")
        self.cells += 1
        if self.cells > lim.cells:
            raise _too_much(self.name, f"more than {lim.cells} cells", f"заполнено больше {lim.cells} ячеек")


def _put(rows: list[list[object]], row0: int, col0: int, value: object) -> None:
    """``value`` into (row0, col0); the rows and cells before it exist (``[]`` / None)."""
    while len(rows) <= row0:
        rows.append([])
    row = rows[row0]
    while len(row) < col0:
        row.append(None)
    if len(row) == col0:
        row.append(value)
    else:
        row[col0] = value


class _Sax:
    """A SAX reader of one part (pyexpat, no tree is built, so memory holds only the
    values): text is collected only where a value lives and never past the length of
    a cell; a DOCTYPE or an entity declaration (never in a real xlsx; the way to an
    entity-expansion bomb) refuses the file."""

    #: the namespace the root element must have (None: any - the pre-scan for openpyxl)
    root_ns: str | None = _MAIN

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.path: list[str] = []
        self._locals: dict[str, str] = {}  # "namespace local" -> local
        self._text: list[str] | None = None
        self._len = 0

    def _refuse_dtd(self, *args) -> None:
        raise _too_much(self.name, "DOCTYPE in xlsx part", "в файле есть объявления DOCTYPE или сущностей, которых "
                        "в таблицах Excel не бывает")

    def collect(self) -> None:
        self._text, self._len = [], 0

    def collected(self) -> str:
        text = "".join(self._text or ())
        self._text = None
        return text

    def _chars(self, data: str) -> None:
        if self._text is not None:
            self._len += len(data)
            if self._len > self.limits.cell_chars:
                raise _too_much(self.name, "text over cell limit", f"в одной ячейке больше "
                                f"{self.limits.cell_chars} символов (больше, чем помещается в ячейку Excel)")
            self._text.append(data)

    def _start(self, tag: str, attrs: dict) -> None:
        local = self._locals.get(tag)
        if local is None:
            ns, _, local = tag.rpartition(" ")
            if not self.path and self.root_ns is not None and ns != self.root_ns:
                raise ValueError(f"not the transitional namespace: {ns!r}")
            self._locals[tag] = local
        self.path.append(local)
        self.start(local, attrs)

    def _end(self, tag: str) -> None:
        self.end(self.path.pop())

    def start(self, local: str, attrs: dict) -> None:  # pragma: no cover - overridden
        pass

    def end(self, local: str) -> None:  # pragma: no cover - overridden
        pass

    def parse(self, stream: BinaryIO) -> None:
        p = pyexpat.ParserCreate(namespace_separator=" ")
        p.buffer_text = True
        p.buffer_size = 64 * 1024
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars
        p.StartDoctypeDeclHandler = self._refuse_dtd
        p.EntityDeclHandler = self._refuse_dtd
        p.ParseFile(stream)

    def in_text(self) -> bool:
        """Inside the text of a string item: ``t`` directly in ``si`` / ``is`` or in a
        run ``r`` there (not in a phonetic run ``rPh``)."""
        p = self.path
        return len(p) >= 2 and p[-1] == "t" and (p[-2] in ("si", "is") or (p[-2] == "r" and len(p) >= 3
                                                                          and p[-3] in ("si", "is")))


class _SharedStrings(_Sax):
    def __init__(self, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        self.items: list[str] = []
        self._parts: list[str] = []

    def start(self, local: str, attrs: dict) -> None:
        if local == "si":
            self._parts = []
        elif self.in_text():
            self.collect()

    def end(self, local: str) -> None:
        if local == "t" and self._text is not None:
            self._parts.append(self.collected())
        elif local == "si":
            self.items.append("".join(self._parts))
            if len(self.items) > self.limits.strings:
                raise _too_much(self.name, f"more than {self.limits.strings} shared strings",
                                f"в таблице больше {self.limits.strings} разных строк")


class _SheetRows(_Sax):
    """Rows with at least one value (gaps as empty rows / None cells)."""

    def __init__(self, name: str, limits: Limits, shared: list[str], counter: _Counter) -> None:
        super().__init__(name, limits)
        self.shared, self.counter = shared, counter
        self.rows: list[list[object]] = []
        self._row0 = -1
        self._col0 = -1
        self._type = "n"
        self._v: str | None = None
        self._inline: list[str] = []

    def start(self, local: str, attrs: dict) -> None:
        if local == "row":
            r = attrs.get("r")
            self._row0 = int(r) - 1 if r else self._row0 + 1
            if self._row0 < 0:
                raise ValueError("row number below 1")
            self._col0 = -1
        elif local == "c" and len(self.path) > 1 and self.path[-2] == "row":
            ref = attrs.get("r")
            self._col0 = _col_index(ref) if ref else self._col0 + 1
            self._type = attrs.get("t", "n")
            self._v, self._inline = None, []
        elif local == "v" and len(self.path) > 1 and self.path[-2] == "c":
            self.collect()
        elif self.in_text():
            self.collect()

    def end(self, local: str) -> None:
        if local == "v" and self._text is not None:
            self._v = self.collected()
        elif local == "t" and self._text is not None:
            self._inline.append(self.collected())
        elif local == "c" and self.path and self.path[-1] == "row":
            value = self._value()
            if value is not None:
                self.counter.place(self._row0, self._col0, value)
                _put(self.rows, self._row0, self._col0, value)

    def _value(self) -> object:
        t, v = self._type, self._v
        if t == "inlineStr":
            return "".join(self._inline) if self._inline else None
        if v is None or v == "":
            return None
        if t == "s":
            return self.shared[int(v)]
        if t in ("str", "d"):
            return v
        if t == "b":
            return v == "1"
        if t == "e":
            return None
        return _number(v)


class _Shape(_Sax):
    """What openpyxl would build from a part, counted before it does: it keeps a dict
    per cell of a row, every shared string and an object per style, so a part of a
    few MB can cost it gigabytes. Refuses a row of more than Excel's 16,384 cells,
    more shared strings than :data:`LIMITS` allow, and more than 200,000 elements in
    the parts that are not sheets."""

    root_ns = None
    ROW_CELLS = 16_384
    OTHER_ELEMENTS = 200_000

    def __init__(self, name: str, limits: Limits, part: str) -> None:
        super().__init__(name, limits)
        self.sheet = part.startswith("xl/worksheets/")
        self.elements = self.row_cells = self.strings = 0

    def start(self, local: str, attrs: dict) -> None:
        self.elements += 1
        if self.sheet:
            if local == "row":
                self.row_cells = 0
            elif local == "c":
                self.row_cells += 1
                if self.row_cells > self.ROW_CELLS:
                    raise _too_much(self.name, "row of more than 16384 cells", "в строке таблицы больше "
                                    f"{self.ROW_CELLS} ячеек (больше, чем бывает в Excel)")
        elif local == "si":
            self.strings += 1
            if self.strings > self.limits.strings:
                raise _too_much(self.name, f"more than {self.limits.strings} shared strings",
                                f"в таблице больше {self.limits.strings} разных строк")
        elif self.elements > self.OTHER_ELEMENTS and not self.path[0:1] == ["sst"]:
            raise _too_much(self.name, "too many elements in a part", "в служебной части таблицы слишком много "
                            "записей")


def prescan(z: zipfile.ZipFile, name: str, limits: Limits = LIMITS) -> None:
    """Before openpyxl opens a checked zip: unpack every entry (bounded, into nothing)
    and count what openpyxl would build from its XML (:class:`_Shape`). Raises
    InputFileError past a limit, ExpatError / BadZipFile for a damaged entry."""
    for info in z.infolist():
        with open_entry(z, info.filename, name) as fh:
            if info.filename.endswith((".xml", ".rels")):
                _Shape(name, limits, info.filename).parse(fh)
            else:
                while fh.read(64 * 1024):
                    pass


def _small_xml(z: zipfile.ZipFile, member: str, name: str) -> ET.Element:
    if z.getinfo(member).file_size > _SMALL_PART:
        raise _too_much(name, f"{member} is {z.getinfo(member).file_size} bytes",
                        f"служебная часть «{shown(member)}» больше {_SMALL_PART // _MB} МБ")
    data = _read_entry(z, member, name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _too_much(name, "DOCTYPE in xlsx part", "в файле есть объявления DOCTYPE или сущностей, которых "
                        "в таблицах Excel не бывает")
    return ET.fromstring(data)


def fast_xlsx_sheets(source: Path | str | zipfile.ZipFile, *, first_only: bool = False,
                     limits: Limits = LIMITS) -> list[tuple[str, list[list[object]]]]:
    """(sheet name, rows) of every sheet in workbook order, values only. ``source`` is
    a path (checked with :func:`check_zip` first) or an already checked ZipFile.
    Raises InputFileError past a limit, KeyError/ValueError/ExpatError on anything
    unexpected (the caller falls back to openpyxl)."""
    if not isinstance(source, zipfile.ZipFile):
        with open_regular(source, max_bytes=limits.xlsx_bytes) as fh, zipfile.ZipFile(fh) as z:
            z.filename = Path(source).name
            check_zip(z, z.filename, limits)
            return fast_xlsx_sheets(z, first_only=first_only, limits=limits)
    z = source
    name = Path(z.filename or "таблица").name
    wb = _small_xml(z, "xl/workbook.xml", name)
    sheets = wb.findall(f"{_NS}sheets/{_NS}sheet")
    if not sheets:
        raise ValueError("no sheets")
    rels = _small_xml(z, "xl/_rels/workbook.xml.rels", name)
    shared = _SharedStrings(name, limits)
    if "xl/sharedStrings.xml" in z.namelist():
        with open_entry(z, "xl/sharedStrings.xml", name) as stream:
            shared.parse(stream)
    counter = _Counter(name, limits)
    out = []
    for sh in sheets[:1] if first_only else sheets:
        rid = sh.get(_REL + "id")
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        reader = _SheetRows(name, limits, shared.items, counter)
        with open_entry(z, part, name) as stream:
            reader.parse(stream)
        out.append((sh.get("name") or "", reader.rows))
    return out


def fast_xlsx_rows(path: Path | str) -> list[list[object]]:
    """Rows of the first sheet (see ``fast_xlsx_sheets``)."""
    return fast_xlsx_sheets(path, first_only=True)[0][1]


def _openpyxl_sheets(source: Path | str | BinaryIO, first_only: bool, limits: Limits = LIMITS,
                     name: str = "") -> list[tuple[str, list[list[object]]]]:
    """The same through openpyxl's read-only mode, under the same row, column and cell
    limits (the zip itself must have passed :func:`check_zip` and :func:`prescan`)."""
    from openpyxl import load_workbook  # lazy: see col_letter

    wb = load_workbook(source, read_only=True, data_only=True)
    counter = _Counter(name or Path(str(source)).name, limits)
    try:
        out = []
        for ws in wb.worksheets[:1] if first_only else wb.worksheets:
            rows: list[list[object]] = []
            ws.reset_dimensions()  # a lying <dimension> would make it pad a million empty rows
            for r0, row in enumerate(ws.iter_rows(max_row=limits.rows + 1, max_col=limits.cols + 1,
                                                  values_only=True)):
                for c0, v in enumerate(row):
                    if v is not None:
                        counter.place(r0, c0, v)
                        _put(rows, r0, c0, v)
            out.append((ws.title, rows))
        return out
    finally:
        wb.close()


def _read_xlsx(fh: BinaryIO, name: str, first_only: bool,
               limits: Limits) -> list[tuple[str, list[list[object]]]]:
    try:
        z = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _damaged(name, type(exc).__name__) from None
    with z:
        check_zip(z, name, limits)
        z.filename = name
        try:
            return fast_xlsx_sheets(z, first_only=first_only, limits=limits)
        except InputFileError:
            raise
        except (KeyError, ValueError, IndexError, AttributeError, StopIteration, TypeError, ET.ParseError,
                pyexpat.ExpatError, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError,
                OSError) as exc:
            log.info("fast xlsx reader gave up on %s (%s); openpyxl", name, type(exc).__name__)
        try:
            prescan(z, name, limits)
        except InputFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to unpack is a damaged file
            raise _damaged(name, f"unpack: {type(exc).__name__}") from None
    fh.seek(0)
    try:
        return _openpyxl_sheets(fh, first_only, limits, name)
    except InputFileError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        log.info("openpyxl refused %s: %r", name, exc)
        raise _damaged(name, f"openpyxl: {type(exc).__name__}") from None


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
        raise _too_much(name, "csv over limit", f"файл больше {limits.csv_bytes // _MB} МБ")
    text = decode_text(raw, name)
    del raw
    if "\r" in text and "\n" not in text:  # line ends of an old Mac
        text = text.replace("\r", "\n")
    # The separator is the one used most in the first lines: a title line above the
    # table ("Список 8А класса") has none, so the first line alone would mislead.
    head = text[:20_000].splitlines()[:20]
    delim = max((";", ",", "\t"), key="\n".join(head).count)
    counter = _Counter(name, limits)
    rows: list[list[object]] = []
    reader = csv.reader(_lines(text), delimiter=delim)
    try:
        for r0, row in enumerate(reader):
            if r0 >= limits.rows:
                raise _too_much(name, f"more than {limits.rows} rows", f"в файле больше {limits.rows} строк")
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
            return _read_xlsx(fh, path.name, first_only, limits)
        except OSError as exc:
            raise _damaged(path.name, f"OSError {exc.errno}") from None


def read_rows(path: Path | str) -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file (see ``read_sheets``)."""
    return read_sheets(path, first_only=True)[0][1]


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: object) -> str:
    """A cell as text in one form (``vpr_common.text.clean_text``: NFC, whitespace runs
    as one space, trimmed); floats that are whole numbers lose their ``.0``."""
    return clean_text(value)

