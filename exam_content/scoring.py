"""Scoring: the points of every objective item from the answer key, an oral task's
total from its criteria, the primary score and the mark from the variant's scale.
Pure functions over frozen values - no files, no clock - for the node (auto-scoring on
ingest, the results form) and the tests.

Answers are ``{task_id: {item_id: value}}``: an option index (``int``) for listening,
multiple-choice and matching items, the typed text (``str``) for a short-answer item;
:func:`answers_of_responses` builds it from a response package's ``responses.json``.
An objective item scores 1 point when right, else 0 (the format checks that a task's
``max_points`` equals its number of items).

Typed answers are compared after :func:`normalize`: Unicode NFC; surrounding spaces
dropped and inner runs of spaces made one; typographic apostrophes (’ ‘ ʼ ` ´ ′) made
``'``; letters lower-cased unless the key's rule is ``case_sensitive`` (``lower()``, not
``casefold()``, so German ``ß`` never silently equals ``ss`` - put both spellings in
``accept`` if both are right); ``ё`` made ``е`` only where the rule says
``yo_equals_ye``. The accepted answers and their alternatives come from the key.

Raises :class:`~exam_content.errors.ScoringError` (Russian message) for a key that does
not fit the variant, criteria points out of range, a task without points, or a variant
without a mark scale (format version 1)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping, Union

from exam_content.errors import ScoringError
from exam_content.model import (
    Level,
    ListeningTask,
    MultipleChoiceTask,
    PhotoDescriptionTask,
    ReadAloudTask,
    ReadingMatchingTask,
    ShortAnswerTask,
    Task,
    Variant,
    item_ids,
)

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u0060\u00b4\u2032"})


@dataclass(frozen=True)
class TypedRule:
    """The key of one typed item: every accepted spelling and how to compare."""

    accept: tuple[str, ...]
    case_sensitive: bool = False
    yo_equals_ye: bool = False

    @classmethod
    def from_key(cls, d: Mapping[str, Any]) -> "TypedRule":
        return cls(tuple(d["accept"]), bool(d.get("case_sensitive", False)), bool(d.get("yo_equals_ye", False)))


#: The key's answer for one item: the right option's index, or a typed rule.
KeyAnswer = Union[int, TypedRule]
Answers = Mapping[str, Mapping[str, Union[int, str]]]


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    given: int | str | None  # None: not answered
    points: int
    max_points: int = 1


@dataclass(frozen=True)
class TaskScore:
    task_id: str
    number: str
    points: int
    max_points: int
    level: Level | None
    items: tuple[ItemScore, ...]


def normalize(text: str, *, case_sensitive: bool = False, yo_equals_ye: bool = False) -> str:
    """``text`` as it is compared with the key (see the module docstring)."""
    s = " ".join(unicodedata.normalize("NFC", text).translate(_APOSTROPHES).split())
    if not case_sensitive:
        s = s.lower()
    if yo_equals_ye:
        s = s.replace("ё", "е").replace("Ё", "Е")
    return s


def typed_correct(given: str, rule: TypedRule) -> bool:
    """True when ``given`` equals one of the accepted answers after normalisation."""
    def norm(s: str) -> str:
        return normalize(s, case_sensitive=rule.case_sensitive, yo_equals_ye=rule.yo_equals_ye)

    g = norm(given)
    return bool(g) and any(g == norm(a) for a in rule.accept)


def variant_key(key: Mapping[str, Any], variant_number: int) -> dict[str, dict[str, KeyAnswer]]:
    """The answers of one variant from an answer key (``answer_key.json`` as read by
    :func:`exam_content.answer_key.read_answer_key`, either format version)."""
    try:
        raw = key["answers"][str(variant_number)]
    except (KeyError, TypeError) as exc:
        raise ScoringError(f"answer key has no variant {variant_number}",
                           message_ru=f"В ключе ответов нет варианта {variant_number}.") from exc
    return {task_id: {item: (TypedRule.from_key(a) if isinstance(a, Mapping) else int(a)) for item, a in items.items()}
            for task_id, items in raw.items()}


def _item_points(task: Task, item_id: str, given: Any, answer: KeyAnswer) -> int:
    if isinstance(task, ShortAnswerTask):
        if not isinstance(answer, TypedRule):
            raise ScoringError(f"task {task.id} item {item_id}: key is not a typed rule",
                               message_ru=f"Ключ ответов не подходит к заданию {task.number}.")
        return int(isinstance(given, str) and typed_correct(given, answer))
    if isinstance(answer, TypedRule):
        raise ScoringError(f"task {task.id} item {item_id}: key is not an option index",
                           message_ru=f"Ключ ответов не подходит к заданию {task.number}.")
    return int(isinstance(given, int) and not isinstance(given, bool) and given == answer)


def score_task(task: Task, key: Mapping[str, KeyAnswer], given: Mapping[str, Any]) -> TaskScore:
    """Per-item points of one objective task (``key``/``given``: item id -> value)."""
    items = []
    for item_id in item_ids(task):
        if item_id not in key:
            raise ScoringError(f"task {task.id}: key has no item {item_id}",
                               message_ru=f"В ключе ответов нет ответа на пункт «{item_id}» задания {task.number}.")
        value = given.get(item_id)
        items.append(ItemScore(item_id, value, _item_points(task, item_id, value, key[item_id])))
    return TaskScore(task.id, task.number, sum(i.points for i in items), task.max_points, task.level, tuple(items))


def score_objective(key: Mapping[str, Any], variant: Variant, answers: Answers) -> tuple[TaskScore, ...]:
    """Every objective task of ``variant`` (listening, matching, multiple choice, typed)
    scored from the answer key (``answer_key.json`` content) and the participant's
    ``answers``; oral tasks and instructions are left out (see :func:`task_total`)."""
    vkey = variant_key(key, variant.number)
    out = []
    for task in variant.tasks:
        if isinstance(task, (ListeningTask, ReadingMatchingTask, MultipleChoiceTask, ShortAnswerTask)):
            out.append(score_task(task, vkey.get(task.id, {}), answers.get(task.id, {})))
    return tuple(out)


def task_total(criteria_points: Mapping[str, int], task: Task) -> int:
    """An oral task's points from the expert's points per criterion (``{"К1": 3, ...}``):
    their sum, or 0 when a criterion of the rubric's ``zero_if`` scored 0."""
    rubric = task.rubric if isinstance(task, (ReadAloudTask, PhotoDescriptionTask)) else None
    if rubric is None:
        raise ScoringError(f"task {task.id} has no rubric", message_ru=f"У задания {task.number} нет критериев.")
    ids = [c.id for c in rubric.criteria]
    if set(criteria_points) != set(ids):
        raise ScoringError(f"task {task.id}: criteria {sorted(criteria_points)} != {ids}",
                           message_ru=f"Задание {task.number} оценивается по критериям {', '.join(ids)}; "
                                      f"укажите баллы по каждому из них.")
    for c in rubric.criteria:
        p = criteria_points[c.id]
        if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p <= c.max_points:
            raise ScoringError(f"task {task.id} {c.id}: {p!r} not in 0..{c.max_points}",
                               message_ru=f"По критерию {c.id} задания {task.number} можно поставить "
                                          f"от 0 до {c.max_points} баллов, указано {p}.")
    if any(criteria_points[z] == 0 for z in rubric.zero_if):
        return 0
    return sum(criteria_points.values())


def primary_score(task_points: Mapping[str, int | None], variant: Variant) -> int:
    """The primary score: the sum of the points of every scored task, keyed by task
    number as printed (``"1"``, ``"9.1"``); ``None`` means not done ("X") and counts 0.
    Every task must be present (an oral task not yet scored is an error, not a 0)."""
    tasks = {t.number: t for t in variant.scored_tasks}
    unknown = set(task_points) - set(tasks)
    if unknown:
        raise ScoringError(f"unknown task numbers {sorted(unknown)}",
                           message_ru=f"В варианте {variant.number} нет заданий {', '.join(sorted(unknown))}.")
    missing = [n for n in tasks if n not in task_points]
    if missing:
        raise ScoringError(f"tasks not scored yet: {missing}",
                           message_ru=f"Ещё не оценены задания {', '.join(missing)}.")
    total = 0
    for number, points in task_points.items():
        if points is None:
            continue
        if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= tasks[number].max_points:
            raise ScoringError(f"task {number}: {points!r} not in 0..{tasks[number].max_points}",
                               message_ru=f"За задание {number} можно получить от 0 до "
                                          f"{tasks[number].max_points} баллов, указано {points}.")
        total += points
    return total


def mark(primary: int, variant: Variant) -> int:
    """The mark 2-5 for ``primary`` by the variant's scale."""
    if not variant.mark_scale:
        raise ScoringError(f"variant {variant.number} has no mark scale",
                           message_ru="В пакете нет шкалы перевода баллов в отметку (формат версии 1).")
    for r in variant.mark_scale:
        if r.low <= primary <= r.high:
            return r.mark
    raise ScoringError(f"primary {primary} outside the scale",
                       message_ru=f"Первичный балл {primary} вне шкалы варианта {variant.number}.")


def answers_of_responses(responses: Mapping[str, Any]) -> dict[str, dict[str, int | str]]:
    """``{task_id: {item_id: value}}`` from a response package's ``responses.json``
    (its ``listening_answers`` and, from the written section, ``written_answers``)."""
    out: dict[str, dict[str, int | str]] = {}
    for part in ("listening_answers", "written_answers"):
        for task_id, items in (responses.get(part) or {}).items():
            out.setdefault(task_id, {}).update(items)
    return out
