"""The printed act of deletion of results and protocols at the end of the retention
period (``retention.DeletionAct``), to be signed by the coordinator and the school
head: what was deleted from the program, when and on whose confirmation, the backups
that still hold the data, and lines for the paper protocols destroyed by hand."""

from __future__ import annotations

from pathlib import Path

from coordinator.school import timefmt
from coordinator.school.pdf_common import FONT_FAMILY, new_pdf, table_header
from coordinator.school.retention import DeletionAct
from coordinator.school.settings import SchoolInfo
from vpr_common.atomic import atomic_write_bytes


def render_deletion_act(act: DeletionAct, info: SchoolInfo) -> bytes:
    pdf = new_pdf(f"Акт удаления № {act.number}")
    pdf.add_page()
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_xy(15, 15)
    pdf.set_font(FONT_FAMILY, size=14)
    pdf.cell(180, 8, f"АКТ № {act.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=12)
    pdf.set_x(15)
    pdf.multi_cell(180, 6, "об удалении результатов всероссийских проверочных работ и протоколов "
                   "по истечении срока хранения", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, size=11)
    lines = [f"Образовательная организация: {info.name or '________________'}"
             + (f" ({info.fis_code})" if info.code else ""),
             f"Дата и время удаления: {timefmt.local(act.at_utc, info.tz)} ({timefmt.zone_label(info.tz)})",
             f"Основание: истёк срок хранения результатов - {act.months} мес. после дня проведения работы.",
             f"Удаление подтвердил(а) в программе: {act.confirmed_by}"]
    for text in lines:
        pdf.set_x(15)
        pdf.multi_cell(180, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    cols = (("Работа", 80), ("Проведена", 30), ("Хранить до", 30), ("Удалено записей", 40))
    table_header(pdf, cols, 7, x=15)
    for s in act.subjects:
        pdf.set_x(15)
        for value, (_, w) in zip((s.title, s.work_date.strftime("%d.%m.%Y"), s.keep_until.strftime("%d.%m.%Y"),
                                  str(s.results)), cols):
            pdf.cell(w, 7, value, border=1, align="L" if w == 80 else "C")
        pdf.ln(7)
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, size=11)
    pdf.set_x(15)
    if act.protocol_deleted:
        pdf.multi_cell(180, 6, "Электронный протокол (соответствие кодов участников и ФИО) удалён.",
                       align="L", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(180, 6, "Электронный протокол (соответствие кодов и ФИО) сохранён: не истёк срок хранения "
                       "по работам: " + ", ".join(act.kept_subjects) + ".", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(15)
    if act.backups_with_data:
        pdf.multi_cell(180, 6, "Резервные копии, сделанные до удаления, ещё содержат эти данные - уничтожьте их: "
                       + "; ".join(act.backups_with_data), align="L", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(180, 6, "Резервных копий, сделанных до удаления, на этом компьютере нет (копии на других "
                       "носителях уничтожьте отдельно).", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_x(15)
    pdf.multi_cell(180, 6, "Бумажные протоколы проведения за эти работы уничтожены: «____» ____________ 20___ г., "
                   "способ: ______________________.", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    for who in ("Школьный координатор", "Руководитель ОО", "Член комиссии"):
        pdf.set_x(15)
        pdf.cell(180, 9, f"{who}: ______________________ / ______________________", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def write_deletion_act(path: Path, act: DeletionAct, info: SchoolInfo) -> None:
    atomic_write_bytes(Path(path), render_deletion_act(act, info))
