"""``vpr-node status`` and absentees (issue 21): a participant the school marked absent
is not listed as missing an answer until their reserve day comes."""

from __future__ import annotations

from datetime import date, timedelta

from coordinator.node import monitoring
from coordinator.node.storage import NodeStore
from coordinator.school import codes, results, roster, schedule, subjects
from coordinator.school.store import SchoolStore


def test_absentees_are_not_missing(tmp_path):
    data = tmp_path / "node"
    with SchoolStore(data) as s:
        roster.add_counts(s, {"8А": 3})
        codes.generate(s)
        subjects.save_subjects(s, subjects.read_subjects_file(subjects.demo_subjects_path()))
        eng8 = subjects.get_subject(s, "eng8")
        today = date.today()
        schedule.set_item(s, "eng8", today.isoformat(), (today + timedelta(days=1)).isoformat(),
                          [(today + timedelta(days=7)).isoformat()])
        a, b, c = [x.code for x in codes.active_codes(s)]
        results.mark_absent(s, eng8, a, "болезнь", (today + timedelta(days=7)).isoformat())
    status = monitoring.build_status(NodeStore(data))
    assert sorted(status["missing_codes"]) == sorted([b, c])
    assert status["absent_codes"] == {a: f"eng8: болезнь, резервный день {(today + timedelta(days=7)):%d.%m.%Y}"}
    text = monitoring.render_status(status)
    assert f"Отсутствуют, ответов не ждём (1): {a} (eng8: болезнь, резервный день" in text
    assert a not in text.split("Нет ответов от кодов")[1].splitlines()[0]
    # the upload deadline as a countdown
    assert "Загрузка результатов в ФИС ОКО:\n  ВПР 2026 Английский язык 8 класс: не загружено; до конца загрузки" in text
