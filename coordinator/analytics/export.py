"""The analytics report as a PDF (A4, black and white, charts as images) and as an xlsx
workbook with the same numbers; ``vpr-node analytics report`` and the console's
«Аналитика» both call :func:`write`. fpdf2, openpyxl and matplotlib are imported here
only. Every row of the xlsx passes ``vpr_common.text.safe_row`` (no text cell is ever
a formula)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from coordinator.analytics import figures as fg
from coordinator.analytics.report import Report
from coordinator.school.pdf_common import FONT_FAMILY, new_pdf
from vpr_common.atomic import atomic_write_bytes
from vpr_common.errors import UsageError
from vpr_common.text import safe_row

JOURNAL_LOCKED = ("Отметки по журналу зашифрованы вместе с протоколом: откройте протокол (в консоли) или "
                  "добавьте --journal к команде, чтобы сравнить.")


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1f} %"


def _png(kind: str, report: Report) -> bytes:
    from coordinator.analytics import charts

    fig = {"marks": lambda: charts.marks_chart(report.marks), "histogram": lambda: charts.histogram_chart(
        report.histogram), "tasks": lambda: charts.tasks_chart(report.tasks)}[kind]()
    return charts.png(fig)


def write(report: Report, path: Path) -> Path:
    """Write the report as ``.pdf`` or ``.xlsx`` (by the extension). Raises
    :class:`UsageError` for another extension."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".pdf":
        atomic_write_bytes(path, pdf_bytes(report))
    elif ext == ".xlsx":
        atomic_write_bytes(path, xlsx_bytes(report))
    else:
        raise UsageError(f"extension {ext}", message_ru="Отчёт сохраняется как .pdf или .xlsx.",
                         remedy_ru="Укажите имя файла с расширением .pdf или .xlsx.")
    return path


def _note_small(n: int) -> str:
    return f" (участников {n} - меньше 10: сравнивать проценты нельзя)" if n < fg.MIN_GROUP else ""


def pdf_bytes(report: Report) -> bytes:
    pdf = new_pdf(f"Аналитика: {report.title}")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    w = pdf.w - 2 * pdf.l_margin

    def h(text: str, size: int = 12) -> None:
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.multi_cell(w, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=9)

    def row(cells: list, widths: list[float]) -> None:
        for c, cw in zip(cells, widths):
            pdf.cell(cw, 6, str(c), border=1)
        pdf.ln(6)

    h(report.title, 14)
    h(f"{report.school}. Выборка: {report.selection}. Выполняли: {report.marks.n}, отсутствовали: {report.absent}. "
      f"Сформировано {datetime.now():%d.%m.%Y %H:%M}.", 9)
    pdf.ln(2)
    h("Распределение отметок" + _note_small(report.marks.n))
    m = report.marks
    row(["Отметка", "2", "3", "4", "5", "Качество (4-5)", "Успеваемость (3-5)"], [22, 18, 18, 18, 18, 40, 40])
    row(["Участников", *(m.counts[k] for k in (2, 3, 4, 5)), _pct(m.quality), _pct(m.pass_rate)],
        [22, 18, 18, 18, 18, 40, 40])
    row(["%", *(_pct(m.percent[k]) for k in (2, 3, 4, 5)), "", ""], [22, 18, 18, 18, 18, 40, 40])
    pdf.image(io.BytesIO(_png("marks", report)), w=90)
    h("Первичные баллы и границы отметок")
    pdf.image(io.BytesIO(_png("histogram", report)), w=w)
    if report.histogram.flagged:
        h("Признак необъективности: у границы отметки " + ", ".join(f"«{mk}» ({b} б.)" for mk, b in
                                                                   report.histogram.flagged)
          + " участников заметно больше, чем на баллах чуть ниже. Проверьте оценивание.", 9)
    h("Выполнение заданий (базовые - достаточно от 60 %, повышенные - от 30 %)")
    row(["Задание", "Уровень", "Макс.", "Выполнение", "Порог", "Достаточно"], [22, 20, 18, 30, 22, 30])
    for t in report.tasks:
        row([t.number, t.level, t.max_points, _pct(t.percent), f"{t.threshold:.0f} %",
             "—" if t.sufficient is None else ("да" if t.sufficient else "НЕТ")], [22, 20, 18, 30, 22, 30])
    if report.criteria:
        h("Устные задания по критериям")
        row(["Задание", "Критерий", "Макс.", "Выполнение", "Ответов"], [22, 80, 18, 30, 22])
        for c in report.criteria:
            row([c.task_number, f"{c.criterion} {c.title}"[:45], c.max_points, _pct(c.percent), c.n],
                [22, 80, 18, 30, 22])
    j = report.journal
    h("Отметка ВПР и отметка по журналу" + ("" if report.journal_locked else _note_small(j.n)))
    if report.journal_locked:
        h(JOURNAL_LOCKED, 9)
    row(["", "Понизили", "Подтвердили", "Повысили", "Всего"], [30, 30, 30, 30, 30])
    row(["Участников", j.lowered, j.confirmed, j.raised, j.n], [30, 30, 30, 30, 30])
    row(["%", _pct(j.percent["lowered"]), _pct(j.percent["confirmed"]), _pct(j.percent["raised"]), ""],
        [30, 30, 30, 30, 30])
    if j.far:
        h("Расхождение на 2 балла и больше", 10)
        for r in j.far:
            name = report.names.get(r.code, "")
            row([r.code, r.class_name, f"ВПР {r.mark}", f"журнал {r.journal_mark}", name[:40]], [22, 16, 24, 28, 80])
    if report.classes and len(report.classes) > 1:
        h("По классам")
        row(["Класс", "Выполняли", "2", "3", "4", "5", "Качество", "Успеваемость"], [18, 24, 14, 14, 14, 14, 30, 30])
        for c in report.classes:
            cm = c.marks
            row([c.class_name, cm.n, *(cm.counts[k] for k in (2, 3, 4, 5)),
                 "мало" if cm.too_few else _pct(cm.quality), "мало" if cm.too_few else _pct(cm.pass_rate)],
                [18, 24, 14, 14, 14, 14, 30, 30])
    if report.experts:
        h("Согласованность экспертов (устные задания)")
        row(["Эксперт", "Оценено", "Точное согласие", "Согласие ±1", "Строгость"], [40, 24, 36, 32, 30])
        for e in report.experts:
            row([e.login, e.scored, _pct(e.exact * 100 if e.exact is not None else None),
                 _pct(e.adjacent * 100 if e.adjacent is not None else None),
                 "—" if e.severity is None else f"{e.severity:+.2f}"], [40, 24, 36, 32, 30])
        if report.kappa:
            h("Каппа (квадратичная) первой и второй проверки: " + "; ".join(
                f"задание {t}: {k if k is not None else '—'} ({n} пар)" for t, (k, n) in sorted(report.kappa.items())), 9)
    if report.names:
        pdf.add_page()
        h(f"Результаты учеников ({report.selection}) - для родительского собрания")
        row(["Код", "Класс", "ФИО", "Балл", "Отметка", "По журналу"], [18, 14, 90, 16, 18, 22])
        for r in sorted(report.rows, key=lambda x: (x.class_name, report.names.get(x.code, ""))):
            row([r.code, r.class_name, report.names.get(r.code, "")[:48], r.primary, r.mark,
                 r.journal_mark if r.journal_mark is not None else "—"], [18, 14, 90, 16, 18, 22])
    return bytes(pdf.output())


def xlsx_bytes(report: Report) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Отметки"
    m = report.marks
    ws.append(safe_row([report.title]))
    ws.append(safe_row([report.school, f"выборка: {report.selection}", f"выполняли: {m.n}",
                        f"отсутствовали: {report.absent}"]))
    ws.append(safe_row(["Отметка", 2, 3, 4, 5, "Качество, %", "Успеваемость, %"]))
    ws.append(safe_row(["Участников", *(m.counts[k] for k in (2, 3, 4, 5)), m.quality, m.pass_rate]))
    ws.append(safe_row(["%", *(m.percent[k] for k in (2, 3, 4, 5))]))
    if m.too_few:
        ws.append(safe_row(["Участников меньше 10: проценты не сравнивать"]))
    ws = wb.create_sheet("Баллы")
    ws.append(safe_row(["Первичный балл", "Участников", "Граница отметки", "Признак необъективности"]))
    bounds = {b: mk for mk, b in report.histogram.boundaries}
    flagged = {b for _, b in report.histogram.flagged}
    for score, n in enumerate(report.histogram.counts):
        ws.append(safe_row([score, n, f"«{bounds[score]}» от {score}" if score in bounds else None,
                            "да" if score in flagged else None]))
    ws = wb.create_sheet("Задания")
    ws.append(safe_row(["Задание", "Уровень", "Макс. балл", "Выполнение, %", "Порог, %", "Достаточно"]))
    for t in report.tasks:
        ws.append(safe_row([t.number, t.level, t.max_points, t.percent, t.threshold,
                            None if t.sufficient is None else ("да" if t.sufficient else "нет")]))
    if report.criteria:
        ws = wb.create_sheet("Критерии")
        ws.append(safe_row(["Задание", "Критерий", "Название", "Макс. балл", "Выполнение, %", "Ответов"]))
        for c in report.criteria:
            ws.append(safe_row([c.task_number, c.criterion, c.title, c.max_points, c.percent, c.n]))
    j = report.journal
    ws = wb.create_sheet("Журнал")
    if report.journal_locked:
        ws.append(safe_row([JOURNAL_LOCKED]))
    ws.append(safe_row(["", "Понизили", "Подтвердили", "Повысили", "Всего"]))
    ws.append(safe_row(["Участников", j.lowered, j.confirmed, j.raised, j.n]))
    ws.append(safe_row(["%", j.percent["lowered"], j.percent["confirmed"], j.percent["raised"]]))
    ws.append(safe_row([]))
    ws.append(safe_row(["Код", "Класс", "Отметка ВПР", "Отметка по журналу", "ФИО"]))
    for r in j.far:
        ws.append(safe_row([r.code, r.class_name, r.mark, r.journal_mark, report.names.get(r.code) or None]))
    ws = wb.create_sheet("Классы")
    ws.append(safe_row(["Класс", "Выполняли", "2", "3", "4", "5", "Качество, %", "Успеваемость, %", "Меньше 10"]))
    for c in report.classes:
        cm = c.marks
        ws.append(safe_row([c.class_name, cm.n, *(cm.counts[k] for k in (2, 3, 4, 5)), cm.quality, cm.pass_rate,
                            "да" if cm.too_few else None]))
    if report.experts:
        ws = wb.create_sheet("Эксперты")
        ws.append(safe_row(["Эксперт", "Оценено", "Точное согласие", "Согласие ±1", "Контрольные", "Строгость"]))
        for e in report.experts:
            ws.append(safe_row([e.login, e.scored, e.exact, e.adjacent, e.seeding, e.severity]))
        for t, (k, n) in sorted(report.kappa.items()):
            ws.append(safe_row([f"каппа, задание {t}", k, f"пар: {n}"]))
    if report.names:
        ws = wb.create_sheet("Ученики")
        ws.append(safe_row(["Код", "Класс", "ФИО", "Первичный балл", "Отметка", "По журналу"]))
        for r in sorted(report.rows, key=lambda x: (x.class_name, report.names.get(x.code, ""))):
            ws.append(safe_row([r.code, r.class_name, report.names.get(r.code, ""), r.primary, r.mark,
                                r.journal_mark]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
