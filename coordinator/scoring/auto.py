"""Automatic scoring of the objective tasks of one response package from the answer
key: points per task number (``{"1": 4, "4": 5, ...}``). The rules live in
:mod:`exam_content.scoring` (listening, matching, multiple choice and typed answers;
either answer-key format)."""

from __future__ import annotations

from typing import Any, Mapping

from exam_content import scoring as content_scoring


def objective_points(manifest, key: Mapping[str, Any], variant_number: int,
                     responses: Mapping[str, Any]) -> dict[str, int]:
    variant = next(v for v in manifest.variants if v.number == variant_number)
    given = content_scoring.answers_of_responses(responses)
    return {t.number: t.points for t in content_scoring.score_objective(key, variant, given)}
