"""The scoring report for the coordinator (``vpr-node scoring status / export`` and the
console): progress per task, the experts' figures, kappa per task; as a dict (JSON),
and as an xlsx or CSV file with the same numbers."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path

from coordinator.school.store import SchoolStore
from coordinator.school.subjects import get_subject
from coordinator.scoring import stats, work
from coordinator.scoring.errors import ScoringError
from coordinator.scoring.store import ScoringStore
from vpr_common.text import safe_row


def status(scoring: ScoringStore, school: SchoolStore, subject_id: str) -> dict:
    """``{"responses", "tasks": [{task, to_score, final, discrepancies, ...}], "experts": [{login, scored, ...}],
    "adjudication"}`` (the keys ``vpr-node scoring status --json`` promises)."""
    subject = get_subject(school, subject_id)
    maxima = {t.number: t.max_points for t in subject.tasks}
    kappa = stats.kappa_by_task(scoring, subject_id, maxima)
    tasks = []
    for t in stats.progress(scoring, subject_id):
        k, pairs = kappa.get(t.task_number, (None, 0))
        tasks.append({"task": t.task_number, "responses": t.responses, "to_score": t.to_score,
                      "first_done": t.first_done, "second_pending": t.second_pending,
                      "discrepancies": t.adjudication, "final": t.final, "kappa": k, "double_marked_pairs": pairs})
    return {"subject": subject_id, "title": subject.title, "responses": sum(t["responses"] for t in tasks),
            "tasks": tasks, "experts": [asdict(e) for e in stats.experts(scoring, subject_id)],
            "adjudication": len(work.adjudication_queue(scoring, subject_id))}


TASK_COLUMNS = [("task", "Задание"), ("responses", "Ответов"), ("to_score", "Не оценено"),
                ("first_done", "Первая проверка"), ("second_pending", "Ждут второй"), ("discrepancies", "У ведущего"),
                ("final", "Итог"), ("kappa", "Каппа (квадр.)"), ("double_marked_pairs", "Пар двойной проверки")]
EXPERT_COLUMNS = [("login", "Эксперт"), ("scored", "Оценено"), ("median_s", "Медиана, с"), ("exact", "Точное согласие"),
                  ("adjacent", "Согласие ±1"), ("seeding", "Контрольные: точность"), ("seeds", "Контрольных"),
                  ("severity", "Строгость (± балла)"), ("qualification", "Квалификация"), ("paused", "Приостановлен")]


def export(scoring: ScoringStore, school: SchoolStore, subject_id: str, path: Path) -> Path:
    """Write the report as ``.xlsx`` (two sheets) or ``.csv`` (both tables one after
    the other). Raises :class:`ScoringError` for another extension."""
    data = status(scoring, school, subject_id)
    tables = [("Задания", TASK_COLUMNS, data["tasks"]), ("Эксперты", EXPERT_COLUMNS, data["experts"])]
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # only this command loads it

        wb = Workbook()
        wb.remove(wb.active)
        for title, cols, rows in tables:
            ws = wb.create_sheet(title)
            ws.append(safe_row([data["title"]]))
            ws.append(safe_row(c[1] for c in cols))
            for row in rows:
                ws.append(safe_row(row.get(k) for k, _ in cols))
        wb.save(path)
    elif path.suffix.lower() == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh, delimiter=";")
            for title, cols, rows in tables:
                w.writerow(safe_row([f"{data['title']}: {title}"]))
                w.writerow(safe_row(c[1] for c in cols))
                for row in rows:
                    w.writerow(safe_row(row.get(k) for k, _ in cols))
                w.writerow([])
    else:
        raise ScoringError(f"bad extension {path.suffix}", message_ru="Отчёт можно сохранить как .xlsx или .csv.",
                           remedy_ru="Укажите имя файла с расширением .xlsx или .csv.")
    return path
