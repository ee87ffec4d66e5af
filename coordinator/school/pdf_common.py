"""What both PDFs (code slips, paper protocol) share: a TTF font with Cyrillic and an
A4 fpdf2 document using it.

Font search order: DejaVuSans from fonts-dejavu-core (Debian/Astra/ALT paths), then the
copy Kivy bundles in its package data (found by path only - kivy modules are never
imported here; on Windows this is the one found).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator.school.errors import SchoolError

if TYPE_CHECKING:  # fpdf2 (with Pillow) is imported when a PDF is made, not by the node server
    from fpdf import FPDF

FONT_FAMILY = "DejaVu"
# fontTools logs every subset's glyph list at INFO: noise, and it would describe the
# letters of a pre-filled protocol in the log.
logging.getLogger("fontTools").setLevel(logging.WARNING)
_SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


class FontNotFoundError(SchoolError):
    code = "font_not_found"
    message_ru = "Не найден шрифт с русскими буквами (DejaVuSans) для печати PDF."
    remedy_ru = "Установите пакет fonts-dejavu-core (Linux) или переустановите программу (Windows)."


def kivy_font() -> Path | None:
    """Kivy's bundled DejaVuSans.ttf, located without importing kivy."""
    try:
        spec = importlib.util.find_spec("kivy")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        candidate = Path(base) / "data" / "fonts" / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    return None


def find_font() -> Path:
    """Path of a Cyrillic TTF. Raises FontNotFoundError."""
    for p in _SYSTEM_FONTS:
        if p.is_file():
            return p
    k = kivy_font()
    if k is not None:
        return k
    raise FontNotFoundError("no DejaVuSans.ttf found")


def new_pdf(title: str) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT_FAMILY, "", str(find_font()))
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.set_title(title)
    pdf.set_creator("vpr-node")
    return pdf


def table_header(pdf: FPDF, columns, row_h: float, x: float = 10) -> None:
    """One row of column titles (``[(title, width mm)]``) in boxes, then the body font."""
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.set_x(x)
    for title, w in columns:
        pdf.cell(w, row_h, title, border=1, align="C")
    pdf.ln(row_h)
    pdf.set_font(FONT_FAMILY, size=10)
