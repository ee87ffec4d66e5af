"""Subjects and their criteria: per subject and grade the tasks as printed (``1``,
``2``, ``9.1``) with maximum points and level (Б basic / П advanced), the variants
allowed, and the scale from primary score to the mark 2-5.

The coordinator edits a JSON file (``vpr-node subjects template``) and loads it
(``vpr-node subjects load``); the validated spec is copied into ``school.sqlite`` so a
later edit of the file changes nothing until it is loaded again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path

from coordinator.school.errors import InputFileError, Issue, SubjectsFileError, UnknownSubjectError
from coordinator.school.store import SchoolStore, utc_now_iso
from vpr_common.files import open_regular
from vpr_common.text import clean_text, shown, text_problem

FORMAT = "vpr-subjects/1"
MAX_SUBJECTS_BYTES = 2 * 1024 * 1024
_TASK_NO = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2})?")
_SUBJECT_ID = re.compile(r"[a-z][a-z0-9_-]{1,31}")


class Level(str, Enum):
    BASIC = "Б"
    ADVANCED = "П"


@dataclass(frozen=True)
class Task:
    number: str
    max_points: int
    level: Level
    part: str = ""

    @property
    def header(self) -> str:
        """The column header of the federal form, e.g. ``9.1 (1б)``."""
        return f"{self.number} ({self.max_points}б)"


@dataclass(frozen=True)
class Subject:
    id: str
    name: str
    grade: int
    year: int
    variants: tuple[int, ...]
    tasks: tuple[Task, ...]
    scale: tuple[tuple[int, int], ...]  # ((3, min score), (4, min score), (5, min score))

    @property
    def max_total(self) -> int:
        return sum(t.max_points for t in self.tasks)

    @property
    def title(self) -> str:
        return f"ВПР {self.year} {self.name} {self.grade} класс"

    def mark_for(self, primary: int) -> int:
        mark = 2
        for m, threshold in self.scale:
            if primary >= threshold:
                mark = m
        return mark

    def task(self, number: str) -> Task | None:
        for t in self.tasks:
            if t.number == number:
                return t
        return None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "grade": self.grade,
            "year": self.year,
            "variants": list(self.variants),
            "tasks": [
                {"number": t.number, "max": t.max_points, "level": t.level.value, **({"part": t.part} if t.part else {})}
                for t in self.tasks
            ],
            "scale": {str(m): s for m, s in self.scale},
        }


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _parse_subject(raw: object, where: str, default_year: int, issues: list[Issue]) -> Subject | None:
    if not isinstance(raw, dict):
        issues.append(Issue(where, "ожидается объект с полями id, name, grade, variants, tasks, scale."))
        return None
    n_before = len(issues)
    sid = raw.get("id")
    if not isinstance(sid, str) or not _SUBJECT_ID.fullmatch(sid):
        issues.append(Issue(f"{where}.id", "код предмета - латинские строчные буквы и цифры, например eng8."))
    name = clean_text(raw.get("name")) if isinstance(raw.get("name"), str) else ""
    if not name:
        issues.append(Issue(f"{where}.name", "не указано название предмета."))
    elif text_problem(name, 100):
        issues.append(Issue(f"{where}.name", f"{text_problem(name, 100)}."))
    grade = _int(raw.get("grade"))
    if grade is None or not 1 <= grade <= 11:
        issues.append(Issue(f"{where}.grade", "класс (параллель) - целое число от 1 до 11."))
    year = _int(raw.get("year", default_year))
    if year is None or not 2015 <= year <= 2100:
        issues.append(Issue(f"{where}.year", "год - целое число, например 2026."))
    rv = raw.get("variants")
    variants: tuple[int, ...] = ()
    if _int(rv) is not None and rv >= 1:
        variants = tuple(range(1, rv + 1))
    elif isinstance(rv, list) and rv and all(_int(v) is not None and v >= 1 for v in rv) and len(set(rv)) == len(rv):
        variants = tuple(rv)
    else:
        issues.append(Issue(f"{where}.variants", "укажите число вариантов (например 2) или список номеров [1, 2]."))
    tasks: list[Task] = []
    rtasks = raw.get("tasks")
    if not isinstance(rtasks, list) or not rtasks:
        issues.append(Issue(f"{where}.tasks", "нет ни одного задания."))
        rtasks = []
    seen: set[str] = set()
    for i, rt in enumerate(rtasks):
        tw = f"{where}.tasks[{i}]"
        if not isinstance(rt, dict):
            issues.append(Issue(tw, "ожидается объект с полями number, max, level."))
            continue
        number = str(rt.get("number", "")).strip()
        part = clean_text(rt.get("part", ""))
        if not _TASK_NO.fullmatch(number):
            issues.append(Issue(f"{tw}.number", f"номер задания «{shown(number)}» должен быть как в бланке: 1, 2, 9.1."))
        if text_problem(part, 100):
            issues.append(Issue(f"{tw}.part", f"{text_problem(part, 100)}."))
        elif number in seen:
            issues.append(Issue(f"{tw}.number", f"задание {number} указано дважды."))
        seen.add(number)
        mx = _int(rt.get("max"))
        if mx is None or not 1 <= mx <= 100:
            issues.append(Issue(f"{tw}.max", "максимальный балл - целое число от 1 до 100."))
        level = rt.get("level")
        if level not in ("Б", "П"):
            issues.append(Issue(f"{tw}.level", "уровень - «Б» (базовый) или «П» (повышенный), русскими буквами."))
        if (mx is not None and 1 <= mx <= 100 and level in ("Б", "П") and _TASK_NO.fullmatch(number)
                and all(t.number != number for t in tasks)):
            tasks.append(Task(number, mx, Level(level), part))
    tasks_ok = len(tasks) == len(rtasks) and bool(tasks)
    total = sum(t.max_points for t in tasks)
    rscale = raw.get("scale")
    scale: list[tuple[int, int]] = []
    if not isinstance(rscale, dict) or set(rscale) != {"3", "4", "5"}:
        issues.append(Issue(f"{where}.scale", "шкала - минимальный первичный балл для отметок «3», «4», «5»."))
    elif tasks_ok:
        values = [_int(rscale[k]) for k in ("3", "4", "5")]
        if any(v is None for v in values) or not (0 < values[0] < values[1] < values[2] <= total):
            issues.append(
                Issue(f"{where}.scale", f"пороги отметок должны возрастать и не превышать максимум {total}.")
            )
        else:
            scale = [(3, values[0]), (4, values[1]), (5, values[2])]
    if len(issues) > n_before:
        return None
    return Subject(sid, name, grade, year, variants, tuple(tasks), tuple(scale))


def parse_subjects(data: object) -> list[Subject]:
    """Validate a subjects document. Raises SubjectsFileError listing every issue."""
    issues: list[Issue] = []
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SubjectsFileError("bad format tag", message_ru=f"Файл предметов должен содержать \"format\": \"{FORMAT}\".")
    default_year = data.get("year", 2026)
    raw = data.get("subjects")
    if not isinstance(raw, list) or not raw:
        raise SubjectsFileError("no subjects", message_ru="В файле нет ни одного предмета (список \"subjects\").")
    out: list[Subject] = []
    ids: set[str] = set()
    for i, rs in enumerate(raw):
        s = _parse_subject(rs, f"subjects[{i}]", default_year, issues)
        if s is not None:
            if s.id in ids:
                issues.append(Issue(f"subjects[{i}].id", f"предмет {s.id} указан дважды."))
            ids.add(s.id)
            out.append(s)
    if issues:
        lines = "\n".join(i.text for i in issues)
        raise SubjectsFileError(f"{len(issues)} issue(s)", message_ru=f"Файл предметов не принят:\n{lines}",
                                remedy_ru="Исправьте файл и загрузите его снова.")
    return out


def read_subjects_file(path: Path) -> list[Subject]:
    """Read and validate a subjects JSON file. Raises InputFileError, SubjectsFileError."""
    if not Path(path).exists() and not Path(path).is_symlink():
        raise InputFileError(f"no such file {path}", message_ru=f"Не удалось прочитать файл предметов {path}.")
    with open_regular(path, max_bytes=MAX_SUBJECTS_BYTES) as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubjectsFileError("not utf-8", message_ru=f"Файл предметов {Path(path).name} не в кодировке UTF-8.",
                                remedy_ru="Сохраните его в текстовом редакторе в кодировке UTF-8.") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise SubjectsFileError("nested too deep", message_ru="Файл предметов не принят: слишком глубокая "
                                "вложенность скобок.", remedy_ru="Возьмите за основу шаблон: vpr-node subjects "
                                "template ФАЙЛ.") from None
    except json.JSONDecodeError as exc:
        raise SubjectsFileError(
            str(exc),
            message_ru=f"Файл предметов не является корректным JSON: строка {exc.lineno}, позиция {exc.colno}.",
            remedy_ru="Проверьте запятые и кавычки в указанном месте.",
        ) from None
    return parse_subjects(data)


def demo_subjects_path() -> Path:
    return Path(str(resources.files("coordinator.school") / "data" / "subjects_demo.json"))


def template_text() -> str:
    return (resources.files("coordinator.school") / "data" / "subjects_template.json").read_text(encoding="utf-8")


def save_subjects(store: SchoolStore, subjects: list[Subject]) -> None:
    """Insert or replace the given subjects (others stay)."""
    now = utc_now_iso()
    with store.tx():
        for s in subjects:
            store.conn.execute(
                "INSERT INTO subjects(id, spec_json, loaded_utc) VALUES(?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET spec_json=excluded.spec_json, loaded_utc=excluded.loaded_utc",
                (s.id, json.dumps(s.to_json(), ensure_ascii=False), now),
            )


def _from_row(spec_json: str) -> Subject:
    data = json.loads(spec_json)
    return parse_subjects({"format": FORMAT, "subjects": [data]})[0]


def get_subject(store: SchoolStore, subject_id: str) -> Subject:
    """Raises UnknownSubjectError."""
    row = store.conn.execute("SELECT spec_json FROM subjects WHERE id=?", (subject_id,)).fetchone()
    if row is None:
        raise UnknownSubjectError(subject_id)
    return _from_row(row[0])


def list_subjects(store: SchoolStore) -> list[Subject]:
    return [_from_row(r[0]) for r in store.conn.execute("SELECT spec_json FROM subjects ORDER BY id")]
