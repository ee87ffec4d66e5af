"""Access cards for the results kiosk, per class: the pupil's name (from the unlocked
protocol), class, participant code and PIN, with how to use them - 10 cards to an A4
sheet, cut along the dashed lines, handed to parents."""

from __future__ import annotations

from coordinator.school.pdf_common import FONT_FAMILY, new_pdf

COLS, ROWS = 2, 5
MARGIN_X, TOP = 10.0, 12.0
CARD_W, CARD_H = (210 - 2 * MARGIN_X) / COLS, 54.0


def render_cards(school_name: str, cards: list[tuple[str, str, str, str]]) -> bytes:
    """``cards``: (class, name, code, PIN). PDF bytes."""
    pdf = new_pdf("Карточки доступа к результатам ВПР")
    for i, (cls, name, code, pin) in enumerate(cards):
        slot = i % (COLS * ROWS)
        if slot == 0:
            pdf.add_page()
        x = MARGIN_X + (slot % COLS) * CARD_W
        y = TOP + (slot // COLS) * CARD_H
        pdf.set_dash_pattern(dash=2, gap=1.5)
        pdf.rect(x, y, CARD_W, CARD_H)
        pdf.set_dash_pattern()
        pdf.set_xy(x + 4, y + 3)
        pdf.set_font(FONT_FAMILY, size=8)
        pdf.multi_cell(CARD_W - 8, 4, f"{school_name}\nРезультаты ВПР", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=11)
        pdf.multi_cell(CARD_W - 8, 6, f"{name}, {cls}", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=14)
        pdf.cell(CARD_W - 8, 8, f"Код: {code}    PIN: {pin}", new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, size=7.5)
        pdf.multi_cell(CARD_W - 8, 3.6, "Введите код и PIN на компьютере для просмотра результатов в школе. "
                                        "Никому не показывайте PIN. Потеряли карточку - обратитесь к координатору.",
                       new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())
