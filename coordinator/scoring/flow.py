"""Scores into the school's results form: for every participant whose package was
prepared, the objective tasks' automatic points and the oral tasks' final scores, once
every task of the subject has its points; the row's source is "expert" (shown in the
form). A participant marked absent, or whose code is no longer valid, is not touched.
Only rows whose points changed are written."""

from __future__ import annotations

import json
from dataclasses import dataclass

from coordinator.school import results as school_results
from coordinator.school.codes import CodeStatus
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import get_subject
from coordinator.scoring.store import ScoringStore


@dataclass(frozen=True)
class FlowReport:
    stored: int
    complete: int
    waiting: int                 # participants with some task still unscored
    unscored_tasks: dict         # task number -> participants waiting for it
    skipped_absent: int
    skipped_unknown_code: int


def points_by_participant(scoring: ScoringStore, subject_id: str) -> dict[str, tuple[int, dict[str, int]]]:
    """``{code: (variant, {task number: points})}`` from what scoring knows so far."""
    out: dict[str, tuple[int, dict[str, int]]] = {}
    for p in scoring.query("SELECT * FROM prepared WHERE subject_id=?", (subject_id,)):
        out[p["participant_code"]] = (int(p["variant"]), dict(json.loads(p["objective_json"] or "{}")))
    for r in scoring.query("SELECT r.participant_code, r.task_number, f.total FROM responses r JOIN finals f "
                           "ON f.response_id=r.id WHERE r.subject_id=?", (subject_id,)):
        if r["participant_code"] in out:
            out[r["participant_code"]][1][r["task_number"]] = int(r["total"])
    return out


def to_results(scoring: ScoringStore, school: SchoolStore, subject_id: str,
               codes: set[str] | None = None) -> FlowReport:
    """Write the complete rows (of ``codes`` only, when given) into the results form."""
    subject = get_subject(school, subject_id)
    numbers = [t.number for t in subject.tasks]
    states = school_results.code_states(school)
    existing = {r.code: r for r in school_results.list_results(school, subject)}
    entries, waiting, absent, unknown, complete = [], 0, 0, 0, 0
    unscored: dict[str, int] = {}
    for code, (variant, points) in sorted(points_by_participant(scoring, subject_id).items()):
        if codes is not None and code not in codes:
            continue
        if states.get(code) is not CodeStatus.ACTIVE:
            unknown += 1
            continue
        old = existing.get(code)
        if old is not None and old.status is school_results.ResultStatus.ABSENT:
            absent += 1
            continue
        missing = [n for n in numbers if n not in points]
        if missing:
            waiting += 1
            for n in missing:
                unscored[n] = unscored.get(n, 0) + 1
            continue
        complete += 1
        row = tuple(points[n] for n in numbers)
        if old is None or tuple(old.points) != row or old.variant != variant:
            entries.append(school_results.Entry(code, variant, row))
    if entries:
        school_results.save_entries(school, subject, entries, school_results.Source.EXPERT)
    return FlowReport(len(entries), complete, waiting, unscored, absent, unknown)
