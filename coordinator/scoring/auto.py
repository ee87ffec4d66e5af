"""Automatic scoring of the objective tasks of one response package from the answer
key: points per task number (``{"1": 4, "4": 5, ...}``). The rules live in
:mod:`exam_content.scoring` (format 2); a format-1 key (listening only: variant ->
task -> question -> option index) scores one point per right answer."""

from __future__ import annotations

from typing import Any, Mapping

from exam_content.model import ListeningTask


def objective_points(manifest, key: Mapping[str, Any], variant_number: int,
                     responses: Mapping[str, Any]) -> dict[str, int]:
    variant = next(v for v in manifest.variants if v.number == variant_number)
    try:
        from exam_content import scoring as content_scoring  # format 2 and later
    except ImportError:  # pragma: no cover - the format-1 code base
        content_scoring = None
    if content_scoring is not None and hasattr(content_scoring, "score_objective"):
        given = content_scoring.answers_of_responses(responses)
        return {t.task_number: t.points for t in content_scoring.score_objective(key, variant, given)}
    answers = (key.get("answers") or {}).get(str(variant_number), {})
    given = responses.get("listening_answers") or {}
    out = {}
    for task in variant.tasks:
        if isinstance(task, ListeningTask):
            right = answers.get(task.id, {})
            got = given.get(task.id, {})
            out[task.number] = sum(1 for qid, idx in right.items() if got.get(qid) == idx)
    return out
