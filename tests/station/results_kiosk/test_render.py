"""What the results screen says, from answers shaped by the node's own view
(:mod:`coordinator.kiosk.view`): marks, scores, tasks not done, spoken criteria with
their meaning, an absent participant, nothing released yet."""

from __future__ import annotations

from coordinator.kiosk.view import CriterionLine, SubjectResult, TaskLine, as_json
from station.results_kiosk.render import result_lines


def _answer() -> list[dict]:
    eng = SubjectResult("eng8", "Английский язык", False, (
        TaskLine("1", "Понимание речи на слух", 4, 5),
        TaskLine("2", "Чтение текста вслух", 2, 2, (
            CriterionLine("k1", "Фонетическая сторона речи", 1, 2, "Допущено 4-5 фонетических ошибок"),
            CriterionLine("k2", "Интонация", 1, 1, ""))),
        TaskLine("3", "Описание фотографии", None, 5)), 6, 12, 3)
    math = SubjectResult("mat8", "Математика", True, (), None, 19, None)
    return as_json([eng, math])


def test_lines_of_a_spoken_and_an_absent_subject():
    lines = [(line.kind, line.text, line.points) for line in result_lines(_answer())]
    assert lines == [
        ("subject", "Английский язык", ""),
        ("summary", "Первичный балл: 6 из 12", "Отметка: 3"),
        ("task", "1. Понимание речи на слух", "4 из 5"),
        ("task", "2. Чтение текста вслух", "2 из 2"),
        ("criterion", "Фонетическая сторона речи - Допущено 4-5 фонетических ошибок", "1 из 2"),
        ("criterion", "Интонация", "1 из 1"),
        ("task", "3. Описание фотографии", "не выполнено (из 5)"),
        ("subject", "Математика", ""),
        ("note", "Участник не писал эту работу (отсутствовал).", ""),
    ]


def test_nothing_released_says_so():
    [line] = result_lines([])
    assert line.kind == "note" and "не опубликованы" in line.text
