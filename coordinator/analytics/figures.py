"""The figures of one subject's results, the way «Аналитика» of ФИС ОКО shows them and
schools read them. Pure functions over the results the school holds (codes, classes,
points, marks, journal marks); no I/O.

* distribution of marks 2-5 (counts and %), quality (4 and 5) and pass rate (3-5);
* the primary-score histogram with the mark boundaries and an objectivity flag;
* success per task (mean points / maximum) with the "sufficient" thresholds: basic (Б)
  tasks >= 60 %, advanced (П) >= 30 %;
* ВПР mark against the journal mark: lowered / confirmed / raised, and everyone whose
  marks differ by 2 or more;
* every group under 10 participants carries ``too_few`` (counts are shown, percentages
  are not compared).

The objectivity flag (documented in docs/analytics.md): the methodology of ФИС ОКО /
Рособрнадзор for signs of biased results looks for "peaks" of the primary-score
distribution at the minimum score of a mark, most of all at the boundary of 3 (pulled up
from 2). Here a boundary ``b`` is flagged when at least 3 participants scored ``b`` or
``b+1`` and the mean count of those two scores is at least twice the mean count of the two
scores just below (``b-1``, ``b-2``; a mean under 1 counts as 1).
"""

from __future__ import annotations

from dataclasses import dataclass

SUFFICIENT = {"Б": 60.0, "П": 30.0}
MIN_GROUP = 10


@dataclass(frozen=True)
class Row:
    """One participant's result as analytics needs it (no name)."""

    code: str
    class_name: str
    points: tuple[int | None, ...]
    primary: int
    mark: int
    journal_mark: int | None


@dataclass(frozen=True)
class Marks:
    n: int
    counts: dict[int, int]
    percent: dict[int, float]
    quality: float | None     # % of 4 and 5
    pass_rate: float | None   # % of 3, 4 and 5
    too_few: bool


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def marks(rows: list[Row]) -> Marks:
    n = len(rows)
    counts = {m: sum(1 for r in rows if r.mark == m) for m in (2, 3, 4, 5)}
    return Marks(n, counts, {m: _pct(c, n) or 0.0 for m, c in counts.items()},
                 _pct(counts[4] + counts[5], n), _pct(counts[3] + counts[4] + counts[5], n), n < MIN_GROUP)


@dataclass(frozen=True)
class Histogram:
    max_score: int
    counts: tuple[int, ...]                 # index = primary score
    boundaries: tuple[tuple[int, int], ...]  # (mark, minimum score)
    flagged: tuple[tuple[int, int], ...]     # (mark, score) boundaries that stand out


def histogram(rows: list[Row], max_score: int, scale: tuple[tuple[int, int], ...]) -> Histogram:
    counts = [0] * (max_score + 1)
    for r in rows:
        counts[min(max(r.primary, 0), max_score)] += 1
    flagged = []
    for mark, b in scale:
        at = counts[b] + (counts[b + 1] if b + 1 <= max_score else 0)
        below = [counts[s] for s in (b - 1, b - 2) if s >= 0]
        base = max(1.0, sum(below) / len(below)) if below else 1.0
        if at >= 3 and at >= 2 * base * (2 if b + 1 <= max_score else 1):
            flagged.append((mark, b))
    return Histogram(max_score, tuple(counts), tuple(scale), tuple(flagged))


@dataclass(frozen=True)
class TaskSuccess:
    number: str
    level: str
    max_points: int
    percent: float | None       # mean points / max, over participants who did the work
    threshold: float
    sufficient: bool | None


def task_success(rows: list[Row], tasks: list[tuple[str, int, str]]) -> list[TaskSuccess]:
    """``tasks``: (number, max points, level "Б"/"П") in the order of ``Row.points``."""
    out = []
    for i, (number, max_points, level) in enumerate(tasks):
        got = [(r.points[i] or 0) for r in rows if i < len(r.points)]  # "X" (not done) counts 0
        percent = _pct(sum(got), len(got) * max_points) if got and max_points else None
        threshold = SUFFICIENT.get(level, 60.0)
        out.append(TaskSuccess(number, level, max_points, percent, threshold,
                               None if percent is None else percent >= threshold))
    return out


@dataclass(frozen=True)
class JournalComparison:
    n: int                      # participants with a journal mark
    lowered: int
    confirmed: int
    raised: int
    percent: dict[str, float | None]
    far: tuple[Row, ...]        # |ВПР mark - journal mark| >= 2
    too_few: bool


def vs_journal(rows: list[Row]) -> JournalComparison:
    with_mark = [r for r in rows if r.journal_mark is not None]
    lowered = sum(1 for r in with_mark if r.mark < r.journal_mark)
    raised = sum(1 for r in with_mark if r.mark > r.journal_mark)
    confirmed = len(with_mark) - lowered - raised
    n = len(with_mark)
    return JournalComparison(n, lowered, confirmed, raised,
                             {"lowered": _pct(lowered, n), "confirmed": _pct(confirmed, n), "raised": _pct(raised, n)},
                             tuple(r for r in with_mark if abs(r.mark - r.journal_mark) >= 2), n < MIN_GROUP)


@dataclass(frozen=True)
class CriterionSuccess:
    task_number: str
    criterion: str
    title: str
    max_points: int
    percent: float | None
    n: int


def criterion_success(finals: list[tuple[str, dict[str, int]]],
                      criteria: dict[str, list[tuple[str, str, int]]]) -> list[CriterionSuccess]:
    """``finals``: (task number, points per criterion) of every final spoken-task score;
    ``criteria``: task number -> [(id, title, max points)]."""
    out = []
    for task, crits in sorted(criteria.items()):
        scored = [p for t, p in finals if t == task]
        for cid, title, mx in crits:
            vals = [p.get(cid, 0) for p in scored]
            out.append(CriterionSuccess(task, cid, title, mx, _pct(sum(vals), len(vals) * mx) if vals and mx else None,
                                        len(vals)))
    return out
