"""Text in and out: one form (NFC, single spaces), control and invisible characters
found and named, values quoted safely in messages, spreadsheet cells never formulas."""

from __future__ import annotations

import unicodedata

import pytest

from vpr_common.text import BadTextError, bad_char, checked_text, clean_text, safe_row, shown, text_problem


def test_clean_text_one_form():
    assert clean_text(None) == "" and clean_text(12.0) == "12" and clean_text(2.5) == "2.5"
    assert clean_text(" Иванов\u00a0\tИван \n Иванович ") == "Иванов Иван Иванович"
    assert clean_text(unicodedata.normalize("NFD", "Йошкар-Ола ёлка")) == "Йошкар-Ола ёлка"


def test_bad_char_and_its_name():
    assert bad_char("Иванов Иван") is None and bad_char("O'Neil-Смит ёж") is None
    assert bad_char("Ива\x00нов") == (3, "\x00")
    assert bad_char("a\u200bb") == (1, "\u200b") and bad_char("\ue000") == (0, "\ue000")
    assert text_problem("Ив\x1bан", 50) == "недопустимый символ U+001B (ESC) в позиции 3"
    assert text_problem("я" * 11, 10) == "слишком длинное значение (11 символов, допустимо не больше 10)"


def test_checked_text_raises_the_given_error():
    class MyError(BadTextError):
        pass

    assert checked_text("  Кабинет   12 ", "Аудитория") == "Кабинет 12"
    with pytest.raises(MyError) as e:
        checked_text("Каб\x00инет", "Аудитория", error=MyError)
    assert e.value.message_ru == "Аудитория: недопустимый символ U+0000 (NUL) в позиции 4."
    assert e.value.remedy_ru.startswith("Наберите значение заново")


def test_shown_escapes_and_shortens():
    assert shown("a\x00b\u202e") == "a\\x00b\\u202e"
    assert shown("я" * 50, 10) == "я" * 10 + "…"


def test_safe_row():
    assert safe_row(["=1+1", "-", "Иванов", 3, None, "@x", "＝1"]) == ["'=1+1", "'-", "Иванов", 3, None, "'@x", "'＝1"]
