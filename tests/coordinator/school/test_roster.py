"""Class lists (CSV / xlsx, journal marks) and counts per class; names only in the vault."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from coordinator.school import protocol, roster
from coordinator.school.errors import ClassListError, PassphraseRequiredError
from tests.coordinator.school.conftest import NAMES, journal_by_name


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_csv_import_normalizes_classes_and_encrypts_names(store, key, class_list):
    rep = roster.import_class_list(store, class_list, key)
    assert rep.counts == {"8А": 2, "8Б": 3}
    assert rep.mark_columns == ("eng8", "Математика") and rep.ignored_columns == ()
    names = sorted(protocol.read_names(store, key).values())
    assert names == sorted(NAMES)
    assert journal_by_name(store, key)[NAMES[0]] == {"eng8": 5, "математика": 4}
    infos = {c.name: c for c in roster.list_classes(store)}
    assert infos["8Б"].participants == 3 and infos["8Б"].with_names


def test_xlsx_import_and_cp1251_csv(store, key, tmp_path):
    p = _xlsx(tmp_path / "l.xlsx", [["Список 8В"], ["Класс", "ФИО"], ["8В", "Орлова Мария"], [None, None]])
    assert roster.import_class_list(store, p, key).counts == {"8В": 1}
    c = tmp_path / "w.csv"
    c.write_bytes("Класс,ФИО\n7Г,Соколов Илья\n".encode("cp1251"))
    assert roster.import_class_list(store, c, key).counts == {"7Г": 1}


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["Класс", "ФИО"], [None, "Орлова Мария"]],
         "Список класса не принят:\nЯчейка A2: не указан класс."),
        ([["Класс", "ФИО"], ["восьмой", "Орлова Мария"]],
         "Список класса не принят:\nЯчейка A2: «восьмой» не похоже на класс (пример: 8А)."),
        ([["Класс", "ФИО"], ["8А", " "]],
         "Список класса не принят:\nЯчейка B2: не указаны ФИО."),
        ([["Класс", "ФИО", "eng8"], ["8А", "Орлова Мария", 6]],
         "Список класса не принят:\nЯчейка C2: отметка по журналу должна быть 2, 3, 4 или 5."),
        ([["Класс", "ФИО"], ["8А", "Орлова Мария"], ["8А", "орлова  мария"]],
         "Список класса не принят:\nСтрока 3: те же ФИО, что в строке 2, в том же классе 8А (без учёта "
         "регистра, пробелов и ё/е)."),
        ([["Класс", "ФИО"], ["8А", "Алёшина Дарья"], ["8А", "Алешина Дарья"]],
         "Список класса не принят:\nСтрока 3: те же ФИО, что в строке 2, в том же классе 8А (без учёта "
         "регистра, пробелов и ё/е)."),
        ([["Фамилия", "Имя"], ["Орлова", "Мария"]],
         "Список класса не принят:\nСтрока 1: не найден класс: нет столбца «Класс», и класс не указан ни в "
         "названии листа, ни над таблицей."),
        ([["Класс", "Ученица"], ["8А", "Орлова"]],
         "В списке класса не найдена строка заголовков со столбцом ФИО (или «Фамилия» и «Имя»)."),
        ([["Класс", "ФИО"]], "В списке класса нет ни одного участника."),
        ([["Класс", "Фамилия", "Имя"], ["8А", "Орлова", None]], "Список класса не принят:\nЯчейка C2: не указано имя."),
        ([["Класс", "ФИО"], ["8А", "1 четверть"]],
         "Список класса не принят:\nЯчейка B2: здесь должны быть ФИО, а в ячейке есть цифры."),
    ],
)
def test_bad_class_lists(store, key, tmp_path, rows, message):
    p = _xlsx(tmp_path / "bad.xlsx", rows)
    with pytest.raises(ClassListError) as e:
        roster.import_class_list(store, p, key)
    assert e.value.message_ru == message
    assert "Орлова" not in str(e.value) and "Орлова" not in e.value.message_ru


def test_class_loaded_twice_is_refused(store, key, class_list):
    roster.import_class_list(store, class_list, key)
    with pytest.raises(ClassListError) as e:
        roster.import_class_list(store, class_list, key)
    assert e.value.message_ru == "Класс уже загружен: 8А, 8Б."


def test_names_need_the_key(store, class_list):
    with pytest.raises(PassphraseRequiredError):
        roster.import_class_list(store, class_list, None)


def test_unreadable_files(store, key, tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(Exception) as e:
        roster.import_class_list(store, bad, key)
    assert e.value.message_ru == "Файл x.xlsx повреждён или не является таблицей Excel (xlsx)."
    old = tmp_path / "x.xls"
    old.write_bytes(b"\xd0\xcf")
    with pytest.raises(Exception) as e:
        roster.import_class_list(store, old, key)
    assert e.value.user_text == ("Формат файла x.xls не поддерживается. "
                                 "Откройте его в Excel или LibreOffice и сохраните как «Книга Excel (.xlsx)» или CSV "
                                 "(старый формат .xls программа не читает).")
    with pytest.raises(Exception) as e:
        roster.import_class_list(store, tmp_path / "nope.csv", key)
    assert e.value.message_ru == f"Файл не найден: {tmp_path / 'nope.csv'}."


def test_counts(store):
    assert roster.add_counts(store, {"8 в": 3, "8В": 2}) == {"8В": 5}
    assert roster.add_counts(store, {"8В": 1}) == {"8В": 1}
    assert [(c.name, c.participants, c.with_names) for c in roster.list_classes(store)] == [("8В", 6, False)]
    with pytest.raises(ClassListError) as e:
        roster.add_counts(store, {"8В": 0})
    assert e.value.message_ru == "Численность класса 8В должна быть от 1 до 200."
    with pytest.raises(ClassListError) as e:
        roster.add_counts(store, {"класс": 3})
    assert e.value.message_ru == "«класс» не похоже на класс (пример: 8А)."
