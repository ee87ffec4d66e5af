"""The streaming xlsx reader gives the same values as openpyxl (shared and inline
strings, numbers, booleans, gaps, formulas) and falls back to openpyxl when needed."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from coordinator.school import tables, xlsx_reader


def _openpyxl(path):
    return xlsx_reader.openpyxl_sheets(path, True)[0][1]


def _trim(rows):
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] is None:
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def test_same_values_as_openpyxl(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Форма"
    ws["A1"] = "ВПР 2026 Английский язык 8 класс"
    ws["C3"] = 2.5
    ws["D3"] = 7
    ws["E3"] = True
    ws["F3"] = "Х"
    ws["A6"] = "Код участника"
    ws["B6"] = "=1+1"
    ws["AB7"] = "далеко"
    wb.create_sheet("Второй")["A1"] = "не тот лист"
    p = tmp_path / "a.xlsx"
    wb.save(p)
    fast = tables.fast_xlsx_rows(p)
    assert _trim(fast) == _trim(_openpyxl(p))
    assert fast[0][0] == "ВПР 2026 Английский язык 8 класс" and fast[2][2:6] == [2.5, 7, True, "Х"]
    assert fast[6][27] == "далеко" and tables.cell_ref(6, 27) == "AB7"


def test_write_only_inline_and_styled(tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    c = WriteOnlyCell(ws, value="жирный")
    ws.append([c, 1, None, "-"])
    ws.append([])
    ws.append([None, "9.1 (1б)"])
    p = tmp_path / "b.xlsx"
    wb.save(p)
    assert _trim(tables.read_rows(p)) == _trim(_openpyxl(p)) == [["жирный", 1, None, "-"], [], [None, "9.1 (1б)"]]


def test_falls_back_to_openpyxl_when_the_fast_reader_gives_up(tmp_path, monkeypatch):
    wb = Workbook()
    wb.active["A1"] = "Класс"
    p = tmp_path / "c.xlsx"
    wb.save(p)

    def give_up(path, first_only=False):
        raise ValueError("unexpected layout")

    monkeypatch.setattr(xlsx_reader, "fast_xlsx_sheets", give_up)
    assert tables.read_rows(p)[0][0] == "Класс"
    wb.create_sheet("8Б")["A1"] = "ФИО"
    wb.save(p)
    assert [(n, r[0][0]) for n, r in tables.read_sheets(p)] == [("Sheet", "Класс"), ("8Б", "ФИО")]


def test_every_sheet_with_its_name(tmp_path):
    wb = Workbook()
    wb.active.title = "8А"
    wb.active["B2"] = "Иванов"
    wb.create_sheet("8Б")["A1"] = 5
    p = tmp_path / "s.xlsx"
    wb.save(p)
    assert [(n, _trim(r)) for n, r in tables.read_sheets(p)] == [("8А", [[], [None, "Иванов"]]), ("8Б", [[5]])]


def test_csv_separator_is_found_below_a_title_line(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("Список класса 8А\nФИО,Пол\nИванов Иван,м\n".encode("cp1251"))
    assert tables.read_rows(p) == [["Список класса 8А"], ["ФИО", "Пол"], ["Иванов Иван", "м"]]


def test_column_letters_match_openpyxl():
    from openpyxl.utils import get_column_letter

    for i in list(range(0, 800)) + [16383, 18277]:
        assert tables.col_letter(i) == get_column_letter(i + 1)
    assert tables.cell_ref(8, 6) == "G9"
