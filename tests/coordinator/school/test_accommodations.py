"""Accommodations per participant code in the school store (their own table, created
when first needed, so a school.sqlite from before keeps working), their parsing and
limits, and ``vpr-node codes accommodate`` / ``codes accommodations`` with Russian
messages and ``--json``."""

from __future__ import annotations

import json
import sqlite3

import pytest

from coordinator.school import codes
from coordinator.school.accommodations import (
    all_accommodations,
    clear_accommodation,
    parse_extra_time,
    set_accommodation,
)
from coordinator.school.errors import CodesError
from coordinator.school.store import SchoolStore
from sync.protocol import Accommodation
from tests.coordinator.school.test_cli import run


@pytest.mark.parametrize("text, parsed", [("1.5", (1.5, 0)), ("1,25", (1.25, 0)), (" 2 ", (2.0, 0)),
                                          ("+15", (1.0, 15)), ("+120", (1.0, 120))])
def test_extra_time_forms(text, parsed):
    assert parse_extra_time(text) == parsed


@pytest.mark.parametrize("text", ["1", "0.5", "3.5", "+0", "+121", "15", "-5", "полтора", "+1.5", "", "nan"])
def test_extra_time_refused_with_the_forms(text):
    with pytest.raises(CodesError) as exc:
        parse_extra_time(text)
    assert "множитель от 1 до 3" in exc.value.message_ru and "+15" in exc.value.message_ru


def test_set_replace_clear_and_revoked_codes(store, school):
    a, b = school[0].code, school[1].code
    assert set_accommodation(store, a, extra_time="1.5") == Accommodation(1.5, 0, False)
    set_accommodation(store, b, extra_time="+15", large_print=True)
    set_accommodation(store, a, large_print=True)  # replaces: the extra time is gone
    assert all_accommodations(store) == {a: Accommodation(1.0, 0, True), b: Accommodation(1.0, 15, True)}
    codes.revoke(store, b, "карточка потеряна")
    assert set(all_accommodations(store)) == {a}  # a revoked code is never handed out
    with pytest.raises(CodesError) as exc:
        set_accommodation(store, b, large_print=True)
    assert "отозван" in exc.value.message_ru
    for bad, words in [("1234", "пять цифр"), ("abcde", "пять цифр")]:
        with pytest.raises(CodesError) as exc:
            set_accommodation(store, bad, large_print=True)
        assert words in exc.value.message_ru
    with pytest.raises(CodesError) as exc:
        set_accommodation(store, a)
    assert "--extra-time" in exc.value.message_ru
    assert clear_accommodation(store, a) and not clear_accommodation(store, a)
    assert all_accommodations(store) == {}


def test_a_school_file_of_version_3_is_upgraded_with_the_table(data_dir):
    SchoolStore(data_dir).close()
    with sqlite3.connect(data_dir / "school.sqlite") as db:  # as the release before issue 18 left it
        db.execute("DROP TABLE accommodations")
        db.execute("UPDATE meta SET value='3' WHERE key='schema_version'")
    with SchoolStore(data_dir) as s:
        assert s.upgraded_from == 3 and s._schema_version() == 4
        assert all_accommodations(s) == {}
        set_accommodation(s, "12345", extra_time="+10")
    with SchoolStore(data_dir) as s:
        assert all_accommodations(s) == {"12345": Accommodation(1.0, 10, False)}


def test_the_commands(tmp_path):
    p = run(["codes", "accommodate", "54321", "--extra-time", "1,5", "--large-print"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Код 54321: время x1.5, крупный шрифт. Станции получат это вместе со списком кодов.")
    assert "не выдавался командой «vpr-node codes generate»" in p.stdout  # a code imported on the node is fine
    p = run(["codes", "accommodate", "11111", "--extra-time", "+20", "--json"], tmp_path)
    assert json.loads(p.stdout) == {"ok": True, "code": "11111", "extra_factor": 1.0, "extra_minutes": 20,
                                    "large_print": False}
    p = run(["codes", "accommodations"], tmp_path)
    assert p.stdout.splitlines() == ["11111  время +20 мин на всю работу", "54321  время x1.5, крупный шрифт"]
    p = run(["codes", "accommodate", "54321", "--extra-time", "два"], tmp_path)
    assert p.returncode == 1 and p.stderr.startswith("Ошибка: Дополнительное время «два» не понято.")
    assert "Traceback" not in p.stderr
    p = run(["codes", "accommodate", "54321", "--clear"], tmp_path)
    assert p.stdout.strip() == "Для кода 54321 особые условия сняты."
    p = run(["codes", "accommodations", "--json"], tmp_path)
    assert json.loads(p.stdout) == {"ok": True, "accommodations": {"11111": {"extra_factor": 1.0, "extra_minutes": 20,
                                                                            "large_print": False}}}
