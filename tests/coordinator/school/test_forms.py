"""The results form: template, import with cell-exact validation, export (xlsx + CSV)
in the federal layout, primary score and mark, absentees."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from datetime import datetime

from coordinator.school import codes, forms, results, schedule, settings
from coordinator.school.errors import EmptyTemplateError, ResultsValidationError

FIRST_DATA_ROW = forms.HEADER_ROW + 1  # 9
NOW_BEFORE = datetime.fromisoformat("2026-04-14T10:00:00+00:00")


def _template(store, subject, path, class_name=None):
    rows = [results.Result(c.code, c.class_name, results.ResultStatus.DONE, None, (), None, None, None)
            for c in codes.active_codes(store, class_name)]
    forms.export_xlsx(path, subject, settings.get_info(store), rows, "15.04.2026", blank=True)
    return path


def _fill(path, out, rows):
    """rows: list of (variant, points list) for the template's data rows, in order."""
    wb = load_workbook(path)
    ws = wb.active
    for i, (variant, pts) in enumerate(rows):
        r = FIRST_DATA_ROW + i
        ws.cell(row=r, column=6, value=variant)
        for j, p in enumerate(pts):
            ws.cell(row=r, column=7 + j, value=p)
    wb.save(out)
    return ws, wb


@pytest.fixture()
def filled(store, eng8, school, tmp_path):
    settings.set_info(store, name="МАОУ СОШ №4", code="390001", municipality="Черняховск")
    t = _template(store, eng8, tmp_path / "t.xlsx")
    rows = [(1, [5, 2, 5, 6, 6, 6]), (2, ["X", "Х", "-", 0, 1, 2]), (1, [1, 1, 1, 1, 1, 1]),
            (2, [4, 2, 4, 5, 5, 3]), (1, ["x", 0, 0, 0, 0, "х"])]
    _fill(t, tmp_path / "f.xlsx", rows)
    return tmp_path / "f.xlsx"


def test_roundtrip_scores_marks_and_layout(store, key, eng8, school, filled, tmp_path):
    rep = forms.import_form(store, eng8, filled)
    assert (rep.stored, rep.not_done_cells, rep.unfilled_rows) == (5, 5, 0)
    assert {r.journal_mark for r in results.list_results(store, eng8)} == {None}  # encrypted: needs the key
    got = {r.code: r for r in results.list_results(store, eng8, key=key)}
    order = [c.code for c in school]
    assert [(got[c].primary, got[c].mark) for c in order] == [(30, 5), (3, 2), (6, 2), (23, 4), (0, 2)]
    assert got[order[1]].points == (None, None, None, 0, 1, 2)
    assert got[order[0]].journal_mark in (4, 5) and got[order[0]].class_name == "8А"

    out = tmp_path / "out.xlsx"
    rows = results.list_results(store, eng8, "8Б", results.ResultStatus.DONE, key=key)
    forms.export_xlsx(out, eng8, settings.get_info(store), rows, "15.04.2026")
    wb = load_workbook(out)
    assert wb.sheetnames == ["Индивидуальные результаты"]
    ws = wb.active
    assert ws["A1"].value == "ВПР 2026 Английский язык 8 класс" and ws["A1"].font.b
    assert (ws["A2"].value, ws["B2"].value) == ("Предмет", "Английский язык")
    assert (ws["A3"].value, ws["B3"].value) == ("Максимальный первичный балл", 30)
    assert (ws["A4"].value, ws["B4"].value) == ("Дата", "15.04.2026")
    assert ws["A5"].value == "МАОУ СОШ №4 (edu390001) | Черняховск | Кол-во участников: 3"
    assert [c.value for c in ws[7]][6:12] == ["Б", "Б", "П", "Б", "Б", "П"]
    assert [c.value for c in ws[8]] == ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант",
                                         "1 (5б)", "2 (2б)", "3 (5б)", "4 (6б)", "5 (6б)", "6 (6б)",
                                         "Первичный балл", "Отметка", "Отметка по журналу"]
    data = [[c.value for c in r] for r in ws.iter_rows(min_row=9)]
    assert [r[:3] for r in data] == [["edu390001", "Черняховск", "МАОУ СОШ №4"]] * 3
    assert [r[4] for r in data] == ["8Б"] * 3
    assert data[0][3] == order[2] and data[0][5:-1] == [1, 1, 1, 1, 1, 1, 1, 6, 2]
    assert data[2][6:-1] == ["X", 0, 0, 0, 0, "X", 0, 2]
    # journal marks from the class list (eng8 column: 3, empty, 2 in 8Б), whoever got which code
    assert sorted([r[-1] for r in data], key=str) == [2, 3, None]

    forms.export_csv(tmp_path / "out.csv", eng8, settings.get_info(store), rows)
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert table[0][3:7] == ["Код участника", "Класс", "Вариант", "1 (5б)"]
    assert table[1][3] == order[2] and table[1][-3:-1] == ["6", "2"]
    # the exported form imports again unchanged (the CSV twin too)
    assert forms.import_form(store, eng8, out).stored == 3
    assert forms.import_form(store, eng8, tmp_path / "out.csv").stored == 3


def _issues(store, subject, path):
    with pytest.raises(ResultsValidationError) as e:
        forms.import_form(store, subject, path)
    return [i.text for i in e.value.issues], e.value


def test_each_bad_cell_is_named(store, eng8, school, tmp_path):
    t = _template(store, eng8, tmp_path / "t.xlsx")
    ws, wb = _fill(t, tmp_path / "f.xlsx", [
        (3, [5, 2, 5, 6, 6, 6]),          # row 9: variant out of range
        (1, [6, 2, 5, 6, 6, 6]),          # row 10: above max
        (1, ["два", 2, 5, 6, 6, 1.5]),    # row 11: not a number (twice)
        (1, [5, None, 5, 6, -1, 6]),      # row 12: blank, negative
        ("", [0, 0, 0, 0, 0, 0]),         # row 13: no variant
    ])
    ws["D10"] = ws["D9"].value            # duplicate code
    ws["D11"] = "99999" if codes.code_status(store, "99999") is None else "99998"
    ws["D12"] = "1234"
    wb.save(tmp_path / "f.xlsx")
    texts, err = _issues(store, eng8, tmp_path / "f.xlsx")
    unknown = ws["D11"].value
    assert texts == [
        "Ячейка F9: вариант 3 не входит в допустимые для предмета: 1, 2.",
        f"Ячейка D10: код {ws['D9'].value} повторяется (уже в строке 9).",
        "Ячейка G10: балл 6 больше максимума 5 за задание 1.",
        f"Ячейка D11: код {unknown} не выдавался в этой школе.",
        "Ячейка G11: «два» - не число; за задание 1 допустимо 0-5, X или -.",
        "Ячейка L11: «1.5» - не число; за задание 6 допустимо 0-6, X или -.",
        "Ячейка D12: «1234» - код участника должен состоять из 5 цифр.",
        "Ячейка H12: пусто: поставьте балл за задание 2 (0-2) или X, если не выполнялось.",
        "Ячейка K12: балл -1 отрицательный; за задание 5 допустимо 0-6.",
        "Ячейка F13: не указан номер варианта.",
    ]
    assert err.user_text.startswith("Результаты не приняты, ошибок: 10.\nЯчейка F9: вариант 3")
    assert err.user_text.endswith("Исправьте указанные ячейки и загрузите файл ещё раз.")
    assert results.list_results(store, eng8) == []  # all or nothing


def test_code_of_another_class_is_caught(store, eng8, school, tmp_path):
    t = _template(store, eng8, tmp_path / "t.xlsx", "8А")
    ws, wb = _fill(t, tmp_path / "f.xlsx", [(1, [0] * 6)])
    ws["D9"] = school[2].code  # a typo that hits a code of 8Б, while the row says 8А
    wb.save(tmp_path / "f.xlsx")
    texts, _ = _issues(store, eng8, tmp_path / "f.xlsx")
    assert texts == [f"Ячейка D9: код {school[2].code} выдан участнику класса 8Б, а в строке указан класс 8А - "
                     "проверьте, не опечатка ли в коде."]


def test_partly_filled_form_reports_unfilled_rows(store, eng8, school, tmp_path):
    t = _template(store, eng8, tmp_path / "t.xlsx")
    _fill(t, tmp_path / "f.xlsx", [(1, [0] * 6), (2, [1] * 6)])
    rep = forms.import_form(store, eng8, tmp_path / "f.xlsx")
    assert (rep.stored, rep.unfilled_rows) == (2, 3)


def test_revoked_code_in_form(store, eng8, school, tmp_path):
    t = _template(store, eng8, tmp_path / "t.xlsx")
    _fill(t, tmp_path / "f.xlsx", [(1, [0] * 6)])
    codes.revoke(store, school[0].code, "выдан дважды")
    texts, _ = _issues(store, eng8, tmp_path / "f.xlsx")
    assert texts == [f"Ячейка D9: код {school[0].code} отозван; используйте код, выданный участнику взамен."]


def test_missing_task_column_and_wrong_header(store, eng8, school, tmp_path):
    t = _template(store, eng8, tmp_path / "t.xlsx")
    ws, wb = _fill(t, tmp_path / "f.xlsx", [(1, [0] * 6)])
    ws["L8"] = "Примечание"
    ws["G8"] = "1 (3б)"
    wb.save(tmp_path / "f.xlsx")
    texts, err = _issues(store, eng8, tmp_path / "f.xlsx")
    assert texts == ["Ячейка G8: в заголовке максимум 3б, а в критериях за задание 1 - 5б.",
                     "Строка 8: нет столбца задания 1 (5б).",
                     "Строка 8: нет столбца задания 6 (6б)."]
    assert err.remedy_ru == ("Выгрузите форму для этого предмета заново (vpr-node results template) "
                             "и перенесите в неё баллы.")


def test_form_of_another_subject_is_one_clear_line(store, eng8, demo, school, tmp_path):
    """Regression (issue 21): a form of the wrong subject printed 21 lines."""
    from coordinator.school.errors import WrongSubjectFormError
    from coordinator.school.subjects import get_subject
    mat8 = get_subject(store, "mat8")
    t = _template(store, mat8, tmp_path / "t.xlsx")
    _fill(t, tmp_path / "f.xlsx", [(1, [1] * len(mat8.tasks))])
    with pytest.raises(WrongSubjectFormError) as e:
        forms.import_form(store, eng8, tmp_path / "f.xlsx")
    assert e.value.user_text == (
        "Это форма по предмету «ВПР 2026 Математика 8 класс», а выбран предмет «ВПР 2026 Английский язык 8 класс». "
        "Загрузите этот файл по его предмету: vpr-node results import ФАЙЛ --subject mat8; для предмета "
        "«ВПР 2026 Английский язык 8 класс» выберите его форму.")
    assert "\n" not in e.value.user_text


def test_empty_template_uploaded_by_mistake(store, eng8, school, tmp_path):
    t = _template(store, eng8, tmp_path / "t.xlsx")
    with pytest.raises(EmptyTemplateError) as e:
        forms.import_form(store, eng8, t)
    assert e.value.user_text == (
        "В файле нет ни одной строки с результатами - похоже, выбран пустой шаблон формы вместо заполненного. "
        "Откройте заполненный файл формы (с кодами, вариантами и баллами) и загрузите его.")


def test_not_a_form(store, eng8, school, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a;b\n1;2\n", encoding="utf-8")
    texts, _ = _issues(store, eng8, p)
    assert texts == ["не найдена строка заголовков со столбцом «Код участника» - это не форма сбора результатов."]


def test_api_style_entry_and_absentees(store, eng8, school):
    code = school[0].code
    with pytest.raises(ResultsValidationError) as e:
        results.validate_api_entry(store, eng8, {"code": code, "variant": "1",
                                                 "points": {"1": 2, "2": 9, "3": 1, "4": 1, "5": 1, "15": 1}})
    assert [i.text for i in e.value.issues] == [
        "points.2: балл 9 больше максимума 2 за задание 2.",
        "points.6: нет балла за задание 6.",
        "points.15: задания 15 нет в критериях предмета «eng8».",
    ]
    entry = results.validate_api_entry(store, eng8, {"code": code, "variant": 2,
                                                     "points": {"1": 2, "2": "X", "3": 1, "4": 1, "5": 1, "6": "-"}})
    results.save_entries(store, eng8, [entry], results.Source.API)
    schedule.set_item(store, "eng8", "2026-04-15", None, ["2026-04-22"])
    results.mark_absent(store, eng8, school[1].code, "болезнь", "2026-04-22", now_utc=NOW_BEFORE)
    rows = {r.code: r for r in results.list_results(store, eng8)}
    assert rows[code].primary == 5 and rows[code].mark == 2
    assert rows[school[1].code].status is results.ResultStatus.ABSENT
    assert rows[school[1].code].reserve_date == "2026-04-22" and rows[school[1].code].primary is None
    with pytest.raises(ResultsValidationError) as e:
        results.mark_absent(store, eng8, "55", " ", "22.04.2026")
    assert [i.text for i in e.value.issues] == [
        "code: «55» - код участника должен состоять из 5 цифр.",
        "reason: укажите причину отсутствия (например: болезнь).",
    ]
