"""Property tests of the two importers a school feeds with its own files (issue 20): the
class-list reader (``class_lists.parse``) and the results form (``forms.parse_form`` and
``forms.import_form``). Random cells (realistic tokens, any Unicode, control characters,
numbers, NaN, booleans), random rows, written as CSV in random encodings and separators,
as xlsx (openpyxl's or hand-made XML), or as random bytes: the outcome is a clean result
or a typed error with a Russian message - never another exception. Examples are
bounded so each test takes a few seconds."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordinator.school import class_lists, codes, forms, results, roster, subjects, vault
from coordinator.school.store import SchoolStore
from tests.coordinator.school import hostile_files as hf
from tests.coordinator.school.conftest import CLASS_LIST_CSV, PASSPHRASE
from vpr_common.errors import VprError

SETTINGS = settings(max_examples=int(__import__("os").environ.get("VPR_PROP_EXAMPLES", "50")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
CYRILLIC = re.compile("[а-яё]", re.I)
TOKENS = ["ФИО", "ФИО ученика", "Фамилия", "Имя", "Отчество", "Класс", "Ученик", "8А", "8 Б", "8-в", "11А", "8 «Г»",
          "Класс: 8А", "Список 8 «Б» класса", "Иванов Иван", "Петрова Анна Сергеевна", "Ёжикова  Юлия", "5", "4", "2",
          "н/а", "осв", "Английский язык", "Отметка по математике", "eng8", "№ п/п", "Средний балл", "Всего: 25",
          "Классный руководитель", "Код участника", "Вариант", "1 (2б)", "2 (5б)", "3 (5б)", "4 (6б)", "5 (6б)",
          "6 (6б)", "отсутствовал", "X", "Х", "-", "=1+1", "ВПР 2026 Английский язык 8 класс",
          "ВПР 2026 Математика 8 класс", "12 345", "", " ", "\x00", "\u202e"]
CELL = st.one_of(st.none(), st.sampled_from(TOKENS), st.text(max_size=16), st.integers(-5, 10**6),
                 st.floats(allow_nan=True, allow_infinity=True), st.booleans())
ROWS = st.lists(st.lists(CELL, max_size=8), max_size=12)
ENCODINGS = ["utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(v) -> str:
    return "" if v is None else str(v)


def _write(path_base: Path, rows: list[list], how: str, encoding: str, delim: str, junk: bytes) -> Path:
    """The rows as a file a school could hand over."""
    if how == "csv":
        p = path_base.with_suffix(".csv")
        text = "".join(delim.join(_text(c).replace(delim, " ") for c in r) + "\r\n" for r in rows)
        p.write_bytes(text.encode(encoding, errors="replace"))
    elif how == "xlsx":
        from openpyxl import Workbook

        p = path_base.with_suffix(".xlsx")
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("8А")
        for r in rows:
            ws.append([_ILLEGAL_XML.sub("", c) if isinstance(c, str) else c for c in r])
        wb.save(p)
    elif how == "xml":  # hand-made sheet XML, control characters and all
        p = path_base.with_suffix(".xlsx")
        body = "".join("<row>" + "".join(f'<c t="inlineStr"><is><t>{escape(_text(c))}</t></is></c>' for c in r)
                       + "</row>" for r in rows)
        hf.xlsx_with_sheet(p, hf.SHEET_HEAD + body + hf.SHEET_TAIL)
    else:
        p = path_base.with_suffix(".xlsx" if how == "junk-xlsx" else ".csv")
        p.write_bytes(junk)
    return p


FILES = st.tuples(ROWS, st.sampled_from(["csv", "csv", "xlsx", "xml", "junk-csv", "junk-xlsx"]),
                  st.sampled_from(ENCODINGS), st.sampled_from([";", ",", "\t"]), st.binary(max_size=600))


def _typed(exc: BaseException) -> None:
    assert isinstance(exc, VprError), f"{type(exc).__name__}: {exc}"
    assert CYRILLIC.search(exc.message_ru), exc.message_ru


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory(prefix="vpr-prop-") as d:
        yield Path(d)


@SETTINGS
@given(case=FILES)
def test_class_list_reader_gives_a_result_or_a_typed_error(folder, case):
    rows, how, encoding, delim, junk = case
    path = _write(folder / "list", rows, how, encoding, delim, junk)
    try:
        parsed = class_lists.parse(path, {"английский язык": "английский язык"})
    except Exception as exc:  # noqa: BLE001 - the property: nothing but typed errors
        _typed(exc)
        return
    for p in parsed.pupils:
        assert p.name and class_lists.normalize_class(p.class_name) == p.class_name
        assert all(m in (2, 3, 4, 5) for m in p.marks.values())
    for issue in parsed.issues:
        assert CYRILLIC.search(issue.message_ru)


@pytest.fixture(scope="module")
def school_store(tmp_path_factory):
    data = tmp_path_factory.mktemp("prop") / "node"
    s = SchoolStore(data)
    key = vault.init_vault(s, PASSPHRASE, n=2**12)
    subjects.save_subjects(s, subjects.read_subjects_file(subjects.demo_subjects_path()))
    lst = data.parent / "list.csv"
    lst.write_text(CLASS_LIST_CSV, encoding="utf-8")
    roster.import_class_list(s, lst, key)
    codes.generate(s)
    yield s
    s.close()


def _form_rows(draw, active: list[str]) -> list[list]:
    header = draw(st.lists(st.sampled_from(["Код участника", "Класс", "Вариант", "1 (2б)", "2 (5б)", "3 (5б)",
                                            "4 (6б)", "5 (6б)", "6 (6б)", "9 (1б)", "Первичный балл"]) | CELL,
                           min_size=0, max_size=10))
    code = st.sampled_from(active) | st.sampled_from(["12 345", "1234", "00000"]) | CELL
    value = st.integers(-2, 8) | st.sampled_from(["X", "Х", "-", "отсутствовал", "н"]) | CELL
    body = draw(st.lists(st.tuples(code, st.lists(value, max_size=9)).map(lambda t: [t[0], *t[1]]), max_size=8))
    title = draw(st.sampled_from(["ВПР 2026 Английский язык 8 класс", "ВПР 2026 Математика 8 класс", ""]) | CELL)
    return [[title], *draw(st.lists(st.lists(CELL, max_size=3), max_size=2)), header, *body]


@SETTINGS
@given(data=st.data())
def test_results_form_parse_gives_a_result_or_a_typed_error(school_store, data):
    eng8 = subjects.get_subject(school_store, "eng8")
    active = [c.code for c in codes.active_codes(school_store)]
    rows = _form_rows(data.draw, active)
    try:
        parsed = forms.parse_form(rows, eng8, results.code_states(school_store),
                                  {c.code: c.class_name for c in codes.active_codes(school_store)})
    except Exception as exc:  # noqa: BLE001
        _typed(exc)
        return
    for e in parsed.entries:
        assert e.code in active and e.variant in eng8.variants and len(e.points) == len(eng8.tasks)
        assert all(p is None or 0 <= p <= t.max_points for p, t in zip(e.points, eng8.tasks))


@SETTINGS
@given(data=st.data(), fmt=st.tuples(st.sampled_from(["csv", "csv", "xlsx", "xml", "junk-csv", "junk-xlsx"]),
                                     st.sampled_from(ENCODINGS), st.sampled_from([";", ",", "\t"]),
                                     st.binary(max_size=600)))
def test_results_import_from_files_gives_a_result_or_a_typed_error(school_store, tmp_path_factory, data, fmt):
    eng8 = subjects.get_subject(school_store, "eng8")
    active = [c.code for c in codes.active_codes(school_store)]
    how, encoding, delim, junk = fmt
    path = _write(tmp_path_factory.mktemp("form") / "form", _form_rows(data.draw, active), how, encoding, delim, junk)
    try:
        rep = forms.import_form(school_store, eng8, path, confirmed=data.draw(st.booleans()))
    except Exception as exc:  # noqa: BLE001
        _typed(exc)
        return
    assert rep.stored >= 0 and rep.unfilled_rows >= 0
