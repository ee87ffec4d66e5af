"""The layout of the individual-results file the federal system (ФИС ОКО) produces,
which third-party report tools parse - matched column for column and row for row:

* the sheet is named «Индивидуальные результаты»;
* row 1: the title «ВПР 2026 Английский язык 8 класс»;
* rows 2-4: «Предмет», «Максимальный первичный балл», «Дата» with the value in B;
* row 5: ``Название ОО (eduNNNNNN) | Муниципалитет | Кол-во участников: N``;
* row 7 (``LEVEL_ROW``, just above the header): «Б»/«П» over each task;
* row 8 (``HEADER_ROW``): ``ОО | Муниципалитет | Название ОО | Код участника | Класс |
  Вариант | 1 (2б) | … | Первичный балл | Отметка | Отметка по журналу`` - «ОО» holds
  the school's code, «Название ОО» its name;
* data from row 9; «X» for a task not done.

The same layout is the results form the school fills (``results template``), imports
and uploads; in the upload form an absentee's row says «отсутствовал» in «Вариант»
(``ABSENT_MARK``) and nothing else. Only codes, never names. Building a workbook only:
reading lives in ``forms``. Every text cell passes ``vpr_common.text.safe_row`` (a
school name typed as ``=HYPERLINK(...)`` stays text, never a formula).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coordinator.school import results as res
from coordinator.school.settings import SchoolInfo
from coordinator.school.subjects import Subject
from vpr_common.text import safe_cell, safe_row

if TYPE_CHECKING:  # openpyxl is imported where a workbook is built (memory of the node server)
    from openpyxl import Workbook

SHEET_NAME = "Индивидуальные результаты"
LEVEL_ROW = 7
HEADER_ROW = 8
H_SCHOOL_CODE, H_MUNICIPALITY, H_SCHOOL_NAME = "ОО", "Муниципалитет", "Название ОО"
H_CODE, H_CLASS, H_VARIANT = "Код участника", "Класс", "Вариант"
H_PRIMARY, H_MARK, H_JOURNAL = "Первичный балл", "Отметка", "Отметка по журналу"
LEAD_HEADERS = [H_SCHOOL_CODE, H_MUNICIPALITY, H_SCHOOL_NAME, H_CODE, H_CLASS, H_VARIANT]
NOT_DONE = "X"
ABSENT_MARK = "отсутствовал"


def school_line(info: SchoolInfo, participants: int) -> str:
    """Row 5: ``МАОУ СОШ №4 (edu390001) | Черняховск | Кол-во участников: 25``."""
    name = f"{info.name} ({info.fis_code})" if info.code else info.name
    parts = [name or "ОО"] + ([info.municipality] if info.municipality else []) + [f"Кол-во участников: {participants}"]
    return " | ".join(parts)


def header(subject: Subject) -> list[str]:
    return LEAD_HEADERS + [t.header for t in subject.tasks] + [H_PRIMARY, H_MARK, H_JOURNAL]


def table_rows(subject: Subject, info: SchoolInfo, rows: list[res.Result], *, blank: bool = False) -> list[list]:
    """Header + data rows (the CSV twin is exactly these). ``blank`` leaves variant and
    points empty for the school to fill (absentees already known say so)."""
    out: list[list] = [header(subject)]
    n_tail = len(subject.tasks) + 2
    for r in rows:
        lead = [info.fis_code if info.code else "", info.municipality, info.name, r.code, r.class_name]
        if r.status is res.ResultStatus.ABSENT:
            out.append(lead + [ABSENT_MARK] + [None] * n_tail + [r.journal_mark])
        elif blank:
            out.append(lead + [None] * (1 + n_tail) + [r.journal_mark])
        else:
            pts = [NOT_DONE if p is None else p for p in r.points]
            out.append(lead + [r.variant] + pts + [r.primary, r.mark, r.journal_mark])
    return out


def build_workbook(subject: Subject, info: SchoolInfo, rows: list[res.Result], work_date: str,
                   *, blank: bool = False) -> Workbook:
    """The workbook in the federal layout; ``work_date`` as ``15.04.2026``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_NAME)
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 16
    title = WriteOnlyCell(ws, value=safe_cell(subject.title))
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append(safe_row(["Предмет", subject.name]))
    ws.append(["Максимальный первичный балл", subject.max_total])
    ws.append(safe_row(["Дата", work_date]))
    done = sum(1 for r in rows if r.status is res.ResultStatus.DONE)
    ws.append(safe_row([school_line(info, done)]))
    ws.append([])
    ws.append([None] * len(LEAD_HEADERS) + [t.level.value for t in subject.tasks])
    table = table_rows(subject, info, rows, blank=blank)
    bold = Font(bold=True)
    head = []
    for h in safe_row(table[0]):
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        head.append(c)
    ws.append(head)
    for r in table[1:]:
        ws.append(safe_row(r))
    return wb
