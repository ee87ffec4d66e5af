"""One subject's analytics report (for the school, a class, or a group of classes): the
figures of :mod:`coordinator.analytics.figures` for the whole selection and per class,
success per criterion of the spoken tasks and the experts' agreement (from scoring), and
- only with the protocol unlocked - the names of those whose ВПР mark differs from the
journal mark by 2 or more. Reads the school's and scoring's stores.

The journal marks are encrypted with the protocol (issue 20): the ВПР-vs-journal
comparison needs the protocol's key too; without it ``journal_locked`` says so and the
comparison is empty (the page and the files say «откройте протокол»)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from coordinator.analytics import figures as fg
from coordinator.school import protocol as school_protocol
from coordinator.school import results as school_results
from coordinator.school.settings import get_info
from coordinator.school.store import SchoolStore, class_sort_key
from coordinator.school.subjects import get_subject
from coordinator.scoring import stats as scoring_stats
from coordinator.scoring.store import ScoringStore


@dataclass
class ClassFigures:
    class_name: str
    marks: fg.Marks
    journal: fg.JournalComparison


@dataclass
class Report:
    school: str
    subject_id: str
    title: str
    selection: str                      # "школа" or the classes
    rows: list[fg.Row]
    marks: fg.Marks
    histogram: fg.Histogram
    tasks: list[fg.TaskSuccess]
    journal: fg.JournalComparison
    classes: list[ClassFigures]
    criteria: list[fg.CriterionSuccess] = field(default_factory=list)
    experts: list = field(default_factory=list)   # scoring.stats.ExpertStats
    kappa: dict = field(default_factory=dict)     # task -> (kappa, pairs)
    names: dict[str, str] = field(default_factory=dict)  # code -> name, only with the protocol unlocked
    absent: int = 0
    journal_locked: bool = False  # journal marks stored, but no key to read them


def _rows(school: SchoolStore, subject, classes: list[str] | None, key) -> tuple[list[fg.Row], int]:
    rows, absent = [], 0
    for r in school_results.list_results(school, subject, key=key):
        if classes and r.class_name not in classes:
            continue
        if r.status is school_results.ResultStatus.ABSENT:
            absent += 1
            continue
        if r.primary is None or r.mark is None:
            continue
        rows.append(fg.Row(r.code, r.class_name, tuple(r.points), r.primary, r.mark, r.journal_mark))
    return rows, absent


def build(school: SchoolStore, subject_id: str, classes: list[str] | None = None,
          scoring: ScoringStore | None = None, protocol_key=None, *, names: bool = True) -> Report:
    """The report; ``protocol_key`` (the protocol unlocked) adds the journal comparison
    and, with ``names``, the pupils' names."""
    subject = get_subject(school, subject_id)
    rows, absent = _rows(school, subject, classes, protocol_key)
    tasks = [(t.number, t.max_points, t.level.value) for t in subject.tasks]
    report = Report(get_info(school).name or "", subject.id, subject.title,
                    ", ".join(classes) if classes else "школа", rows, fg.marks(rows),
                    fg.histogram(rows, subject.max_total, subject.scale), fg.task_success(rows, tasks),
                    fg.vs_journal(rows), [], absent=absent,
                    journal_locked=school_results.journal_locked(school, protocol_key))
    by_class: dict[str, list[fg.Row]] = {}
    for r in rows:
        by_class.setdefault(r.class_name, []).append(r)
    report.classes = [ClassFigures(c, fg.marks(rs), fg.vs_journal(rs))
                      for c, rs in sorted(by_class.items(), key=lambda kv: class_sort_key(kv[0]))]
    if scoring is not None:
        _add_scoring(report, scoring, subject, {r.code for r in rows})
    if protocol_key is not None and names:
        report.names = {e.code: e.name for e in school_protocol.entries(school, protocol_key) if e.code}
    return report


def _add_scoring(report: Report, scoring: ScoringStore, subject, codes: set[str]) -> None:
    linked = scoring.one("SELECT 1 FROM links WHERE subject_id=?", (subject.id,))
    if not linked:
        return
    finals, criteria = [], {}
    for r in scoring.query("SELECT r.participant_code, r.task_number, r.id, f.criteria_json FROM responses r "
                           "JOIN finals f ON f.response_id=r.id WHERE r.subject_id=?", (subject.id,)):
        if r["participant_code"] in codes:
            finals.append((r["task_number"], json.loads(r["criteria_json"])))
        if r["task_number"] not in criteria:
            from coordinator.scoring.work import rubric_for  # opens the exam package (numpy): only here

            rubric = rubric_for(scoring, r["id"])
            criteria[r["task_number"]] = [(c.id, c.title, c.max_points) for c in rubric.criteria]
    report.criteria = fg.criterion_success(finals, criteria)
    report.experts = scoring_stats.experts(scoring, subject.id)
    report.kappa = scoring_stats.kappa_by_task(scoring, subject.id, {t.number: t.max_points for t in subject.tasks})
