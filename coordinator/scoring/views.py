"""What an expert's browser receives about a response, and nothing more: the opaque
response id, the task as the student saw it (the text read aloud; the photo chosen and
the plan), the audio and photo by opaque names, waveform peaks, indicators, the
criteria with their descriptors. Never the participant code, a name, the station, the
class or any time (``tests/coordinator/web/test_experts.py`` scans everything an
expert session receives)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from coordinator.scoring import content, rubric as rb, work
from coordinator.scoring.errors import ScoringError
from coordinator.scoring.store import ScoringStore
from exam_content.model import PhotoDescriptionTask, ReadAloudTask


@dataclass(frozen=True)
class Response:
    """A response as the scoring pages need it (the participant code is not in it)."""

    id: str
    subject_id: str
    task_id: str
    task_number: str
    variant: int
    content_package_id: str
    audio: str | None
    duration_s: float
    indicators: dict
    peaks: list
    photo: str | None


def get(scoring: ScoringStore, response_id: str) -> Response | None:
    row = scoring.one("SELECT * FROM responses WHERE id=?", (response_id,))
    if row is None:
        return None
    return Response(row["id"], row["subject_id"], row["task_id"], row["task_number"], row["variant"],
                    row["content_package_id"] or "", row["audio"], row["duration_s"],
                    json.loads(row["indicators_json"]), json.loads(row["peaks_json"]), row["photo"])


@dataclass(frozen=True)
class ExpertView:
    response_id: str
    purpose: str
    task_number: str
    task_title: str
    instruction: str
    text: str                   # the text read aloud
    plan: tuple[str, ...]       # photo description: the plan points
    photo: str | None           # opaque media name
    has_audio: bool
    duration_s: float
    peaks: tuple[int, ...]
    indicators: dict
    rubric: rb.Rubric


def expert_view(store: ScoringStore, response_id: str, purpose: str) -> ExpertView:
    r = get(store, response_id)
    if r is None:
        raise ScoringError(f"no response {response_id}", message_ru="Такого ответа нет.",
                           remedy_ru="Вернитесь к списку заданий.")
    exam = content.package(store, r.content_package_id)
    variant = next(v for v in exam.manifest.variants if v.number == r.variant)
    task = next(t for t in variant.tasks if t.id == r.task_id)
    text = task.text if isinstance(task, ReadAloudTask) else ""
    plan = tuple(task.plan) if isinstance(task, PhotoDescriptionTask) else ()
    return ExpertView(r.id, purpose, r.task_number, task.title, getattr(task, "instruction", ""), text, plan,
                      r.photo, bool(r.audio), r.duration_s, tuple(r.peaks), r.indicators, work.rubric_for(store, r.id))


@dataclass(frozen=True)
class TaskWork:
    subject_id: str
    subject_title: str
    task_number: str
    task_title: str
    responses: int
    to_score: int


def worklist(store: ScoringStore, subject_titles: dict[str, str]) -> list[TaskWork]:
    """Every linked subject's oral tasks with how many responses wait for a reading."""
    out = []
    for link in content.links(store):
        rows = store.query(
            "SELECT task_number, COUNT(*) AS n, SUM(CASE WHEN state IN ('open', 'second') THEN 1 ELSE 0 END) AS open, "
            "MIN(id) AS any_id FROM responses WHERE subject_id=? GROUP BY task_number ORDER BY task_number",
            (link.subject_id,))
        for row in rows:
            title = work.rubric_for(store, row["any_id"]).title
            out.append(TaskWork(link.subject_id, subject_titles.get(link.subject_id, link.subject_id),
                                row["task_number"], title, row["n"], row["open"] or 0))
    return out
