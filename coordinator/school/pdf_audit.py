"""The audit report as an A4 PDF for the school head: every check with its result,
what was found and what to do, and lines for the technical specialist's and the head's
signatures."""

from __future__ import annotations

from pathlib import Path

from coordinator.school import timefmt
from coordinator.school.audit import STATUS_RU, AuditReport, Status, summary_ru
from coordinator.school.pdf_common import FONT_FAMILY, new_pdf
from vpr_common.atomic import atomic_write_bytes


def render_audit_pdf(report: AuditReport) -> bytes:
    pdf = new_pdf("Аудит хранения конфиденциальной информации")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_xy(15, 15)
    pdf.set_font(FONT_FAMILY, size=14)
    pdf.multi_cell(180, 7, "Аудит хранения конфиденциальной информации при проведении ВПР", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=11)
    pdf.ln(2)
    for text in (f"Образовательная организация: {report.school or '________________'}",
                 f"Дата и время: {timefmt.local(report.at_utc, report.tz)} ({timefmt.zone_label(report.tz)})",
                 f"Итог: {summary_ru(report)}."):
        pdf.set_x(15)
        pdf.multi_cell(180, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for i, f in enumerate(report.findings, 1):
        pdf.set_x(15)
        pdf.set_font(FONT_FAMILY, size=11)
        pdf.multi_cell(180, 6, f"{i}. {f.title_ru} - {STATUS_RU[f.status]}", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=10)
        pdf.set_x(20)
        pdf.multi_cell(175, 5, f.detail_ru, align="L", new_x="LMARGIN", new_y="NEXT")
        if f.remedy_ru and f.status is not Status.OK:
            pdf.set_x(20)
            pdf.multi_cell(175, 5, f"Что сделать: {f.remedy_ru}", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.ln(6)
    pdf.set_font(FONT_FAMILY, size=11)
    for who in ("Аудит провёл (технический специалист)", "С результатами ознакомлен (руководитель ОО)"):
        pdf.set_x(15)
        pdf.multi_cell(180, 6, f"{who}:", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(15)
        pdf.cell(180, 9, "______________________ / ______________________    «____» ____________ 20___ г.",
                 new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def write_audit_pdf(path: Path, report: AuditReport) -> None:
    atomic_write_bytes(Path(path), render_audit_pdf(report))

