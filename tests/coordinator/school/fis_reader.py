"""A reader of the federal individual-results file written the way third-party report
tools read it (they are what depends on the layout): the sheet found by
«индивидуальн» in its name, metadata in column A/B of the first rows, the school line
``Название (eduNNNNNN) | ... | Кол-во участников: N``, the header row found by «Код
участника» + «Первичный балл», the level row just above it, every required column by
its exact header, tasks as ``1 (2б)``, "X" as not done. Written for the tests from that
description, independently of ``coordinator.school``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

TITLE = re.compile(r"ВПР\s+(?P<year>\d{4})\s+(?P<subject>.+?)\s+(?P<grade>\d+)\s*класс", re.I)
TASK = re.compile(r"^(?P<no>\d+(?:[.,]\d+)?)\s*\((?P<max>\d+)\s*б\)$", re.I)
EDU = re.compile(r"\(?(edu\d+)\)?", re.I)
COUNT = re.compile(r"Кол-во\s+участников\s*:\s*(\d+)", re.I)
REQUIRED = ["оо", "муниципалитет", "название оо", "код участника", "класс", "вариант", "первичный балл", "отметка",
            "отметка по журналу"]


def _s(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _norm(v) -> str:
    return re.sub(r"\s+", " ", _s(v).lower().replace("ё", "е"))


@dataclass
class Row:
    school_code: str
    municipality: str
    school_name: str
    code: str
    class_name: str
    variant: str
    points: dict[str, float | None]
    primary: float | None
    mark: int | None
    journal: int | None


@dataclass
class Parsed:
    sheet: str
    year: int
    subject: str
    grade: int
    max_primary: int
    date: str
    school_name: str
    school_code: str
    declared: int | None
    tasks: list[tuple[str, int, str]] = field(default_factory=list)  # (number, max, level)
    rows: list[Row] = field(default_factory=list)


def _num(v) -> float | None:
    t = _s(v).replace(",", ".")
    if not t or t.upper() in {"X", "Х", "-", "—"}:
        return None
    try:
        return float(t)
    except ValueError:
        return None


def read(path: Path) -> Parsed:
    wb = load_workbook(path, data_only=True)
    name = next(n for n in wb.sheetnames if "индивидуальн" in n.lower())
    ws = wb[name]
    title = subject = date = school_name = school_code = ""
    year = grade = max_primary = 0
    declared = None
    for r in range(1, 12):
        a, b = ws.cell(r, 1).value, ws.cell(r, 2).value
        text, label = _s(a), _norm(a)
        m = TITLE.search(text)
        if m and not title:
            title, year, subject, grade = text, int(m["year"]), m["subject"], int(m["grade"])
        elif "максимальный первичный балл" in label:
            max_primary = int(_num(b) or 0)
        elif label.startswith("дата"):
            date = _s(b)
        elif "кол-во участников" in label:
            school_name = text.split("|")[0].strip()
            school_code = (EDU.search(text) or [None, ""])[1].lower()
            declared = int(COUNT.search(text)[1])
    header_row = next(r for r in range(1, 30)
                      if {"код участника", "первичный балл"} <= {_norm(c.value) for c in ws[r]})
    headers = {_norm(c.value): c.column for c in ws[header_row] if _s(c.value)}
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise ValueError(f"missing columns: {missing}")
    p = Parsed(name, year, subject, grade, max_primary, date, school_name, school_code, declared)
    task_cols = {}
    for c in ws[header_row]:
        m = TASK.match(_s(c.value))
        if m:
            level = _s(ws.cell(header_row - 1, c.column).value).upper()
            p.tasks.append((m["no"], int(m["max"]), level))
            task_cols[m["no"]] = c.column
    for r in range(header_row + 1, ws.max_row + 1):
        code = _s(ws.cell(r, headers["код участника"]).value)
        if not code or not re.search(r"\d", code):
            continue
        get = lambda h: ws.cell(r, headers[h]).value  # noqa: E731
        mark, journal = _num(get("отметка")), _num(get("отметка по журналу"))
        p.rows.append(Row(_s(get("оо")), _s(get("муниципалитет")), _s(get("название оо")), code, _s(get("класс")),
                          _s(get("вариант")), {n: _num(ws.cell(r, col).value) for n, col in task_cols.items()},
                          _num(get("первичный балл")), int(mark) if mark is not None else None,
                          int(journal) if journal is not None else None))
    return p
