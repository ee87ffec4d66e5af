"""What a spreadsheet a school hands over may hold (:class:`Limits`), how a refusal says
it (a damaged file, a file that would grow far beyond any real table), the counter of
filled cells every reader keeps while reading, and the names of cells as Excel shows
them (``G9``). The readers: ``xlsx_reader`` and ``tables`` (CSV and the entry point)."""

from __future__ import annotations

from dataclasses import dataclass

from coordinator.school.errors import InputFileError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a spreadsheet may hold. A results form of 2,000 participants is ~3 MB of
    sheet XML (ratio ~11) and 60,000 cells; a school's class lists fewer."""

    xlsx_bytes: int = 32 * MB       # the file itself
    csv_bytes: int = 16 * MB
    entries: int = 500               # entries in the zip
    entry_bytes: int = 32 * MB      # one entry unpacked
    total_bytes: int = 64 * MB      # all entries unpacked
    ratio: int = 100                 # unpacked / packed, checked for entries over 1 MB
    ratio_from: int = 1 * MB
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


def damaged(name: str, detail: str) -> InputFileError:
    """A file that is no readable xlsx (not a zip, broken XML, a part missing)."""
    return InputFileError(f"cannot read {name}: {detail}",
                          message_ru=f"Файл {name} повреждён или не является таблицей Excel (xlsx).",
                          remedy_ru=_RESAVE)


def too_much(name: str, detail: str, what_ru: str) -> InputFileError:
    """A file that would unpack or grow far beyond any real table: a damaged or a
    deliberately built file (a "zip bomb")."""
    return InputFileError(f"{name}: {detail}", code="input_too_large",
                          message_ru=f"Файл {name} не прочитан: {what_ru}. Так выглядит повреждённый или "
                                     "специально испорченный файл.",
                          remedy_ru="Откройте его в Excel или LibreOffice, проверьте содержимое и сохраните заново; "
                                    "если таблица действительно такая большая, оставьте в файле только нужный лист "
                                    "или разделите его на несколько файлов.")


class Counter:
    """Filled cells across all sheets of one file, against ``limits.cells``."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits, self.cells = name, limits, 0

    def place(self, row0: int, col0: int, value: object) -> None:
        """One filled cell at (row0, col0); raises InputFileError past a limit."""
        lim = self.limits
        if row0 >= lim.rows:
            raise too_much(self.name, f"row {row0 + 1}", f"заполнена строка {row0 + 1} (допустимо до {lim.rows})")
        if col0 >= lim.cols:
            raise too_much(self.name, f"column {col0 + 1}",
                           f"заполнен столбец {col_letter(col0)} (допустимо до {col_letter(lim.cols - 1)})")
        if isinstance(value, str) and len(value) > lim.cell_chars:
            raise too_much(self.name, f"cell of {len(value)} chars",
                           f"в ячейке {cell_ref(row0, col0)} больше {lim.cell_chars} символов (больше, чем "
                           "помещается в ячейку Excel)")
        self.cells += 1
        if self.cells > lim.cells:
            raise too_much(self.name, f"more than {lim.cells} cells", f"заполнено больше {lim.cells} ячеек")


def put(rows: list[list[object]], row0: int, col0: int, value: object) -> None:
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
