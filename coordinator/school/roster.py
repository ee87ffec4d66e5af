"""Classes and participants: import of a class list (xlsx/CSV with the columns
«Класс», «ФИО» and optionally one column per subject with the teacher's journal mark),
or just counts per class when the school keeps names on paper only.

Names go straight into the encrypted protocol (``protocol.add_names``); the
``participants`` table holds only the class, the journal marks and the code.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from coordinator.school import protocol
from coordinator.school.errors import ClassListError, Issue, PassphraseRequiredError
from coordinator.school.store import SchoolStore, utc_now_iso
from coordinator.school.tables import cell_ref, is_blank, read_rows, text_of
from coordinator.school.vault import VaultKey

log = logging.getLogger(__name__)

_CLASS_HEADERS = {"класс"}
_NAME_HEADERS = {"фио", "ф.и.о.", "фамилия имя отчество", "фамилия, имя, отчество"}
_CLASS_RE = re.compile(r"^(\d{1,2})\s*[-\s]?\s*([А-ЯЁA-Z]{0,2})$")


@dataclass(frozen=True)
class ClassInfo:
    name: str
    participants: int
    with_names: bool
    with_codes: int


def normalize_class(raw: str) -> str | None:
    """``8 а`` / ``8-А`` / ``8а`` -> ``8А``; None when it does not look like a class."""
    m = _CLASS_RE.match(raw.strip().upper())
    if not m or not 1 <= int(m.group(1)) <= 11:
        return None
    return f"{int(m.group(1))}{m.group(2)}"


def _journal_mark(value: object) -> int | None | str:
    """A 2-5 mark, None for empty, or the string "bad"."""
    if is_blank(value):
        return None
    t = text_of(value)
    return int(t) if t in ("2", "3", "4", "5") else "bad"


def parse_class_list(path: Path) -> tuple[list[tuple[str, str, dict[str, int]]], list[Issue]]:
    """Rows (class, name, {subject key: mark}) and the issues found. Names never appear
    in an issue text."""
    rows = read_rows(path)
    issues: list[Issue] = []
    header_i = next(
        (i for i, r in enumerate(rows[:20]) if any(text_of(c).lower() in _CLASS_HEADERS for c in r)), None
    )
    if header_i is None:
        raise ClassListError(
            "no header row",
            message_ru="В списке класса не найдена строка заголовков со столбцами «Класс» и «ФИО».",
            remedy_ru="Первая строка таблицы: Класс | ФИО | (необязательно) код предмета с отметкой по журналу.",
        )
    header = [text_of(c).lower() for c in rows[header_i]]
    ci = header.index(next(h for h in header if h in _CLASS_HEADERS))
    ni = next((i for i, h in enumerate(header) if h in _NAME_HEADERS), None)
    if ni is None:
        raise ClassListError(
            "no name column",
            message_ru="В списке класса нет столбца «ФИО».",
            remedy_ru="Если ФИО хранятся только на бумаге, задайте численность классов: vpr-node classes counts 8А=25.",
        )
    journal_cols = [(i, h) for i, h in enumerate(header) if h and i not in (ci, ni)]
    out: list[tuple[str, str, dict[str, int]]] = []
    seen: dict[tuple[str, str], int] = {}
    for r_i in range(header_i + 1, len(rows)):
        row = rows[r_i]
        get = lambda i: row[i] if i < len(row) else None  # noqa: E731
        if all(is_blank(v) for v in row):
            continue
        raw_class, name = text_of(get(ci)), " ".join(text_of(get(ni)).split())
        cls = normalize_class(raw_class) if raw_class else None
        if not raw_class:
            issues.append(Issue(f"Ячейка {cell_ref(r_i, ci)}", "не указан класс."))
        elif cls is None:
            issues.append(Issue(f"Ячейка {cell_ref(r_i, ci)}", f"«{raw_class}» не похоже на класс (пример: 8А)."))
        if not name:
            issues.append(Issue(f"Ячейка {cell_ref(r_i, ni)}", "не указаны ФИО."))
        marks: dict[str, int] = {}
        for j, key in journal_cols:
            m = _journal_mark(get(j))
            if m == "bad":
                issues.append(Issue(f"Ячейка {cell_ref(r_i, j)}", "отметка по журналу должна быть 2, 3, 4 или 5."))
            elif m is not None:
                marks[key] = m
        if cls and name:
            dup = seen.get((cls, name.lower()))
            if dup is not None:
                issues.append(Issue(f"Строка {r_i + 1}", f"повторяет строку {dup + 1} (тот же класс и ФИО)."))
            seen[(cls, name.lower())] = r_i
            out.append((cls, name, marks))
    if not out and not issues:
        raise ClassListError("empty class list", message_ru="В списке класса нет ни одного участника.")
    return out, issues


def _existing_classes(store: SchoolStore) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT name FROM classes")}


def import_class_list(store: SchoolStore, path: Path, key: VaultKey | None) -> dict[str, int]:
    """Import a named class list; names are encrypted into the protocol. Returns
    participants per class. Raises ClassListError, PassphraseRequiredError."""
    rows, issues = parse_class_list(Path(path))
    if issues:
        lines = "\n".join(i.text for i in issues)
        raise ClassListError(f"{len(issues)} issue(s)", message_ru=f"Список класса не принят:\n{lines}",
                             remedy_ru="Исправьте указанные ячейки и повторите загрузку.")
    if key is None:
        raise PassphraseRequiredError("names need the vault key")
    already = sorted({c for c, _, _ in rows} & _existing_classes(store))
    if already:
        raise ClassListError(
            "class exists",
            message_ru=f"Класс уже загружен: {', '.join(already)}.",
            remedy_ru="Загрузите только новые классы; опоздавших добавьте командой vpr-node classes counts КЛАСС=1.",
        )
    counts: dict[str, int] = {}
    now = utc_now_iso()
    with store.tx():
        new_names: dict[int, str] = {}
        for cls in sorted({c for c, _, _ in rows}):
            store.conn.execute("INSERT INTO classes(name, with_names, created_utc) VALUES(?, 1, ?)", (cls, now))
        for cls, name, marks in rows:
            cur = store.conn.execute(
                "INSERT INTO participants(class_name, journal_json) VALUES(?, ?)",
                (cls, json.dumps(marks, ensure_ascii=False)),
            )
            new_names[int(cur.lastrowid)] = name
            counts[cls] = counts.get(cls, 0) + 1
        protocol.add_names(store, key, new_names)
    log.info("class list imported: %s", counts)
    return counts


def add_counts(store: SchoolStore, counts: dict[str, int]) -> dict[str, int]:
    """Add anonymous participants (names stay on paper). Raises ClassListError."""
    clean: dict[str, int] = {}
    for raw, n in counts.items():
        cls = normalize_class(raw)
        if cls is None:
            raise ClassListError("bad class", message_ru=f"«{raw}» не похоже на класс (пример: 8А).")
        if not 1 <= n <= 200:
            raise ClassListError("bad count", message_ru=f"Численность класса {cls} должна быть от 1 до 200.")
        clean[cls] = clean.get(cls, 0) + n
    existing = _existing_classes(store)
    with store.tx():
        for cls, n in clean.items():
            if cls not in existing:
                store.conn.execute("INSERT INTO classes(name, with_names, created_utc) VALUES(?, 0, ?)",
                                   (cls, utc_now_iso()))
            store.conn.executemany("INSERT INTO participants(class_name) VALUES(?)", [(cls,)] * n)
    log.info("anonymous participants added: %s", clean)
    return clean


def list_classes(store: SchoolStore) -> list[ClassInfo]:
    q = """SELECT c.name, c.with_names, COUNT(p.id), COUNT(p.code)
           FROM classes c LEFT JOIN participants p ON p.class_name = c.name
           GROUP BY c.name ORDER BY c.name"""
    return [ClassInfo(r[0], int(r[2]), bool(r[1]), int(r[3])) for r in store.conn.execute(q)]
