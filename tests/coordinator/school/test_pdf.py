"""Code slips and the paper protocol as PDFs: they render (pdftoppm), carry the codes,
classes and Russian text (pdftotext), and find a Cyrillic font."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator.school import codes, pdf_common, roster
from coordinator.school.errors import CodesError
from coordinator.school.pdf_codes import render_codes_pdf, write_codes_pdf
from coordinator.school.pdf_protocol import write_protocol_pdf
from tests.conftest import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts" / "school"


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def render_png(path: Path, stem: str) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / stem)], check=True)
    return sorted(ARTIFACTS.glob(f"{stem}*.png"))


pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def test_codes_pdf(store, tmp_path):
    """Regression (issue 21): 25 slips printed as 24 + 1."""
    roster.add_counts(store, {"8А": 25, "8Б": 3, "8В": 32})
    codes.generate(store)
    items = codes.active_codes(store)
    out = tmp_path / "codes.pdf"
    pages = write_codes_pdf(out, items, "МАОУ СОШ №4")
    assert pages == 4  # 8А on one sheet, 8Б on one, 8В as 16 + 16
    per_page = [sum(c.code in page for c in items) for page in pdf_text(out).split("\f") if page.strip()]
    assert per_page == [25, 3, 16, 16]
    text = pdf_text(out)
    assert all(c.code in text for c in items)
    assert "Класс 8А" in text and "Класс 8Б" in text and "Разрежьте по пунктирным линиям" in text
    pngs = render_png(out, "codes")
    assert len(pngs) == 4 and all(p.stat().st_size > 3000 for p in pngs)


def test_protocol_pdf(store, eng8, tmp_path):
    roster.add_counts(store, {"8А": 3})
    codes.generate(store)
    rows = [(c.class_name, c.code, "Иванова Снежана Викторовна" if i == 0 else "")
            for i, c in enumerate(codes.active_codes(store))]
    out = tmp_path / "protocol.pdf"
    write_protocol_pdf(out, rows, eng8, "МАОУ СОШ №4", "15.04.2026")
    text = pdf_text(out)
    for needle in ("Протокол проведения Всероссийской проверочной работы", "ВПР 2026 Английский язык 8 класс",
                   "Код участника", "ФИО участника", "Вариант", "Подпись", "Дата проведения: 15.04.2026",
                   "Иванова Снежана Викторовна", "не передаётся в ФИС ОКО"):
        assert needle in text, needle
    assert all(r[1] in text for r in rows)
    assert render_png(out, "protocol")


def test_no_codes(store):
    with pytest.raises(CodesError) as e:
        render_codes_pdf([], "x")
    assert e.value.user_text == ("Нет выданных кодов участников. "
                                 "Загрузите классы и выдайте коды: vpr-node codes generate.")


def test_font_lookup_order(monkeypatch):
    assert pdf_common.find_font().name == "DejaVuSans.ttf"
    kivy = pdf_common.kivy_font()
    assert kivy is not None and kivy.is_file() and kivy.parts[-3:] == ("data", "fonts", "DejaVuSans.ttf")
    monkeypatch.setattr(pdf_common, "_SYSTEM_FONTS", (Path("/nonexistent/DejaVuSans.ttf"),))
    assert pdf_common.find_font() == kivy  # the Windows path: Kivy's bundled copy
    # the lookup finds Kivy's copy by path without importing kivy
    code = ("import sys; from coordinator.school import pdf_common; pdf_common._SYSTEM_FONTS = (); "
            "p = pdf_common.find_font(); print(p.name, 'kivy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["DejaVuSans.ttf", "False"]
    monkeypatch.setattr(pdf_common, "kivy_font", lambda: None)
    with pytest.raises(pdf_common.FontNotFoundError) as e:
        pdf_common.find_font()
    assert e.value.message_ru == "Не найден шрифт с русскими буквами (DejaVuSans) для печати PDF."
