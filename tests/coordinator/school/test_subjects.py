"""Subjects and criteria loaded from the coordinator's JSON file."""

from __future__ import annotations

import json

import pytest

from coordinator.school import subjects
from coordinator.school.errors import SubjectsFileError, UnknownSubjectError


def test_demo_subjects(store, demo):
    ids = [s.id for s in subjects.list_subjects(store)]
    assert ids == ["deu8", "eng8", "fra8", "mat8", "rus8"]
    eng = subjects.get_subject(store, "eng8")
    assert eng.title == "ВПР 2026 Английский язык 8 класс"
    assert [t.header for t in eng.tasks][:2] == ["1 (5б)", "2 (2б)"]
    assert eng.tasks[0].part.startswith("письменная") and eng.tasks[1].part.startswith("устная")
    rus = subjects.get_subject(store, "rus8")
    assert rus.task("9.1").max_points == 1 and rus.task("9.2").level is subjects.Level.ADVANCED
    assert rus.variants == (1, 2, 3, 4)
    assert [eng.mark_for(x) for x in (0, 12, 13, 20, 21, 26, 27, 30)] == [2, 2, 3, 3, 4, 4, 5, 5]


def test_template_is_valid_and_editable(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(subjects.template_text(), encoding="utf-8")
    assert [s.id for s in subjects.read_subjects_file(p)] == ["rus7"]


def _bad(tmp_path, subject_patch):
    base = {"id": "x7", "name": "Предмет", "grade": 7, "variants": 2,
            "tasks": [{"number": "1", "max": 2, "level": "Б"}, {"number": "2", "max": 3, "level": "П"}],
            "scale": {"3": 1, "4": 3, "5": 5}}
    base.update(subject_patch)
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"format": "vpr-subjects/1", "subjects": [base]}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SubjectsFileError) as e:
        subjects.read_subjects_file(p)
    return e.value.message_ru


@pytest.mark.parametrize("patch, line", [
    ({"id": "Англ"}, "subjects[0].id: код предмета - латинские строчные буквы и цифры, например eng8."),
    ({"grade": 12}, "subjects[0].grade: класс (параллель) - целое число от 1 до 11."),
    ({"variants": 0}, "subjects[0].variants: укажите число вариантов (например 2) или список номеров [1, 2]."),
    ({"tasks": [{"number": "9,1", "max": 1, "level": "Б"}]},
     "subjects[0].tasks[0].number: номер задания «9,1» должен быть как в бланке: 1, 2, 9.1."),
    ({"tasks": [{"number": "1", "max": 1, "level": "Б"}, {"number": "1", "max": 1, "level": "Б"}]},
     "subjects[0].tasks[1].number: задание 1 указано дважды."),
    ({"tasks": [{"number": "1", "max": 0, "level": "Б"}]},
     "subjects[0].tasks[0].max: максимальный балл - целое число от 1 до 100."),
    ({"tasks": [{"number": "1", "max": 2, "level": "B"}]},
     "subjects[0].tasks[0].level: уровень - «Б» (базовый) или «П» (повышенный), русскими буквами."),
    ({"scale": {"3": 3, "4": 2, "5": 5}}, "subjects[0].scale: пороги отметок должны возрастать и не превышать максимум 5."),
    ({"scale": {"3": 1, "4": 2}}, "subjects[0].scale: шкала - минимальный первичный балл для отметок «3», «4», «5»."),
])
def test_bad_subject_files(tmp_path, patch, line):
    assert _bad(tmp_path, patch) == f"Файл предметов не принят:\n{line}"


def test_bad_json_and_format(tmp_path):
    p = tmp_path / "s.json"
    p.write_text('{"format": "vpr-subjects/1",\n "subjects": [,]}', encoding="utf-8")
    with pytest.raises(SubjectsFileError) as e:
        subjects.read_subjects_file(p)
    assert e.value.message_ru == "Файл предметов не является корректным JSON: строка 2, позиция 15."
    p.write_text('{"subjects": []}', encoding="utf-8")
    with pytest.raises(SubjectsFileError) as e:
        subjects.read_subjects_file(p)
    assert e.value.message_ru == 'Файл предметов должен содержать "format": "vpr-subjects/1".'


def test_unknown_subject(store):
    with pytest.raises(UnknownSubjectError) as e:
        subjects.get_subject(store, "geo9")
    assert e.value.message_ru == "Предмет «geo9» не найден."
