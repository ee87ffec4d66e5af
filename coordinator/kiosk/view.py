"""One participant's results as the kiosk shows them: for every released subject the
points per task with the task's name in plain words, the total, the mark; for the spoken
tasks the points per criterion with what the criterion means and what the points say.
Only this code's data; no name (the kiosk never shows one)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from coordinator.kiosk.access import released
from coordinator.kiosk.store import KioskStore
from coordinator.school import results as school_results
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import list_subjects
from coordinator.scoring.store import ScoringStore


@dataclass(frozen=True)
class CriterionLine:
    id: str
    title: str
    points: int
    max_points: int
    meaning: str


@dataclass(frozen=True)
class TaskLine:
    number: str
    title: str
    points: int | None      # None: not done
    max_points: int
    criteria: tuple[CriterionLine, ...] = ()


@dataclass(frozen=True)
class SubjectResult:
    subject_id: str
    title: str
    absent: bool
    tasks: tuple[TaskLine, ...]
    primary: int | None
    max_total: int
    mark: int | None


def _spoken(scoring: ScoringStore, subject_id: str, code: str) -> tuple[dict[str, str], dict[str, tuple]]:
    """Task titles of the linked content and this code's criteria lines per task."""
    titles: dict[str, str] = {}
    lines: dict[str, tuple] = {}
    if not scoring.one("SELECT 1 FROM links WHERE subject_id=?", (subject_id,)):
        return titles, lines
    from coordinator.scoring.work import rubric_for  # opens the exam package: only for linked subjects

    for r in scoring.query("SELECT r.id, r.task_number, f.criteria_json FROM responses r LEFT JOIN finals f "
                           "ON f.response_id=r.id WHERE r.subject_id=? AND r.participant_code=?", (subject_id, code)):
        rubric = rubric_for(scoring, r["id"])
        titles[r["task_number"]] = rubric.title
        if r["criteria_json"]:
            pts = json.loads(r["criteria_json"])
            lines[r["task_number"]] = tuple(
                CriterionLine(c.id, c.title, int(pts.get(c.id, 0)), c.max_points,
                              next((t for p, t in c.descriptors if p == pts.get(c.id)), ""))
                for c in rubric.criteria)
    return titles, lines


def _plain(part: str) -> str:
    """The subject file's description of a task (``письменная: аудирование``) as a
    heading: ``Письменная часть: аудирование``."""
    part = part.strip()
    if not part:
        return ""
    head, sep, rest = part.partition(":")
    if sep and head.strip() in ("устная", "письменная"):
        return f"{head.strip().capitalize()} часть: {rest.strip()}"
    return part[0].upper() + part[1:]


def participant_results(kiosk: KioskStore, school: SchoolStore, scoring: ScoringStore, code: str) -> list[SubjectResult]:
    out = []
    open_subjects = released(kiosk)
    for subject in list_subjects(school):
        if subject.id not in open_subjects:
            continue
        mine = school_results.list_results(school, subject, code=code)
        if not mine:
            continue
        r = mine[0]
        if r.status is school_results.ResultStatus.ABSENT:
            out.append(SubjectResult(subject.id, subject.title, True, (), None, subject.max_total, None))
            continue
        titles, crit = _spoken(scoring, subject.id, code)
        tasks = tuple(TaskLine(t.number, titles.get(t.number) or _plain(t.part) or f"Задание {t.number}",
                               r.points[i] if i < len(r.points) else None, t.max_points, crit.get(t.number, ()))
                      for i, t in enumerate(subject.tasks))
        out.append(SubjectResult(subject.id, subject.title, False, tasks, r.primary, subject.max_total, r.mark))
    return out


def as_json(results: list[SubjectResult]) -> list[dict]:
    return [asdict(r) for r in results]
