"""Participant codes: 5 digits, unique per school, one per participant, never reused."""

from __future__ import annotations

import pytest

from coordinator.school import codes, results, roster, subjects
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
    # Make the random source offer the revoked code first: it must be skipped.
    offers = iter([int(first) - codes.CODE_MIN, 12345 - codes.CODE_MIN])
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: next(offers))
    out = codes.revoke(store, first, "листок потерян")
    assert codes.code_status(store, first) is codes.CodeStatus.REVOKED
    assert out == codes.Revoked(first, "12345", "8А", ())
    now = {c.code for c in codes.active_codes(store)}
    assert first not in now and "12345" in now
    assert codes.issued_count(store) == {"active": 2, "revoked": 1}
    assert codes.generate(store) == 0


def test_revoke_after_results_moves_them_to_the_new_code(store, eng8, school):
    """Regression (issue 21, HIGH): revoking a code after results were entered left an
    orphan result row and, after ``generate``, a participant with two codes."""
    old = school[0].code
    results.save_entries(store, eng8, [results.Entry(old, 2, (2, 5, 5, 6, 6, 1))], results.Source.CLI)
    results.mark_absent(store, demo_subject(store, "rus8"), old, "болезнь", None)
    out = codes.revoke(store, old, "листок выдан дважды")
    assert out.new_code and out.new_code != old and out.class_name == "8А"
    assert out.moved_subjects == ("eng8", "rus8")
    rows = {r.code: r for r in results.list_results(store, eng8)}
    assert old not in rows and rows[out.new_code].primary == 25
    assert store.conn.execute("SELECT COUNT(*) FROM results WHERE code=?", (old,)).fetchone()[0] == 0
    pid = school[0].participant_id
    assert [r[0] for r in store.conn.execute("SELECT code FROM participants WHERE id=?", (pid,))] == [out.new_code]
    assert codes.generate(store) == 0  # no second code
    assert len(codes.active_codes(store)) == len(school)


def test_revoke_without_replacement_carries_results_at_generate(store, eng8, school):
    old = school[1].code
    results.save_entries(store, eng8, [results.Entry(old, 1, (0, 0, 0, 0, 0, 0))], results.Source.CLI)
    out = codes.revoke(store, old, "потерян", replace=False)
    assert out.new_code is None
    assert [r.code for r in results.list_results(store, eng8)] == []  # waits for the new code
    assert codes.generate(store) == 1
    new = {c.participant_id: c.code for c in codes.active_codes(store)}[school[1].participant_id]
    assert [r.code for r in results.list_results(store, eng8)] == [new]
    assert codes.generate(store) == 0


def test_codes_typed_with_spaces(store, eng8, school):
    code = school[2].code
    spaced = f"{code[:2]} {code[2:]}"
    assert codes.clean_code(spaced) == code and codes.clean_code(12345.0) == "12345"
    entry = results.validate_api_entry(store, eng8, {"code": f" {spaced}\u00a0", "variant": "1",
                                                     "points": {str(i): 0 for i in range(1, 7)}})
    assert entry.code == code
    assert codes.revoke(store, spaced, "потерян").code == code


def demo_subject(store, subject_id):
    return subjects.get_subject(store, subject_id)


def test_revoke_errors(store):
    roster.add_counts(store, {"8А": 1})
    codes.generate(store)
    code = codes.active_codes(store)[0].code
    with pytest.raises(CodesError) as e:
        codes.revoke(store, "00000", "x")
    assert e.value.message_ru == "Код 00000 не выдавался в этой школе."
    with pytest.raises(CodesError) as e:
        codes.revoke(store, code, " ")
    assert e.value.message_ru == "Укажите причину отзыва кода (например: листок потерян)."
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
