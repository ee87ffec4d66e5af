"""The room sheet as an A4 PDF for the classroom organizer: the room, its seats and
stations, the subject and date, the adults with signature lines, and the participants
by code and class with their station and round, a column to tick attendance, and the
absentees already known. Names only when the coordinator asked for them with the key."""

from __future__ import annotations

from pathlib import Path

from coordinator.school.pdf_common import FONT_FAMILY, new_pdf, table_header
from coordinator.school.rooms import ROLE_RU, RoomSheet, StaffRole
from vpr_common.atomic import atomic_write_bytes

ROW_H = 7.0
ROWS_FIRST, ROWS_NEXT = 24, 34


def _columns(sheet: RoomSheet) -> list[tuple[str, float]]:
    cols = [("№", 10), ("Код участника", 30), ("Класс", 16)]
    if any(s.name for s in sheet.seats):
        cols.append(("ФИО участника", 62))
    if sheet.room.stations:
        cols += [("Станция", 26), ("Смена", 16)]
    cols.append(("Присутствует", 26))
    return cols


def _header(pdf, sheet: RoomSheet, school_name: str) -> None:
    pdf.set_xy(10, 10)
    pdf.set_font(FONT_FAMILY, size=14)
    pdf.cell(190, 8, f"Лист аудитории «{sheet.room.name}»", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=11)
    lines = [sheet.subject_title + (" - резервный день" if sheet.reserve_day else ""),
             f"ОО: {school_name}" if school_name else "",
             f"Дата: {sheet.day.strftime('%d.%m.%Y') if sheet.day else '____________'}    "
             f"Мест: {sheet.room.capacity}    Классы: {', '.join(sheet.classes)}",
             ("Станции: " + ", ".join(sheet.room.stations)) if sheet.room.stations else ""]
    for text in lines:
        if text:
            pdf.set_x(10)
            pdf.cell(190, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT_FAMILY, size=10)
    for role in StaffRole:
        people = sheet.staff.get(role, ())
        title = ROLE_RU[role].capitalize()
        blank_line = role is not StaffRole.TECHNICIAN or bool(sheet.room.stations)
        for person in people or (("",) if blank_line else ()):
            pdf.set_x(10)
            pdf.cell(190, 6, f"{title}: {person or '______________________________'}   подпись ____________",
                     new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def render_room_sheet(sheet: RoomSheet, school_name: str) -> bytes:
    """PDF bytes. Raises FontNotFoundError."""
    pdf = new_pdf(f"Лист аудитории {sheet.room.name}")
    cols = _columns(sheet)
    scale = 190 / sum(w for _, w in cols)
    cols = [(t, w * scale) for t, w in cols]
    present = [s for s in sheet.seats if not s.absent]
    absent = [s for s in sheet.seats if s.absent]
    start = 0
    first = True
    while first or start < len(present):
        pdf.add_page()
        if first:
            _header(pdf, sheet, school_name)
        else:
            pdf.set_xy(10, 10)
        per_page = ROWS_FIRST if first else ROWS_NEXT
        first = False
        table_header(pdf, cols, ROW_H)
        for seat in present[start:start + per_page]:
            values = {"№": str(seat.n), "Код участника": seat.code, "Класс": seat.class_name,
                      "ФИО участника": seat.name, "Станция": seat.station, "Смена": str(seat.round or ""),
                      "Присутствует": ""}
            pdf.set_x(10)
            for title, w in cols:
                pdf.cell(w, ROW_H, values[title], border=1, align="L" if title == "ФИО участника" else "C")
            pdf.ln(ROW_H)
        start += per_page
    pdf.ln(3)
    pdf.set_x(10)
    if absent:
        pdf.multi_cell(190, 5, "Отмечены отсутствующими (резервный день - с теми же кодами): "
                       + ", ".join(f"{s.code} ({s.class_name})" for s in absent), align="L", new_x="LMARGIN", new_y="NEXT")
    if sheet.room.stations:
        pdf.set_x(10)
        pdf.multi_cell(190, 5, "Участники садятся за станции по сменам: смена 1 - первые "
                       f"{len(sheet.room.stations)} участников списка, затем смена 2 и так далее. Если станция "
                       "неисправна, технический специалист пересаживает участника на свободную станцию.",
                       align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(10)
    pdf.set_font(FONT_FAMILY, size=8)
    pdf.multi_cell(190, 4, "Лист передаётся организатору в аудитории вместе с бумажным протоколом и кодами. "
                   + ("В листе есть ФИО: храните его в ОО, не отправляйте." if any(s.name for s in sheet.seats)
                      else "ФИО участников - только в бумажном протоколе."), align="L")
    return bytes(pdf.output())


def write_room_sheet(path: Path, sheet: RoomSheet, school_name: str) -> None:
    atomic_write_bytes(Path(path), render_room_sheet(sheet, school_name))
