"""What an expert scores an oral task by: its criteria (id, title, points, descriptor
per point value) and rules, taken from the exam package (format 2: the task's
``rubric``), or - for a format-1 package that has only a criteria text - one criterion
for the whole task. Also the task's total from points per criterion and the tolerance
comparison of two readings."""

from __future__ import annotations

import math
from dataclasses import dataclass

from coordinator.scoring.errors import BadScoreError
from coordinator.scoring.settings import FinalRule, QcSettings


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    max_points: int
    descriptors: tuple[tuple[int, str], ...]  # (points, what earns them), highest first


@dataclass(frozen=True)
class Rubric:
    task_id: str
    task_number: str
    title: str
    criteria: tuple[Criterion, ...]
    zero_if: tuple[str, ...] = ()

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)

    def ids(self) -> list[str]:
        return [c.id for c in self.criteria]


def rubric_of(task) -> Rubric:
    """The rubric of an oral task of the content model (format 2 ``task.rubric``, or one
    criterion for the whole task from format 1's max points and criteria text)."""
    source = getattr(task, "rubric", None)
    if source is not None:
        crits = []
        for c in source.criteria:
            pairs = sorted(((int(d.points), str(d.text)) for d in (getattr(c, "descriptors", None) or ())),
                           reverse=True)
            crits.append(Criterion(c.id, c.title, int(c.max_points), tuple(pairs)))
        return Rubric(task.id, task.number, task.title, tuple(crits), tuple(getattr(source, "zero_if", ()) or ()))
    text = str(getattr(task, "criteria", "") or "")
    return Rubric(task.id, task.number, task.title,
                  (Criterion("К1", "Выполнение задания", int(task.max_points), ((int(task.max_points), text),)),))


def check_points(rubric: Rubric, points: dict) -> dict[str, int]:
    """Points per criterion as integers in range; raises :class:`BadScoreError`."""
    out = {}
    for c in rubric.criteria:
        raw = points.get(c.id)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise BadScoreError(f"{c.id}: {raw!r}", message_ru=f"Не выставлены баллы по критерию {c.id}.",
                                remedy_ru="Выберите балл по каждому критерию.") from None
        if not 0 <= value <= c.max_points or str(raw).strip() not in (str(value), f"{value}.0"):
            raise BadScoreError(f"{c.id}: {raw!r} not in 0..{c.max_points}",
                                message_ru=f"По критерию {c.id} можно поставить от 0 до {c.max_points}.",
                                remedy_ru="Исправьте балл.")
        out[c.id] = value
    return out


def total(rubric: Rubric, points: dict[str, int]) -> int:
    """The task's points: the sum, or 0 when a gate criterion (``zero_if``) scored 0."""
    if any(points.get(z) == 0 for z in rubric.zero_if):
        return 0
    return sum(points[c.id] for c in rubric.criteria)


def within_tolerance(rubric: Rubric, a: dict[str, int], b: dict[str, int], qc: QcSettings) -> bool:
    if any(abs(a[c] - b[c]) > qc.criterion_tolerance for c in rubric.ids()):
        return False
    if abs(total(rubric, a) - total(rubric, b)) > qc.total_tolerance:
        return False
    return all((a[z] == 0) == (b[z] == 0) for z in rubric.zero_if)


def combine(rubric: Rubric, first: dict[str, int], second: dict[str, int], rule: FinalRule) -> dict[str, int]:
    """The final points per criterion of two readings inside tolerance, by ``rule``."""
    if rule is FinalRule.FIRST:
        return dict(first)
    if rule in (FinalRule.HIGHER, FinalRule.LOWER):
        pick = max if rule is FinalRule.HIGHER else min
        chosen = pick((first, second), key=lambda p: total(rubric, p))
        return dict(chosen)
    return {c: math.ceil((first[c] + second[c]) / 2) for c in rubric.ids()}
