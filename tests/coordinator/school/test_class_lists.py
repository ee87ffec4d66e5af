"""Class lists from real electronic journals (issue 21, HIGH): header below title rows,
the name in one or three columns, the class in a column, a sheet name or a title,
unknown columns ignored and named once, journal marks only from subject columns,
xlsx / xls saved as xlsx / CSV in UTF-8 with BOM and Windows-1251."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordinator.school import class_lists, protocol, results, roster, subjects
from tests.coordinator.school import journal_exports as je
from tests.coordinator.school.conftest import journal_by_name

FIXTURES = Path(__file__).parent / "fixtures"


def _names(store, key):
    return sorted(protocol.read_names(store, key).values())


def test_unknown_columns_are_not_journal_marks(store, key, tmp_path):
    """Regression (issue 21, HIGH): every unknown column (№ п/п, Дата рождения ...) was
    read as a journal mark, so real exports were refused."""
    rep = roster.import_class_list(store, je.dnevnik_three_sheets(tmp_path / "d.xlsx"), key)
    assert rep.counts == {"8А": 5, "8Б": 6, "8В": 4}
    assert rep.ignored_columns == ("№ п/п", "Дата рождения", "Пол")
    assert rep.mark_columns == ("Отметка по английскому языку",)
    assert _names(store, key) == sorted(" ".join(n.split()) for n in je.ALL_NAMES)
    assert journal_by_name(store, key)[je.CLASS_8A[0]] == {"английский язык": 4}


def test_committed_dnevnik_file_is_what_the_builder_makes(store, key, tmp_path, demo):
    rep = roster.import_class_list(store, FIXTURES / "dnevnik_8abv.xlsx", key)
    assert rep.counts == {"8А": 5, "8Б": 6, "8В": 4}
    # the ё/е namesake in another class is said, not refused
    assert rep.warnings == ("Лист «8Б», строка 6 (8Б): те же ФИО, что на листе «8А» в строке 3 (8А) - проверьте, "
                            "не один ли это ученик.",)
    eng8 = subjects.get_subject(store, "eng8")
    assert results.journal_mark(journal_by_name(store, key)[je.CLASS_8A[0]], eng8) == 4
    built = class_lists.parse(je.dnevnik_three_sheets(tmp_path / "again.xlsx"))
    committed = class_lists.parse(FIXTURES / "dnevnik_8abv.xlsx")
    assert [(p.class_name, p.name, p.marks) for p in built.pupils] == \
           [(p.class_name, p.name, p.marks) for p in committed.pupils]


def test_elzhur_three_name_columns_class_column_repeated_header_and_total(store, key, tmp_path):
    rep = roster.import_class_list(store, je.elzhur_one_sheet(tmp_path / "e.xlsx"), key)
    assert rep.counts == {"8А": 5, "8Б": 6, "8В": 4}
    assert rep.ignored_columns == ("№", "Дата рождения", "Пол", "СНИЛС") and rep.mark_columns == ()
    assert _names(store, key) == sorted(" ".join(n.split()) for n in je.ALL_NAMES)


def test_setevoy_gorod_marks_report_class_from_title(store, key, tmp_path):
    rep = roster.import_class_list(store, je.setevoy_gorod_marks(tmp_path / "s.xlsx"), key)
    assert rep.counts == {"8А": 5}
    assert rep.mark_columns == ("Русский язык", "Математика", "Иностранный язык (английский)")
    assert rep.ignored_columns == ("№", "Физическая культура", "Средний балл")
    marks = journal_by_name(store, key)
    assert marks[je.CLASS_8A[0]] == {"русский язык": 4, "математика": 4, "английский язык": 3}
    assert marks[je.CLASS_8A[1]] == {"русский язык": 4, "математика": 5}  # «н/а» is no mark, not an error


def test_xls_saved_as_xlsx(store, key, tmp_path):
    rep = roster.import_class_list(store, je.converted_from_xls(tmp_path / "c.xlsx"), key)
    assert rep.counts == {"8В": 4}
    assert _names(store, key) == sorted(je.CLASS_8V)  # doubled spaces gone


def test_csv_windows_1251_with_class_in_title(store, key, tmp_path):
    rep = roster.import_class_list(store, je.csv_cp1251(tmp_path / "b.csv"), key)
    assert rep.counts == {"8Б": 6}
    assert rep.ignored_columns == ("№", "Дата рождения")


def test_csv_utf8_with_bom(store, key, tmp_path):
    rep = roster.import_class_list(store, je.csv_utf8_bom(tmp_path / "a.csv"), key)
    assert rep.counts == {"8А": 5} and rep.ignored_columns == ("Пол",)


def test_namesake_of_an_already_loaded_class_is_said(store, key, tmp_path):
    roster.import_class_list(store, je.csv_utf8_bom(tmp_path / "a.csv"), key)
    rep = roster.import_class_list(store, je.csv_cp1251(tmp_path / "b.csv"), key)
    assert rep.warnings == ("Строка 6 (8Б): те же ФИО, что у участника уже загруженного класса 8А - проверьте, "
                            "не один ли это ученик.",)


def test_duplicates_in_one_class_can_be_allowed(store, key, tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("Класс;ФИО\n8А;Ёжикова Вера\n8А;ЕЖИКОВА  ВЕРА\n", encoding="utf-8")
    with pytest.raises(Exception) as e:
        roster.import_class_list(store, p, key)
    assert e.value.remedy_ru.endswith("добавьте к команде --allow-duplicates.")
    assert "Ёжикова" not in e.value.user_text and "ЕЖИКОВА" not in e.value.user_text
    assert roster.import_class_list(store, p, key, allow_duplicates=True).counts == {"8А": 2}


def test_errors_name_sheet_and_cell_never_the_name(store, key, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.title = "8А"
    wb.active.append(["ФИО", "Английский язык"])
    wb.active.append(["Ёлкина Анна", 7])
    wb.create_sheet("Сведения").append(["Сформировано в системе"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(Exception) as e:
        roster.import_class_list(store, tmp_path / "x.xlsx", key)
    assert e.value.message_ru == ("Список класса не принят:\nЛист «8А», ячейка B2: отметка по журналу должна быть "
                                  "2, 3, 4 или 5.")


@pytest.mark.parametrize("header, key", [
    ("Английский язык", "английский язык"), ("Отметка по английскому языку", "английский язык"),
    ("Иностранный язык (немецкий)", "немецкий язык"), ("Итоговая оценка по математике", "математика"),
    ("eng8", "eng8"), ("Математика, 1 четверть", "математика"), ("Русский", "русский язык"),
    ("Пол", None), ("Дата рождения", None), ("№ п/п", None), ("Средний балл", None), ("Отметка по журналу", None),
    ("Литературное чтение", None), ("Классный руководитель", None),
])
def test_subject_columns(header, key):
    assert class_lists.subject_key(header) == key


@pytest.mark.parametrize("text, cls", [
    ("8А", "8А"), ("8 а", "8А"), ("8-А", "8А"), ("8 «Б» класс", "8Б"), ("Класс: 8В", "8В"),
    ("Список обучающихся 8 «Б» класса", "8Б"), ("Список учеников 10А класса", "10А"),
    ("Учебный год: 2025/2026", None), ("Лист1", None), ("Итоговые отметки", None),
])
def test_class_in_text(text, cls):
    assert class_lists.class_in_text(text) == cls
