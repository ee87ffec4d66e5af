"""Participant codes: 5 digits, unique per school, one per participant, never reused."""

from __future__ import annotations

import pytest

from coordinator.school import codes, roster
from coordinator.school.errors import CodesError, UnknownClassError


def test_unique_five_digit_codes_for_everyone(store):
    roster.add_counts(store, {"5А": 150, "6Б": 150})
    assert codes.generate(store) == 300
    items = codes.active_codes(store)
    assert len({c.code for c in items}) == 300
    assert all(len(c.code) == 5 and c.code.isdigit() and c.code[0] != "0" for c in items)
    assert codes.generate(store) == 0  # one code per participant, for all subjects
    assert [c.class_name for c in items[:150]] == ["5А"] * 150


def test_revoked_code_is_never_reissued(store, monkeypatch):
    roster.add_counts(store, {"8А": 2})
    codes.generate(store)
    first = codes.active_codes(store)[0].code
    codes.revoke(store, first, "листок потерян")
    assert codes.code_status(store, first) is codes.CodeStatus.REVOKED
    # Make the random source offer the revoked code first: it must be skipped.
    offers = iter([int(first) - codes.CODE_MIN, 12345 - codes.CODE_MIN])
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: next(offers))
    assert codes.generate(store) == 1
    now = {c.code for c in codes.active_codes(store)}
    assert first not in now and "12345" in now
    assert codes.issued_count(store) == {"active": 2, "revoked": 1}


def test_revoke_errors(store):
    roster.add_counts(store, {"8А": 1})
    codes.generate(store)
    code = codes.active_codes(store)[0].code
    with pytest.raises(CodesError) as e:
        codes.revoke(store, "00000", "x")
    assert e.value.message_ru == "Код 00000 не выдавался в этой школе."
    codes.revoke(store, code, "x")
    with pytest.raises(CodesError) as e:
        codes.revoke(store, code, "x")
    assert e.value.message_ru == f"Код {code} уже отозван."


def test_code_space_exhaustion(store, monkeypatch):
    monkeypatch.setattr(codes, "CODE_MAX", codes.CODE_MIN + 2)
    roster.add_counts(store, {"8А": 4})
    with pytest.raises(CodesError) as e:
        codes.generate(store)
    assert e.value.message_ru == "Не хватает свободных пятизначных кодов: нужно 4, осталось 3."
    assert codes.active_codes(store) == []  # all or nothing


def test_unknown_class(store):
    with pytest.raises(UnknownClassError) as e:
        codes.active_codes(store, "9Я")
    assert e.value.user_text == "Класс «9Я» не найден. Список классов: vpr-node classes list."
