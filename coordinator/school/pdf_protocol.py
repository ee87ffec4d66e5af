"""The paper protocol template in Russian: per class a table of participant codes with
a column for the full name (blank to fill by hand, or pre-filled from the unlocked
protocol), class, variant and signature. A pre-filled protocol carries names: it is
printed and kept in the school, never uploaded."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from coordinator.school.errors import CodesError
from coordinator.school.pdf_common import FONT_FAMILY, new_pdf, table_header
from coordinator.school.subjects import Subject
from vpr_common.atomic import atomic_write_bytes

COLUMNS = (("№", 10), ("Код участника", 28), ("ФИО участника", 72), ("Класс", 16), ("Вариант", 20), ("Подпись", 44))
ROW_H = 8.0
ROWS_PER_PAGE = 26


def render_protocol_pdf(rows: list[tuple[str, str, str]], subject: Subject, school_name: str,
                        work_date: str) -> bytes:
    """``rows`` are (class, code, name or ""). Raises CodesError when empty."""
    if not rows:
        raise CodesError("no codes", message_ru="Нет выданных кодов участников для протокола.",
                         remedy_ru="Выдайте коды: vpr-node codes generate.")
    pdf = new_pdf("Протокол проведения ВПР")
    for class_name, group in groupby(rows, key=lambda r: r[0]):
        items = list(group)
        for start in range(0, len(items), ROWS_PER_PAGE):
            pdf.add_page()
            pdf.set_xy(10, 10)
            pdf.set_font(FONT_FAMILY, size=14)
            pdf.cell(190, 8, "Протокол проведения Всероссийской проверочной работы", align="C",
                     new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FONT_FAMILY, size=11)
            pdf.set_x(10)
            pdf.cell(190, 6, f"{subject.title}", align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(10)
            pdf.cell(190, 6, f"ОО: {school_name}", new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(10)
            pdf.cell(190, 6, f"Класс: {class_name}    Дата проведения: {work_date or '____________'}"
                             f"    Аудитория: ________", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            table_header(pdf, COLUMNS, ROW_H)
            for n, (_, code, name) in enumerate(items[start:start + ROWS_PER_PAGE], start=start + 1):
                pdf.set_x(10)
                values = (str(n), code, name, class_name, "", "")
                for col, ((_, w), v) in enumerate(zip(COLUMNS, values)):
                    pdf.cell(w, ROW_H, v, border=1, align="L" if col == 2 else "C")
                pdf.ln(ROW_H)
            pdf.ln(4)
            pdf.set_x(10)
            pdf.set_font(FONT_FAMILY, size=10)
            pdf.cell(190, 6, "Организатор в аудитории: ______________________ / ______________", new_x="LMARGIN",
                     new_y="NEXT")
            pdf.set_x(10)
            pdf.set_font(FONT_FAMILY, size=8)
            pdf.multi_cell(190, 4, "Протокол хранится в образовательной организации и не передаётся в ФИС ОКО. "
                                   "В электронную форму сбора результатов вносятся только коды участников.")
    return bytes(pdf.output())


def write_protocol_pdf(path: Path, rows: list[tuple[str, str, str]], subject: Subject, school_name: str,
                       work_date: str) -> None:
    atomic_write_bytes(Path(path), render_protocol_pdf(rows, subject, school_name, work_date))
