"""Reading class lists as schools really have them: exports of electronic journals
(«Сетевой город», «ЭлЖур», «Дневник.ру» and the like) in xlsx (also xls saved as xlsx)
or CSV (UTF-8 with or without BOM, Windows-1251).

What it understands:

* the header row anywhere in the first 30 rows of a sheet (title rows above it);
* the name in one column (``ФИО``, ``ФИО обучающегося``, ``Ученик`` ...) or in three
  (``Фамилия`` / ``Имя`` / ``Отчество``, the patronymic may be empty);
* the class in a column, in the sheet name (one sheet per class) or in a title row
  above the table (``Класс: 8А``, ``Список 8 «Б» класса``);
* a journal mark only from a column whose header names a subject (``Английский
  язык``, ``Отметка по математике``, ``eng8``) - every other column (``№ п/п``,
  ``Дата рождения``, ``Пол``, ``СНИЛС`` ...) is ignored and named once in the report;
* footer rows (``Всего: 25``, ``Классный руководитель ...``) and repeated header rows
  are skipped; names are compared ignoring case, doubled spaces and ё/е.

Nothing here stores anything (``roster`` does) and no issue or warning text contains
a name: they name sheets, rows and cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from coordinator.school.errors import ClassListError, Issue
from coordinator.school.tables import cell_ref, is_blank, read_sheets, text_of
from vpr_common.text import shown, text_problem

HEADER_SCAN_ROWS = 30
MAX_NAME_CHARS = 150
_CLASS_RE = re.compile(r"^(\d{1,2})\s*[-\s]?\s*([А-ЯЁA-Z]{0,2})$")
_QUOTES = "«»\"'“”„"
# the class inside free text: "Класс: 8А", "8 «Б» класс", "Список обучающихся 8-В класса"
_CLASS_AFTER_WORD = re.compile(r"класс\w*\s*[:№-]?\s*(\d{1,2})\s*[-\s]?\s*[«\"'“]?([а-яё])(?![а-яё])", re.I)
_CLASS_BEFORE_WORD = re.compile(r"(?<![\d/.])(\d{1,2})\s*[-\s]?\s*[«\"'“]?([а-яё])[»\"'”]?\s*класс", re.I)

_NAME_HEADERS = {"фио", "фамилияимяотчество", "фиоученика", "фиообучающегося", "фиоучащегося", "фиоучастника",
                 "ученик", "обучающийся", "учащийся", "участник", "фиоребенка", "фамилияиимя", "фамилияимя"}
_SURNAME, _FIRST, _PATRONYMIC = {"фамилия"}, {"имя"}, {"отчество", "отчествоприналичии"}
_CLASS_HEADERS = {"класс", "классгруппа", "группакласс", "классбуква", "номеркласса"}
_NOT_DATA = re.compile(r"^(итого|всего|классный руководитель|кл\. руководитель|подпись|дата печати|"
                       r"сформировано|исполнитель)", re.I)
_MARK_WORDS = re.compile(r"\b(отметка|отметки|оценка|оценки|итоговая|итоговые|годовая|годовые|четвертная|"
                         r"полугодовая|по|за|журналу|журнал|четверть|полугодие|\d\s*четверть|[1-4]-?я|i{1,3}|iv)\b")
_NO_MARK_TEXT = {"н/а", "на", "н", "осв", "зач", "незач", "-", "—", "нет", "x", "х", "н/а.", "осв."}
_NOT_A_MARK_HEADER = re.compile(r"средн|балл|пропуск|кол-во|количество|%")

#: Canonical subject names (lower case, ё as е) and what journals write for them.
SUBJECT_ALIASES: dict[str, tuple[str, ...]] = {
    "русский язык": ("русский", "рус. яз", "русск. язык"),
    "математика": ("матем",),
    "алгебра": (),
    "геометрия": (),
    "английский язык": ("английский", "англ. яз", "англ. язык", "иностранный язык (английский)",
                        "иностранный язык английский", "ин. яз. (англ.)"),
    "немецкий язык": ("немецкий", "нем. яз", "иностранный язык (немецкий)", "иностранный язык немецкий"),
    "французский язык": ("французский", "франц. яз", "иностранный язык (французский)",
                         "иностранный язык французский"),
    "история": ("история россии. всеобщая история",),
    "обществознание": (),
    "география": (),
    "биология": (),
    "физика": (),
    "химия": (),
    "информатика": ("информатика и икт",),
    "литература": (),
}
_ALIAS = {_n: canon for canon, aliases in SUBJECT_ALIASES.items() for _n in (canon, *aliases)}
_SUBJECT_ID = re.compile(r"^[a-z]{3,4}\d{1,2}$")


@dataclass(frozen=True)
class Pupil:
    class_name: str
    name: str
    marks: dict[str, int]
    sheet: str | None  # None when the file has one sheet
    row: int           # 1-based, as the spreadsheet shows it

    @property
    def where(self) -> str:
        """``Лист «8А», строка 7`` / ``Строка 7`` - for messages, never the name."""
        return f"Лист «{shown(self.sheet)}», строка {self.row}" if self.sheet is not None else f"Строка {self.row}"

    @property
    def where_in(self) -> str:
        """``на листе «8А» в строке 7`` / ``в строке 7``."""
        return f"на листе «{shown(self.sheet)}» в строке {self.row}" if self.sheet is not None else f"в строке {self.row}"


@dataclass(frozen=True)
class ParsedClassList:
    pupils: list[Pupil]
    issues: list[Issue]                 # each refuses the list
    warnings: list[str]                 # possible duplicates: the list is still accepted
    ignored_columns: tuple[str, ...]    # headers not used, each named once
    mark_columns: tuple[str, ...]       # headers read as journal marks
    skipped_sheets: tuple[str, ...] = field(default=())


def normalize_class(raw: str) -> str | None:
    """``8 а`` / ``8-А`` / ``8а`` / ``8 «А» класс`` -> ``8А``; None when it does not look
    like a class."""
    text = raw.strip().upper()
    for q in _QUOTES:
        text = text.replace(q, "")
    text = re.sub(r"\s*КЛАСС[А-Я]*\s*$", "", re.sub(r"^\s*КЛАСС\s*[:№]?\s*", "", text))
    m = _CLASS_RE.match(text.strip())
    if not m or not 1 <= int(m.group(1)) <= 11:
        return None
    return f"{int(m.group(1))}{m.group(2)}"


def class_in_text(text: str) -> str | None:
    """A class named in free text (a sheet name, a title row), or None."""
    whole = normalize_class(text)
    if whole:
        return whole
    for rx in (_CLASS_AFTER_WORD, _CLASS_BEFORE_WORD):
        m = rx.search(text)
        if m and 1 <= int(m.group(1)) <= 11:
            return f"{int(m.group(1))}{m.group(2).upper()}"
    return None


def name_key(name: str) -> str:
    """How two names are compared: case, doubled spaces and ё/е do not matter."""
    return " ".join(name.lower().replace("ё", "е").split())


def _cap(text: str) -> str:
    """First letter upper, the rest untouched (``str.capitalize`` would lower «8А»)."""
    return text[:1].upper() + text[1:]


def _compact(header: str) -> str:
    return re.sub(r"[\s.,:;*()/\\_-]+", "", header.lower().replace("ё", "е"))


def subject_key(header: str, known: dict[str, str] | None = None) -> str | None:
    """The journal-mark key a header names (a subject id like ``eng8`` or a canonical
    subject name like ``английский язык``), or None. ``known`` maps extra subject
    names (lower case, ё as е) to keys - the subjects loaded in this school."""
    h = " ".join(header.lower().replace("ё", "е").split()).strip(" :*")
    if not h or _NOT_A_MARK_HEADER.search(h):
        return None
    if _SUBJECT_ID.match(h):
        return h
    rest = " ".join(_MARK_WORDS.sub(" ", h).split()).strip(" :-()")
    for candidate in (h, rest, rest.replace("(", "").replace(")", "")):
        if known and candidate in known:
            return known[candidate]
        if candidate in _ALIAS:
            return _ALIAS[candidate]
    # "отметка по английскому языку" and other case forms: the first four letters of
    # every word
    stems = rest.split()
    for alias, canon in _ALIAS.items():
        words = alias.split()
        if len(words) == len(stems) and all(
                s[:4] == w[:4] if len(s) >= 4 and len(w) >= 4 else s == w for s, w in zip(stems, words)):
            return canon
    return None


@dataclass
class _Layout:
    header_row: int
    name_col: int | None
    surname_col: int | None
    first_col: int | None
    patronymic_col: int | None
    class_col: int | None
    mark_cols: list[tuple[int, str, str]]  # (column, header, subject key)
    ignored: list[str]


def _find_layout(rows: list[list[object]], known: dict[str, str] | None) -> _Layout | None:
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        compact = [_compact(text_of(c)) for c in row]
        name_col = next((j for j, h in enumerate(compact) if h in _NAME_HEADERS), None)
        surname = next((j for j, h in enumerate(compact) if h in _SURNAME), None)
        first = next((j for j, h in enumerate(compact) if h in _FIRST), None)
        if name_col is None and (surname is None or first is None):
            continue
        if name_col is not None:
            surname = first = None
        patronymic = next((j for j, h in enumerate(compact) if h in _PATRONYMIC), None) if surname is not None \
            else None
        class_col = next((j for j, h in enumerate(compact) if h in _CLASS_HEADERS), None)
        used = {name_col, surname, first, patronymic, class_col} - {None}
        marks, ignored = [], []
        for j, cell in enumerate(row):
            header = " ".join(text_of(cell).split())
            if j in used or not header:
                continue
            key = subject_key(header, known)
            if key:
                marks.append((j, header, key))
            else:
                ignored.append(header)
        return _Layout(i, name_col, surname, first, patronymic, class_col, marks, ignored)
    return None


def _mark(value: object) -> int | None | str:
    """A 2-5 mark, None for empty / "н/а" / "осв", or "bad"."""
    if is_blank(value):
        return None
    t = text_of(value).replace(",", ".")
    if t.lower() in _NO_MARK_TEXT:
        return None
    return int(t) if t in ("2", "3", "4", "5") else "bad"


def _sheet_class(sheet_name: str, rows: list[list[object]], header_row: int) -> str | None:
    found = class_in_text(sheet_name)
    if found:
        return found
    for row in rows[:header_row]:
        for c in row:
            if not is_blank(c):
                found = class_in_text(text_of(c))
                if found:
                    return found
    return None


def parse(path: Path, known_subjects: dict[str, str] | None = None) -> ParsedClassList:
    """Read a class list. Raises InputFileError for an unreadable file and
    ClassListError when no sheet has a header with a name column or nobody is listed;
    problems in rows come back as ``issues`` (the caller refuses the list)."""
    sheets = read_sheets(path)
    pupils: list[Pupil] = []
    issues: list[Issue] = []
    ignored: dict[str, None] = {}
    mark_headers: dict[str, None] = {}
    skipped: list[str] = []
    multi = len(sheets) > 1
    for sheet_name, rows in sheets:
        layout = _find_layout(rows, known_subjects)
        if layout is None:
            if any(not is_blank(c) for r in rows for c in r):
                skipped.append(sheet_name)
            continue
        for h in layout.ignored:
            ignored.setdefault(h)
        for _, h, _ in layout.mark_cols:
            mark_headers.setdefault(h)
        sheet_class = _sheet_class(sheet_name, rows, layout.header_row)
        prefix = f"Лист «{shown(sheet_name)}», " if multi else ""
        if layout.class_col is None and sheet_class is None:
            issues.append(Issue(_cap(f"{prefix}строка {layout.header_row + 1}"),
                                "не найден класс: нет столбца «Класс», и класс не указан ни в названии листа, "
                                "ни над таблицей."))
            continue
        header_texts = [text_of(c) for c in rows[layout.header_row]]
        name_cols = [c for c in (layout.name_col, layout.surname_col, layout.first_col, layout.patronymic_col)
                     if c is not None]
        for r_i in range(layout.header_row + 1, len(rows)):
            row = rows[r_i]
            get = lambda j: row[j] if j is not None and j < len(row) else None  # noqa: E731
            if all(is_blank(v) for v in row) or [text_of(c) for c in row] == header_texts:
                continue
            if layout.name_col is not None:
                name = " ".join(text_of(get(layout.name_col)).split())
            else:
                parts = [" ".join(text_of(get(j)).split()) for j in name_cols]
                name = " ".join(p for p in parts if p)
            row_text = " ".join(text_of(c) for c in row if not is_blank(c))
            if _NOT_DATA.match(name) or (not name and _NOT_DATA.search(row_text)):
                continue
            raw_class = text_of(get(layout.class_col)) if layout.class_col is not None else ""
            has_marks = any(not is_blank(get(j)) for j, _, _ in layout.mark_cols)
            if not name:
                if raw_class or has_marks:
                    col = layout.name_col if layout.name_col is not None else layout.surname_col
                    issues.append(Issue(_cap(f"{prefix}ячейка {cell_ref(r_i, col)}"), "не указаны ФИО."))
                continue  # a row with neither name nor class: a note under the table
            bad_col = next((j for j in name_cols if text_problem(text_of(get(j)), MAX_NAME_CHARS)), None)
            if bad_col is not None:
                issues.append(Issue(_cap(f"{prefix}ячейка {cell_ref(r_i, bad_col)}"),
                                    f"в ФИО {text_problem(text_of(get(bad_col)), MAX_NAME_CHARS)}."))
                continue
            if any(ch.isdigit() for ch in name):
                col = layout.name_col if layout.name_col is not None else layout.surname_col
                issues.append(Issue(_cap(f"{prefix}ячейка {cell_ref(r_i, col)}"),
                                    "здесь должны быть ФИО, а в ячейке есть цифры."))
                continue
            if layout.surname_col is not None and (is_blank(get(layout.surname_col)) or is_blank(get(layout.first_col))):
                col = layout.surname_col if is_blank(get(layout.surname_col)) else layout.first_col
                issues.append(Issue(_cap(f"{prefix}ячейка {cell_ref(r_i, col)}"),
                                    "не указана фамилия." if col == layout.surname_col else "не указано имя."))
                continue
            if raw_class:
                cls = normalize_class(raw_class)
                if cls is None:
                    issues.append(Issue(_cap(f"{prefix}ячейка {cell_ref(r_i, layout.class_col)}"),
                                        f"«{shown(raw_class)}» не похоже на класс (пример: 8А)."))
                    continue
            elif sheet_class:
                cls = sheet_class
            else:
                issues.append(Issue(_cap(f"{prefix}ячейка {cell_ref(r_i, layout.class_col)}"),
                                    "не указан класс."))
                continue
            marks: dict[str, int] = {}
            for j, _, key in layout.mark_cols:
                m = _mark(get(j))
                if m == "bad":
                    issues.append(Issue(_cap(f"{prefix}ячейка {cell_ref(r_i, j)}"),
                                        "отметка по журналу должна быть 2, 3, 4 или 5."))
                elif m is not None:
                    marks[key] = m
            pupils.append(Pupil(cls, name, marks, sheet_name if multi else None, r_i + 1))
    if not pupils and not issues:
        if not any(_find_layout(rows, known_subjects) for _, rows in sheets):
            raise ClassListError(
                "no header row",
                message_ru="В списке класса не найдена строка заголовков со столбцом ФИО (или «Фамилия» и «Имя»).",
                remedy_ru="Нужна таблица со столбцом «ФИО» или столбцами «Фамилия», «Имя», «Отчество» и с классом "
                          "в столбце «Класс», в названии листа или над таблицей.",
            )
        raise ClassListError("empty class list", message_ru="В списке класса нет ни одного участника.",
                             remedy_ru="Проверьте, что выбран файл со списком учеников, а не пустой бланк.")
    return ParsedClassList(pupils, issues, duplicate_warnings(pupils), tuple(ignored), tuple(mark_headers),
                           tuple(skipped))


def duplicates_in_class(pupils: list[Pupil]) -> list[Issue]:
    """The same name twice in one class (ignoring case, spaces, ё/е): most likely one
    pupil listed twice."""
    seen: dict[tuple[str, str], Pupil] = {}
    out = []
    for p in pupils:
        k = (p.class_name, name_key(p.name))
        if k in seen:
            out.append(Issue(p.where, f"те же ФИО, что {seen[k].where_in}, в том же классе {p.class_name} "
                                      "(без учёта регистра, пробелов и ё/е)."))
        else:
            seen[k] = p
    return out


def duplicate_warnings(pupils: list[Pupil]) -> list[str]:
    """The same name in two different classes: perhaps a pupil who moved, perhaps
    namesakes - said, not refused."""
    first: dict[str, Pupil] = {}
    out = []
    for p in pupils:
        k = name_key(p.name)
        other = first.get(k)
        if other is None:
            first[k] = p
        elif other.class_name != p.class_name:
            out.append(f"{p.where} ({p.class_name}): те же ФИО, что {other.where_in} ({other.class_name}) - "
                       "проверьте, не один ли это ученик.")
    return out
