"""Reading an xlsx with bounded memory whatever it holds (issue 20).

* Before anything is unpacked, :func:`check_zip` checks the number of entries, the
  unpacked size of each, their total and the compression ratio against ``LIMITS``;
  entries are then read through a counter that refuses more bytes than an entry
  declared (a lying header cannot inflate past the check).
* Sheets are read by a SAX reader (``pyexpat``, no tree is built, so memory holds only
  the values): shared and inline strings, numbers, booleans, cached formula results.
  Rows, columns, filled cells, shared strings and the text of a cell are counted while
  reading; a DOCTYPE or an entity declaration (never in a real xlsx; the way to an
  entity-expansion bomb) refuses the file. About three times faster than openpyxl's
  read-only mode, which matters for a 2,000-row form (0.18 s; the ElementTree reader it
  replaced, which kept the row tree and no limits, 0.14 s). Date-formatted cells come
  back as their serial numbers (no field here is a date in a spreadsheet).
* Anything the fast reader does not understand (Strict OOXML, missing relations ...)
  goes to openpyxl - which keeps a dict per cell of a row, every shared string and an
  object per style - only after :func:`prescan` counted what it would build.
"""

from __future__ import annotations

import io
import logging
import posixpath
import pyexpat
import re
import zipfile
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree as ET

from coordinator.school.errors import InputFileError
from coordinator.school.table_limits import LIMITS, Counter, Limits, MB, damaged, put, too_much
from vpr_common.files import open_regular
from vpr_common.text import shown

log = logging.getLogger(__name__)

def check_zip(z: zipfile.ZipFile, name: str, limits: Limits = LIMITS) -> None:
    """Refuse a zip whose directory promises more than ``limits`` allow (entries,
    the unpacked size of each, their total, the compression ratio). Raises
    InputFileError; reads no entry."""
    infos = z.infolist()
    if len(infos) > limits.entries:
        raise too_much(name, f"{len(infos)} entries", f"в архиве таблицы {len(infos)} частей (допустимо "
                        f"{limits.entries})")
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > limits.entry_bytes:
            raise too_much(name, f"{info.filename} unpacks to {size} bytes",
                            f"часть «{shown(info.filename)}» распаковывается в {size // MB} МБ (допустимо "
                            f"{limits.entry_bytes // MB} МБ)")
        if size > limits.ratio_from and size > limits.ratio * max(1, info.compress_size):
            raise too_much(name, f"{info.filename} ratio {size // max(1, info.compress_size)}",
                            f"часть «{shown(info.filename)}» сжата в {size // max(1, info.compress_size)} раз "
                            f"(у настоящих таблиц - не больше {limits.ratio})")
    if total > limits.total_bytes:
        raise too_much(name, f"{total} bytes unpacked", f"архив таблицы распаковывается в {total // MB} МБ "
                        f"(допустимо {limits.total_bytes // MB} МБ)")


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
            raise too_much(self._what[0], f"{self._what[1]} longer than declared",
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
_SMALL_PART = 1 * MB  # workbook.xml and its relations: a few KB in real files


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
        raise too_much(self.name, "DOCTYPE in xlsx part", "в файле есть объявления DOCTYPE или сущностей, которых "
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
                raise too_much(self.name, "text over cell limit", f"в одной ячейке больше "
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
                raise too_much(self.name, f"more than {self.limits.strings} shared strings",
                                f"в таблице больше {self.limits.strings} разных строк")


class _SheetRows(_Sax):
    """Rows with at least one value (gaps as empty rows / None cells)."""

    def __init__(self, name: str, limits: Limits, shared: list[str], counter: Counter) -> None:
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
                put(self.rows, self._row0, self._col0, value)

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
                    raise too_much(self.name, "row of more than 16384 cells", "в строке таблицы больше "
                                    f"{self.ROW_CELLS} ячеек (больше, чем бывает в Excel)")
        elif local == "si":
            self.strings += 1
            if self.strings > self.limits.strings:
                raise too_much(self.name, f"more than {self.limits.strings} shared strings",
                                f"в таблице больше {self.limits.strings} разных строк")
        elif self.elements > self.OTHER_ELEMENTS and not self.path[0:1] == ["sst"]:
            raise too_much(self.name, "too many elements in a part", "в служебной части таблицы слишком много "
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
        raise too_much(name, f"{member} is {z.getinfo(member).file_size} bytes",
                        f"служебная часть «{shown(member)}» больше {_SMALL_PART // MB} МБ")
    data = _read_entry(z, member, name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise too_much(name, "DOCTYPE in xlsx part", "в файле есть объявления DOCTYPE или сущностей, которых "
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
    counter = Counter(name, limits)
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


def openpyxl_sheets(source: Path | str | BinaryIO, first_only: bool, limits: Limits = LIMITS,
                     name: str = "") -> list[tuple[str, list[list[object]]]]:
    """The same through openpyxl's read-only mode, under the same row, column and cell
    limits (the zip itself must have passed :func:`check_zip` and :func:`prescan`)."""
    from openpyxl import load_workbook  # lazy: see col_letter

    wb = load_workbook(source, read_only=True, data_only=True)
    counter = Counter(name or Path(str(source)).name, limits)
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
                        put(rows, r0, c0, v)
            out.append((ws.title, rows))
        return out
    finally:
        wb.close()


def read_xlsx(fh: BinaryIO, name: str, first_only: bool,
               limits: Limits) -> list[tuple[str, list[list[object]]]]:
    try:
        z = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise damaged(name, type(exc).__name__) from None
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
            raise damaged(name, f"unpack: {type(exc).__name__}") from None
    fh.seek(0)
    try:
        return openpyxl_sheets(fh, first_only, limits, name)
    except InputFileError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        log.info("openpyxl refused %s: %r", name, exc)
        raise damaged(name, f"openpyxl: {type(exc).__name__}") from None


