"""The A4 sheet of participant codes to print and cut: large codes in a grid of slips
with dashed cut lines, the class on every slip, each class starting on a new page.
A page holds 30 slips (3 x 10), so a class of up to 30 fits one sheet; a larger class
is spread evenly (32 -> 16 + 16), never 30 + 2."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from coordinator.school.codes import CodeInfo
from coordinator.school.errors import CodesError
from coordinator.school.pdf_common import FONT_FAMILY, new_pdf
from vpr_common.atomic import atomic_write_bytes

COLS, ROWS = 3, 10
MARGIN_X, TOP = 10.0, 20.0
SLIP_W, SLIP_H = (210 - 2 * MARGIN_X) / COLS, 26.5
PER_PAGE = COLS * ROWS


def _cut_lines(pdf, count: int) -> None:
    """Dashed cut lines around ``count`` slips, every edge drawn once (no empty boxes)."""
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.set_line_width(0.3)
    for i in range(count):
        col, row = i % COLS, i // COLS
        x, y = MARGIN_X + col * SLIP_W, TOP + row * SLIP_H
        pdf.line(x, y, x + SLIP_W, y)  # top
        pdf.line(x, y, x, y + SLIP_H)  # left
        if col == COLS - 1 or i == count - 1:
            pdf.line(x + SLIP_W, y, x + SLIP_W, y + SLIP_H)  # right
        if i + COLS >= count:
            pdf.line(x, y + SLIP_H, x + SLIP_W, y + SLIP_H)  # bottom
    pdf.set_dash_pattern()


def render_codes_pdf(codes: list[CodeInfo], school_name: str) -> bytes:
    """PDF bytes. Raises CodesError when there are no codes, FontNotFoundError."""
    if not codes:
        raise CodesError("no codes", message_ru="Нет выданных кодов участников.",
                         remedy_ru="Загрузите классы и выдайте коды: vpr-node codes generate.")
    pdf = new_pdf("Коды участников ВПР")
    for class_name, group in groupby(codes, key=lambda c: c.class_name):
        items = list(group)
        pages = -(-len(items) // PER_PAGE)
        per_page = -(-len(items) // pages)
        for start in range(0, len(items), per_page):
            page = items[start:start + per_page]
            pdf.add_page()
            pdf.set_font(FONT_FAMILY, size=9)
            pdf.set_xy(MARGIN_X, 7)
            prefix = f"{school_name}\n" if school_name else ""
            pdf.multi_cell(210 - 2 * MARGIN_X, 4.5, f"{prefix}Коды участников ВПР. Класс {class_name}. "
                           f"Лист {start // per_page + 1}. Разрежьте по пунктирным линиям.")
            _cut_lines(pdf, len(page))
            for i, info in enumerate(page):
                x = MARGIN_X + (i % COLS) * SLIP_W
                y = TOP + (i // COLS) * SLIP_H
                pdf.set_font(FONT_FAMILY, size=8)
                pdf.set_xy(x, y + 1.5)
                pdf.cell(SLIP_W, 4, "Код участника ВПР", align="C")
                pdf.set_font(FONT_FAMILY, size=28)
                pdf.set_xy(x, y + 6.5)
                pdf.cell(SLIP_W, 12, info.code, align="C")
                pdf.set_font(FONT_FAMILY, size=10)
                pdf.set_xy(x, y + 19.5)
                pdf.cell(SLIP_W, 5, f"Класс {info.class_name}", align="C")
    return bytes(pdf.output())


def write_codes_pdf(path: Path, codes: list[CodeInfo], school_name: str) -> int:
    """Write the sheet atomically; returns the number of pages."""
    data = render_codes_pdf(codes, school_name)
    atomic_write_bytes(Path(path), data)
    return data.count(b"/Type /Page\n") or data.count(b"/Type /Page")
