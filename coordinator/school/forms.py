"""The results form: import from xlsx/CSV with cell-exact validation, export to xlsx
plus a CSV twin, both in the federal individual-results layout (``federal_layout``).
Only codes ever appear in these files - never names.

A row may mark an absentee instead of results: «отсутствовал» (or «отс», «н», «неявка»)
in «Вариант» and no points; that is how a whole class's absentees are recorded at
once. A form of another subject is refused in one line that says which subject it is.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from coordinator.school import codes
from coordinator.school import federal_layout as fl
from coordinator.school import results as res
from coordinator.school import timegates
from coordinator.school.class_lists import normalize_class
from coordinator.school import schedule
from coordinator.school.errors import (
    EmptyTemplateError,
    Issue,
    NothingToExportError,
    ResultsValidationError,
    WrongSubjectFormError,
)
from coordinator.school.settings import SchoolInfo, get_info
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import Subject, list_subjects
from coordinator.school.tables import cell_ref, is_blank, read_rows, text_of
from coordinator.school.vault import VaultKey
from vpr_common.atomic import atomic_write_bytes, atomic_write_with
from vpr_common.text import safe_row

# re-exported: callers and tests name the layout through this module too
LEVEL_ROW, HEADER_ROW = fl.LEVEL_ROW, fl.HEADER_ROW
H_CODE, H_CLASS, H_VARIANT = fl.H_CODE, fl.H_CLASS, fl.H_VARIANT
ABSENT_WORDS = {"отсутствовал", "отсутствовала", "отсутствует", "отс", "отс.", "н", "н/я", "неявка", "не явился",
                "не явилась", "не был", "не была", "не писал", "не писала"}
ABSENT_REASON = "отмечено в форме результатов"
_TASK_HEADER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)(?:\s*\(\s*(\d{1,3})\s*б\s*\))?$")


@dataclass(frozen=True)
class ImportReport:
    stored: int
    not_done_cells: int
    unfilled_rows: int  # rows with a code but no variant and no points yet
    absent_marked: int = 0
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ParsedForm:
    entries: list[res.Entry]
    not_done_cells: int
    unfilled_rows: int
    absent: list[str] = field(default_factory=list)


def _header_row(rows: list[list[object]]) -> int | None:
    for i, row in enumerate(rows[:40]):
        if any(text_of(c) == H_CODE for c in row):
            return i
    return None


def form_title(rows: list[list[object]]) -> str:
    return text_of(rows[0][0]) if rows and rows[0] else ""


def parse_form(rows: list[list[object]], subject: Subject, states: dict,
               code_classes: dict[str, str] | None = None) -> ParsedForm:
    """Validate the rows of a filled form. ``code_classes`` (code -> class) lets a
    mistyped code that belongs to another class be caught. Raises EmptyTemplateError,
    WrongSubjectFormError or ResultsValidationError (every issue with its cell)."""
    title = form_title(rows)
    if title.startswith("ВПР") and title != subject.title:
        raise WrongSubjectFormError(title, subject)
    hi = _header_row(rows)
    if hi is None:
        raise ResultsValidationError(
            [Issue("", f"не найдена строка заголовков со столбцом «{H_CODE}» - это не форма сбора результатов.")],
            remedy_ru="Выгрузите форму командой vpr-node results template и заполните её.")
    issues: list[Issue] = []
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
    absent: list[str] = []
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
        if text_of(cell(vi)).lower() in ABSENT_WORDS:
            filled = [j for j in task_cols.values() if not is_blank(cell(j))]
            if filled:
                issues.append(Issue(f"Ячейка {cell_ref(i, filled[0])}", "в строке отмечено отсутствие, а баллы "
                                    "указаны: оставьте одно из двух."))
            elif code:
                absent.append(code)
            continue
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
    return ParsedForm(entries, x_cells, unfilled, absent)


def import_form(store: SchoolStore, subject: Subject, path: Path, *, now_utc: datetime | None = None,
                confirmed: bool = False) -> ImportReport:
    """Read, validate and store a filled form (all or nothing): results, and absentees
    marked in it. Raises InputFileError, EmptyTemplateError, WrongSubjectFormError,
    ResultsValidationError, OutsideScheduleError, ConfirmationRequiredError."""
    rows = read_rows(path)
    title = form_title(rows)
    if title.startswith("ВПР") and title != subject.title:
        other = next((s.id for s in list_subjects(store) if s.title == title), None)
        raise WrongSubjectFormError(title, subject, other)
    code_classes = {r[0]: r[1] for r in store.conn.execute(
        "SELECT code, class_name FROM participants WHERE code IS NOT NULL")}
    parsed = parse_form(rows, subject, res.code_states(store), code_classes)
    warnings = timegates.check_entry(store, subject, [e.code for e in parsed.entries], now_utc) \
        if parsed.entries else []
    timegates.require_confirmation(warnings, confirmed)
    already = {r.code for r in res.list_results(store, subject, status=res.ResultStatus.ABSENT)}
    new_absent = [c for c in parsed.absent if c not in already]
    with store.tx():
        stored = res.save_entries(store, subject, parsed.entries, res.Source.XLSX)
        if new_absent:
            res.mark_absent_many(store, subject, new_absent, ABSENT_REASON, None, source=res.Source.XLSX,
                                 now_utc=now_utc, confirmed=True)
    return ImportReport(stored, parsed.not_done_cells, parsed.unfilled_rows, len(new_absent),
                        tuple(w.message_ru for w in warnings))


def template_rows(store: SchoolStore, subject: Subject, class_name: str | None = None,
                  reserve_day: str | None = None, *, key: VaultKey | None = None) -> list[res.Result]:
    """Rows of the form to fill: every active code (of a class, or only the participants
    of a reserve day), absentees already marked as such; journal marks only with the
    coordinator's ``key``. Raises UnknownClassError."""
    known = {r.code: r for r in res.list_results(store, subject, class_name, key=key)}
    wanted = set(res.reserve_codes(store, subject, reserve_day)) if reserve_day else None
    journals = res.journal_marks(store, key)
    out = []
    for c in codes.active_codes(store, class_name):
        if wanted is not None and c.code not in wanted:
            continue
        r = known.get(c.code)
        if r is not None and r.status is res.ResultStatus.ABSENT and wanted is None:
            out.append(r)
        else:
            out.append(res.Result(c.code, c.class_name, res.ResultStatus.DONE, None, (), None, None,
                                  res.journal_mark(journals.get(c.participant_id, {}), subject)))
    return out


def export_xlsx(path: Path, subject: Subject, info: SchoolInfo, rows: list[res.Result], work_date: str,
                *, blank: bool = False) -> None:
    """Write the form atomically. Raises OSError for an unwritable target."""
    wb = fl.build_workbook(subject, info, rows, work_date, blank=blank)
    atomic_write_with(Path(path), wb.save)


def export_csv(path: Path, subject: Subject, info: SchoolInfo, rows: list[res.Result]) -> None:
    """The CSV twin: ``;``-separated UTF-8 with BOM (opens in Russian Excel)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    for r in fl.table_rows(subject, info, rows):
        writer.writerow(safe_row("" if v is None else v for v in r))
    atomic_write_bytes(Path(path), buf.getvalue().encode("utf-8-sig"))


def _work_date(store: SchoolStore, subject: Subject) -> str:
    item = schedule.get_item(store, subject.id)
    return schedule.ru_date(item.work_date) if item else ""


def write_template(store: SchoolStore, subject: Subject, out: Path, class_name: str | None = None,
                   reserve_day: str | None = None, *, key: VaultKey | None = None,
                   without_journal: bool = False) -> int:
    """The form to fill, with every code (of a class / of a reserve day) and the journal
    marks (which need ``key``, unless ``without_journal``); returns the number of rows.
    Raises UnknownClassError, ScheduleError (bad date), JournalLockedError, OSError."""
    day = schedule.parse_date(reserve_day, "Резервный день").isoformat() if reserve_day else None
    key = res.journal_access(store, key, without_journal)
    rows = template_rows(store, subject, class_name, day, key=key)
    export_xlsx(Path(out), subject, get_info(store), rows, _work_date(store, subject), blank=True)
    return len(rows)


def export_results(store: SchoolStore, subject: Subject, out: Path, class_name: str | None = None, *,
                   key: VaultKey | None = None, without_journal: bool = False) -> int:
    """The individual results (xlsx + CSV twin beside it) of the whole school or a
    class, with the journal marks (which need ``key``, unless ``without_journal``);
    returns the number of participants. Refuses to write an empty form (that empty file
    is what gets uploaded by mistake). Raises UnknownClassError, NothingToExportError,
    JournalLockedError, OSError."""
    if class_name:
        codes.active_codes(store, class_name)  # raises UnknownClassError
    if not res.list_results(store, subject, class_name, res.ResultStatus.DONE):
        raise NothingToExportError(subject, class_name)
    key = res.journal_access(store, key, without_journal)
    rows = res.list_results(store, subject, class_name, res.ResultStatus.DONE, key=key)
    info = get_info(store)
    export_xlsx(Path(out), subject, info, rows, _work_date(store, subject))
    export_csv(Path(out).with_suffix(".csv"), subject, info, rows)
    return len(rows)
