"""Classes and participants: import of a class list (the layouts of electronic-journal
exports are read by ``class_lists``), or just counts per class when the school keeps
names on paper only.

Names go straight into the encrypted protocol (``protocol.add_names``) and the journal
marks into the encrypted journal beside it (``protocol.add_journal``); the
``participants`` table holds only a random id, the class and the code. Ids are random
and rows are written in a random order (issue 20): ids 1..n in the order of the class
list gave code <-> name to anyone who had the list and the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from coordinator.school import class_lists, migrations, protocol
from coordinator.school.class_lists import name_key, normalize_class
from coordinator.school.errors import ClassListError, PassphraseRequiredError
from coordinator.school.store import SchoolStore, class_sort_key, utc_now_iso
from coordinator.school.subjects import list_subjects
from coordinator.school.vault import VaultKey
from vpr_common.text import shown

log = logging.getLogger(__name__)

__all__ = ["ClassInfo", "ImportReport", "add_counts", "import_class_list", "list_classes", "normalize_class"]


@dataclass(frozen=True)
class ClassInfo:
    name: str
    participants: int
    with_names: bool
    with_codes: int


@dataclass(frozen=True)
class ImportReport:
    """What a class-list import did: participants per class, the columns it did not use
    (named once), the columns read as journal marks, sheets without a class list, and
    possible duplicates (same ФИО in another class, here or already loaded)."""

    counts: dict[str, int]
    ignored_columns: tuple[str, ...] = ()
    mark_columns: tuple[str, ...] = ()
    skipped_sheets: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _known_subjects(store: SchoolStore) -> dict[str, str]:
    """Loaded subjects by name and id -> the journal key (see ``results.journal_mark``)."""
    out: dict[str, str] = {}
    for s in list_subjects(store):
        name = s.name.lower().replace("ё", "е")
        out[name] = name
        out[s.id] = s.id
    return out


def _taken_ids(store: SchoolStore) -> set[int]:
    return {int(r[0]) for r in store.conn.execute("SELECT id FROM participants")}


def _existing_classes(store: SchoolStore) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT name FROM classes")}


def import_class_list(store: SchoolStore, path: Path, key: VaultKey | None, *,
                      allow_duplicates: bool = False) -> ImportReport:
    """Import a named class list (see ``class_lists`` for the layouts understood); names
    are encrypted into the protocol. All or nothing. Raises InputFileError,
    ClassListError (every problem with its sheet, row or cell; the same ФИО twice in one
    class too, unless ``allow_duplicates``), PassphraseRequiredError."""
    parsed = class_lists.parse(Path(path), _known_subjects(store))
    issues = list(parsed.issues)
    if not allow_duplicates:
        issues += class_lists.duplicates_in_class(parsed.pupils)
    if issues:
        lines = "\n".join(i.text for i in issues[:30])
        more = f"\n... и ещё ошибок: {len(issues) - 30}." if len(issues) > 30 else ""
        remedy = "Исправьте указанные ячейки и повторите загрузку."
        if any("в том же классе" in i.message_ru for i in issues):
            remedy += (" Если в классе действительно два ученика с одинаковыми ФИО, добавьте к команде "
                       "--allow-duplicates.")
        raise ClassListError(f"{len(issues)} issue(s)", message_ru=f"Список класса не принят:\n{lines}{more}",
                             remedy_ru=remedy)
    if key is None:
        raise PassphraseRequiredError("names need the vault key")
    rows = parsed.pupils
    classes = {p.class_name for p in rows}
    already = sorted(classes & _existing_classes(store), key=class_sort_key)
    if already:
        raise ClassListError(
            "class exists",
            message_ru=f"Класс уже загружен: {', '.join(already)}.",
            remedy_ru="Загрузите только новые классы; опоздавших добавьте командой vpr-node classes counts КЛАСС=1.",
        )
    warnings = list(parsed.warnings)
    stored = protocol.read_names(store, key)
    if stored:
        by_key: dict[str, str] = {}
        for pid, cls in store.conn.execute("SELECT id, class_name FROM participants"):
            if pid in stored:
                by_key.setdefault(name_key(stored[pid]), cls)
        for p in rows:
            other = by_key.get(name_key(p.name))
            if other:
                warnings.append(f"{p.where} ({p.class_name}): те же ФИО, что у участника "
                                f"уже загруженного класса {other} - проверьте, не один ли это ученик.")
    counts: dict[str, int] = {}
    now = utc_now_iso()
    with store.tx():
        new_names: dict[int, str] = {}
        marks: dict[int, dict[str, int]] = {}
        for cls in sorted(classes, key=class_sort_key):
            store.conn.execute("INSERT INTO classes(name, with_names, created_utc) VALUES(?, 1, ?)", (cls, now))
        people = migrations.shuffled(rows)
        for pid, p in zip(migrations.random_ids(len(people), _taken_ids(store)), people):
            store.conn.execute("INSERT INTO participants(id, class_name) VALUES(?, ?)", (pid, p.class_name))
            new_names[pid] = p.name
            marks[pid] = p.marks
            counts[p.class_name] = counts.get(p.class_name, 0) + 1
        protocol.add_names(store, key, new_names)
        protocol.add_journal(store, key, marks)
    counts = {c: counts[c] for c in sorted(counts, key=class_sort_key)}
    log.info("class list imported: %s; ignored columns: %d", counts, len(parsed.ignored_columns))
    return ImportReport(counts, parsed.ignored_columns, parsed.mark_columns, parsed.skipped_sheets, tuple(warnings))


def add_counts(store: SchoolStore, counts: dict[str, int]) -> dict[str, int]:
    """Add anonymous participants (names stay on paper). Raises ClassListError."""
    clean: dict[str, int] = {}
    for raw, n in counts.items():
        cls = normalize_class(raw)
        if cls is None:
            raise ClassListError("bad class", message_ru=f"«{shown(raw)}» не похоже на класс (пример: 8А).")
        if not 1 <= n <= 200:
            raise ClassListError("bad count", message_ru=f"Численность класса {cls} должна быть от 1 до 200.")
        clean[cls] = clean.get(cls, 0) + n
    existing = _existing_classes(store)
    with store.tx():
        for cls, n in clean.items():
            if cls not in existing:
                store.conn.execute("INSERT INTO classes(name, with_names, created_utc) VALUES(?, 0, ?)",
                                   (cls, utc_now_iso()))
            store.conn.executemany("INSERT INTO participants(id, class_name) VALUES(?, ?)",
                                   [(pid, cls) for pid in migrations.random_ids(n, _taken_ids(store))])
    log.info("anonymous participants added: %s", clean)
    return clean


def list_classes(store: SchoolStore) -> list[ClassInfo]:
    q = """SELECT c.name, c.with_names, COUNT(p.id), COUNT(p.code)
           FROM classes c LEFT JOIN participants p ON p.class_name = c.name
           GROUP BY c.name ORDER BY c.name"""
    return [ClassInfo(r[0], int(r[2]), bool(r[1]), int(r[3])) for r in store.conn.execute(q)]
