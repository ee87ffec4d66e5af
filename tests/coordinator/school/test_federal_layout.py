"""The results export matches the federal individual-results file column for column and
row for row, read the way third-party report tools read that file (issue 21)."""

from __future__ import annotations

from openpyxl import load_workbook

from coordinator.school import federal_layout, forms, results, settings
from tests.coordinator.school import fis_reader


def test_export_reads_like_the_federal_file(store, key, eng8, school, tmp_path):
    """Regression (issue 21): the sheet was «Результаты», «ОО» and «Название ОО» were
    swapped, and no row read ``Название ОО (eduNNNNNN) ... Кол-во участников: N``."""
    settings.set_info(store, name="МАОУ СОШ №4", code="390001", municipality="Черняховск")
    entries = [results.Entry(c.code, 1 + i % 2, (5, 2, None, 6, i, 1)) for i, c in enumerate(school[:4])]
    results.save_entries(store, eng8, entries, results.Source.CLI)
    out = tmp_path / "ind.xlsx"
    assert forms.export_results(store, eng8, out, key=key) == 4
    p = fis_reader.read(out)
    assert p.sheet == "Индивидуальные результаты"
    assert (p.year, p.subject, p.grade, p.max_primary) == (2026, "Английский язык", 8, 30)
    assert (p.school_name, p.school_code, p.declared) == ("МАОУ СОШ №4 (edu390001)", "edu390001", 4)
    assert p.tasks == [("1", 5, "Б"), ("2", 2, "Б"), ("3", 5, "П"), ("4", 6, "Б"), ("5", 6, "Б"), ("6", 6, "П")]
    assert len(p.rows) == 4
    by_code = {r.code: r for r in p.rows}
    first = by_code[school[0].code]
    assert (first.school_code, first.municipality, first.school_name) == ("edu390001", "Черняховск", "МАОУ СОШ №4")
    assert (first.class_name, first.variant, first.primary, first.mark) == ("8А", "1", 14.0, 3)
    assert first.points == {"1": 5.0, "2": 2.0, "3": None, "4": 6.0, "5": 0.0, "6": 1.0}
    assert first.journal in (4, 5)  # from the class list


def test_rows_in_their_places(store, key, eng8, school, tmp_path):
    settings.set_info(store, name="Школа", code="edu123456")
    results.save_entries(store, eng8, [results.Entry(school[0].code, 2, (0,) * 6)], results.Source.CLI)
    forms.export_results(store, eng8, tmp_path / "x.xlsx", key=key)
    ws = load_workbook(tmp_path / "x.xlsx").active
    grid = [[c.value for c in row][:3] for row in ws.iter_rows(max_row=federal_layout.HEADER_ROW)]
    assert grid == [["ВПР 2026 Английский язык 8 класс", None, None],
                    ["Предмет", "Английский язык", None],
                    ["Максимальный первичный балл", 30, None],
                    ["Дата", None, None],
                    ["Школа (edu123456) | Кол-во участников: 1", None, None],
                    [None, None, None],
                    [None, None, None],
                    ["ОО", "Муниципалитет", "Название ОО"]]
    assert settings.normalize_school_code(" 390001 ") == "edu390001"
