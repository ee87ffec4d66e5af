"""What the results screen says, without Kivy: for every released subject a heading
with the mark, the primary score, one row per task (its name in plain words and the
points) and, under a spoken task, one line per criterion with what the points mean.
The node's answer holds one participant only; no name is ever part of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """``kind``: ``subject`` (heading), ``summary``, ``task`` (number, title, points),
    ``criterion`` (indented, with its meaning) or ``note``."""

    kind: str
    text: str
    points: str = ""


def _points(points, max_points) -> str:
    if points is None:
        return f"не выполнено (из {max_points})"
    return f"{points} из {max_points}"


def subject_lines(subject: dict) -> list[Line]:
    out = [Line("subject", str(subject.get("title") or subject.get("subject_id", "")))]
    if subject.get("absent"):
        out.append(Line("note", "Участник не писал эту работу (отсутствовал)."))
        return out
    primary, max_total, mark = subject.get("primary"), subject.get("max_total"), subject.get("mark")
    if primary is None:
        out.append(Line("note", "Результат ещё не готов."))
    else:
        out.append(Line("summary", f"Первичный балл: {primary} из {max_total}", f"Отметка: {mark}" if mark else ""))
    for task in subject.get("tasks", []):
        title = str(task["title"])
        heading = title if title == f"Задание {task['number']}" else f"{task['number']}. {title}"
        out.append(Line("task", heading, _points(task.get("points"), task["max_points"])))
        for c in task.get("criteria", []):
            meaning = f" - {c['meaning']}" if c.get("meaning") else ""
            out.append(Line("criterion", f"{c['title']}{meaning}", f"{c['points']} из {c['max_points']}"))
    return out


def result_lines(subjects: list[dict]) -> list[Line]:
    if not subjects:
        return [Line("note", "Результаты пока не опубликованы. Школа откроет их после проверки работ.")]
    lines: list[Line] = []
    for s in subjects:
        lines.extend(subject_lines(s))
    return lines
