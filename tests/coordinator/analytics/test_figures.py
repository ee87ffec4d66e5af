"""The analytics figures against a small school computed by hand (12 participants in
two classes, 3 tasks, total 10, scale 3 from 4, 4 from 6, 5 from 8)."""

from __future__ import annotations

from coordinator.analytics import figures as fg

SCALE = ((3, 4), (4, 6), (5, 8))
TASKS = [("1", 2, "Б"), ("2", 3, "Б"), ("3", 5, "П")]


def _row(code, cls, pts, journal):
    primary = sum(pts)
    mark = 2 + sum(primary >= b for _, b in SCALE)
    return fg.Row(code, cls, pts, primary, mark, journal)


ROWS = [_row("a1", "8А", (2, 3, 5), 5), _row("a2", "8А", (2, 3, 3), 4), _row("a3", "8А", (2, 2, 2), 4),
        _row("a4", "8А", (1, 2, 1), 5), _row("a5", "8А", (1, 2, 1), 3), _row("a6", "8А", (0, 1, 0), 3),
        _row("a7", "8А", (2, 2, 0), None),
        _row("b1", "8Б", (2, 3, 1), 4), _row("b2", "8Б", (1, 3, 0), 2), _row("b3", "8Б", (2, 1, 1), 3),
        _row("b4", "8Б", (0, 0, 0), 4), _row("b5", "8Б", (1, 1, 2), 3)]


def test_marks_quality_and_pass_rate_by_hand():
    m = fg.marks(ROWS)
    assert m.n == 12 and m.counts == {2: 2, 3: 6, 4: 2, 5: 2}
    assert m.percent == {2: 16.7, 3: 50.0, 4: 16.7, 5: 16.7}
    assert (m.quality, m.pass_rate, m.too_few) == (33.3, 83.3, False)
    small = fg.marks([r for r in ROWS if r.class_name == "8Б"])
    assert small.n == 5 and small.too_few  # under 10: counts shown, percentages not compared


def test_histogram_and_the_peak_at_the_boundary_of_three():
    h = fg.histogram(ROWS, 10, SCALE)
    assert h.counts == (1, 1, 0, 0, 6, 0, 2, 0, 1, 0, 1)
    # at 4-5: 6 participants (mean 3) against 0 at 2-3 (mean taken as 1): flagged; 6-7 and 8-9 have under 3
    assert h.flagged == ((3, 4),)


def test_task_success_with_thresholds_by_hand():
    t = fg.task_success(ROWS, TASKS)
    assert [(x.number, x.percent, x.threshold, x.sufficient) for x in t] == [
        ("1", 66.7, 60.0, True), ("2", 63.9, 60.0, True), ("3", 26.7, 30.0, False)]


def test_vpr_mark_against_the_journal_by_hand():
    j = fg.vs_journal(ROWS)
    assert (j.n, j.lowered, j.confirmed, j.raised) == (11, 3, 6, 2)
    assert j.percent == {"lowered": 27.3, "confirmed": 54.5, "raised": 18.2}
    assert sorted(r.code for r in j.far) == ["a4", "b4"]


def test_criterion_success_of_spoken_tasks():
    finals = [("3", {"К1": 3, "К2": 1}), ("3", {"К1": 1, "К2": 0}), ("2", {"К1": 2})]
    out = fg.criterion_success(finals, {"2": [("К1", "Чтение", 2)], "3": [("К1", "Задача", 3), ("К2", "Связность", 1)]})
    assert [(c.task_number, c.criterion, c.percent, c.n) for c in out] == [
        ("2", "К1", 100.0, 1), ("3", "К1", 66.7, 2), ("3", "К2", 50.0, 2)]
