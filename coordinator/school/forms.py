"""The results form in the layout of the federal (ФИС ОКО) form: import from xlsx/CSV
with cell-exact validation, and export to xlsx (openpyxl) plus a CSV twin. Only codes
ever appear in these files - never names.

Layout (1-based rows): 1 title «ВПР 2026 Английский язык 8 класс»; 2-5 metadata;
``LEVEL_ROW`` Б/П above each task; ``HEADER_ROW`` the column headers; data below.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from coordinator.school import results as res
from coordinator.school.errors import EmptyTemplateError, Issue, ResultsValidationError
from coordinator.school.roster import normalize_class
from coordinator.school.settings import SchoolInfo
from coordinator.school.subjects import Subject
from coordinator.school.tables import cell_ref, is_blank, read_rows, text_of
from vpr_common.atomic import atomic_write_bytes, atomic_write_with

if TYPE_CHECKING:  # openpyxl is imported where a workbook is built (memory of the node server)
    from openpyxl import Workbook

LEVEL_ROW = 7
HEADER_ROW = 8
H_CODE, H_CLASS, H_VARIANT = "Код участника", "Класс", "Вариант"
H_PRIMARY, H_MARK, H_JOURNAL = "Первичный балл", "Отметка", "Отметка по журналу"
LEAD_HEADERS = ["Код ОО", "Муниципалитет", "ОО", H_CODE, H_CLASS, H_VARIANT]
_TASK_HEADER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)(?:\s*\(\s*(\d{1,3})\s*б\s*\))?$")


@dataclass(frozen=True)
class ImportReport:
    stored: int
    not_done_cells: int
    unfilled_rows: int  # rows with a code but no variant and no points yet


@dataclass(frozen=True)
class ParsedForm:
    entries: list[res.Entry]
    not_done_cells: int
    unfilled_rows: int


def _header_row(rows: list[list[object]]) -> int | None:
    for i, row in enumerate(rows[:40]):
        if any(text_of(c) == H_CODE for c in row):
            return i
    return None


def parse_form(rows: list[list[object]], subject: Subject, states: dict,
               code_classes: dict[str, str] | None = None) -> ParsedForm:
    """Validate the rows of a filled form. ``code_classes`` (code -> class) lets a
    mistyped code that belongs to another class be caught. Raises EmptyTemplateError
    or ResultsValidationError (every issue with its cell)."""
    hi = _header_row(rows)
    if hi is None:
        raise ResultsValidationError(
            [Issue("", f"не найдена строка заголовков со столбцом «{H_CODE}» - это не форма сбора результатов.")],
            remedy_ru="Выгрузите форму командой vpr-node results template и заполните её.")
    issues: list[Issue] = []
    title = text_of(rows[0][0]) if rows and rows[0] else ""
    if title.startswith("ВПР") and title != subject.title:
        issues.append(Issue("Ячейка A1", f"форма для «{title}», а выбран предмет «{subject.title}»."))
    header = [text_of(c) for c in rows[hi]]
    col: dict[str, int] = {}
    task_cols: dict[str, int] = {}
    for j, h in enumerate(header):
        m = _TASK_HEADER.match(h)
        if m:
            task = subject.task(m.group(1))
            if task is None:
                issues.append(Issue(f"Ячейка {cell_ref(hi, j)}",
                                    f"задания {m.group(1)} нет в критериях предмета «{subject.title}»."))
            elif m.group(2) and int(m.group(2)) != task.max_points:
                issues.append(Issue(f"Ячейка {cell_ref(hi, j)}", f"в заголовке максимум {m.group(2)}б, а в "
                                    f"критериях за задание {task.number} - {task.max_points}б."))
            else:
                task_cols[task.number] = j
        elif h in (H_CODE, H_VARIANT, H_CLASS):
            col[h] = j
    if H_VARIANT not in col:
        issues.append(Issue(f"Строка {hi + 1}", f"нет столбца «{H_VARIANT}»."))
    for t in subject.tasks:
        if t.number not in task_cols:
            issues.append(Issue(f"Строка {hi + 1}", f"нет столбца задания {t.header}."))
    if issues:
        raise ResultsValidationError(issues, remedy_ru="Выгрузите форму для этого предмета заново "
                                     "(vpr-node results template) и перенесите в неё баллы.")
    ci, vi, cli = col[H_CODE], col[H_VARIANT], col.get(H_CLASS)
    data_cols = [vi] + list(task_cols.values())
    entries: list[res.Entry] = []
    seen: dict[str, int] = {}
    x_cells = unfilled = 0
    any_filled = False
    for i in range(hi + 1, len(rows)):
        row = rows[i]
        width = len(row)
        cell = lambda j: row[j] if j < width else None  # noqa: E731
        if is_blank(cell(ci)) and all(is_blank(cell(j)) for j in data_cols):
            continue
        if all(is_blank(cell(j)) for j in data_cols):
            unfilled += 1  # a code with nothing entered yet: the empty template's rows
            continue
        any_filled = True
        code, why = res.check_code(cell(ci), states)
        if why:
            issues.append(Issue(f"Ячейка {cell_ref(i, ci)}", why))
        elif code in seen:
            issues.append(Issue(f"Ячейка {cell_ref(i, ci)}", f"код {code} повторяется (уже в строке {seen[code] + 1})."))
        else:
            seen[code] = i
            given = normalize_class(text_of(cell(cli))) if cli is not None and not is_blank(cell(cli)) else None
            own = (code_classes or {}).get(code)
            if given and own and given != own:
                issues.append(Issue(f"Ячейка {cell_ref(i, ci)}", f"код {code} выдан участнику класса {own}, "
                                    f"а в строке указан класс {given} - проверьте, не опечатка ли в коде."))
        variant, why = res.check_variant(cell(vi), subject)
        if why:
            issues.append(Issue(f"Ячейка {cell_ref(i, vi)}", why))
        points: list[int | None] = []
        for t in subject.tasks:
            j = task_cols[t.number]
            value, why = res.check_points(cell(j), t)
            if why:
                issues.append(Issue(f"Ячейка {cell_ref(i, j)}", why))
            elif value is None:
                x_cells += 1
            points.append(value)
        if code and variant is not None:
            entries.append(res.Entry(code, variant, tuple(points)))
    if not any_filled:
        raise EmptyTemplateError("no filled rows")
    if issues:
        raise ResultsValidationError(issues)
    return ParsedForm(entries, x_cells, unfilled)


def import_form(store, subject: Subject, path: Path) -> ImportReport:
    """Read, validate and store a filled form (all or nothing). Raises InputFileError,
    EmptyTemplateError, ResultsValidationError."""
    rows = read_rows(path)
    code_classes = {r[0]: r[1] for r in store.conn.execute(
        "SELECT code, class_name FROM participants WHERE code IS NOT NULL")}
    parsed = parse_form(rows, subject, res.code_states(store), code_classes)
    stored = res.save_entries(store, subject, parsed.entries, res.Source.XLSX)
    return ImportReport(stored, parsed.not_done_cells, parsed.unfilled_rows)


def table_rows(subject: Subject, info: SchoolInfo, rows: list[res.Result], *, blank: bool = False) -> list[list]:
    """Header + data rows of the form (the CSV twin is exactly these)."""
    header = LEAD_HEADERS + [t.header for t in subject.tasks] + [H_PRIMARY, H_MARK, H_JOURNAL]
    out: list[list] = [header]
    for r in rows:
        lead = [info.code, info.municipality, info.name, r.code, r.class_name]
        if blank:
            out.append(lead + [None] * (1 + len(subject.tasks) + 2) + [r.journal_mark])
            continue
        pts = ["X" if p is None else p for p in r.points]
        out.append(lead + [r.variant] + pts + [r.primary, r.mark, r.journal_mark])
    return out


def build_workbook(subject: Subject, info: SchoolInfo, rows: list[res.Result], work_date: str,
                   *, blank: bool = False) -> Workbook:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Результаты")
    n_lead = len(LEAD_HEADERS)
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 16
    title = WriteOnlyCell(ws, value=subject.title)
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append(["Максимальный первичный балл", subject.max_total])
    ws.append(["Дата проведения", work_date])
    ws.append(["ОО", f"{info.name} (код ОО {info.code})" if info.code else info.name])
    ws.append(["Количество участников", len(rows)])
    ws.append([])
    ws.append(["Уровень сложности"] + [None] * (n_lead - 1) + [t.level.value for t in subject.tasks])
    table = table_rows(subject, info, rows, blank=blank)
    bold = Font(bold=True)
    head = []
    for h in table[0]:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        head.append(c)
    ws.append(head)
    for r in table[1:]:
        ws.append(r)
    return wb


def export_xlsx(path: Path, subject: Subject, info: SchoolInfo, rows: list[res.Result], work_date: str,
                *, blank: bool = False) -> None:
    """Write the form atomically. Raises OSError for an unwritable target."""
    wb = build_workbook(subject, info, rows, work_date, blank=blank)
    atomic_write_with(Path(path), wb.save)


def export_csv(path: Path, subject: Subject, info: SchoolInfo, rows: list[res.Result]) -> None:
    """The CSV twin: ``;``-separated UTF-8 with BOM (opens in Russian Excel)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    for r in table_rows(subject, info, rows):
        writer.writerow(["" if v is None else v for v in r])
    atomic_write_bytes(Path(path), buf.getvalue().encode("utf-8-sig"))

