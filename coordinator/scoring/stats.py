"""Figures of scoring: progress per task (to score, first reading done, second pending,
in adjudication, final); per expert: responses scored, median time per response,
exact and adjacent agreement with other experts on double-marked responses, seeding
accuracy, severity (mean signed difference of the expert's total from the final total);
per task: quadratic weighted kappa of first vs second readings."""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass

from coordinator.scoring.store import ScoringStore
from coordinator.scoring.work import LIVE_PURPOSES, Purpose, State


@dataclass(frozen=True)
class TaskProgress:
    task_number: str
    responses: int
    to_score: int
    first_done: int
    second_pending: int
    adjudication: int
    final: int


@dataclass(frozen=True)
class ExpertStats:
    login: str
    scored: int
    median_s: float | None
    exact: float | None        # share of criteria equal to the other reader's (double-marked)
    adjacent: float | None     # share within 1 point
    seeding: float | None      # share of criteria equal to the definitive score on seeds
    seeds: int
    severity: float | None     # mean (own total - final total) over own live readings with a final
    qualification: str
    paused: str


def _pts(text: str | None) -> dict:
    return json.loads(text) if text else {}


def progress(store: ScoringStore, subject_id: str) -> list[TaskProgress]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in store.query("SELECT task_number, state, COUNT(*) FROM responses WHERE subject_id=? "
                         "GROUP BY task_number, state", (subject_id,)):
        counts[r[0]][r[1]] += r[2]
    first: dict[str, int] = defaultdict(int)
    for r in store.query("SELECT r.task_number, COUNT(DISTINCT x.response_id) FROM readings x JOIN responses r "
                         "ON r.id=x.response_id WHERE r.subject_id=? AND x.purpose IN (?,?) GROUP BY r.task_number",
                         (subject_id, *LIVE_PURPOSES)):
        first[r[0]] = r[1]
    out = []
    for task, c in sorted(counts.items(), key=lambda kv: _num(kv[0])):
        out.append(TaskProgress(task, sum(c.values()), c[State.OPEN.value], first[task], c[State.SECOND.value],
                                c[State.ADJUDICATION.value], c[State.FINAL.value] + c[State.DEFINITIVE.value]))
    return out


def _num(task: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in task.split("."))


def experts(store: ScoringStore, subject_id: str) -> list[ExpertStats]:
    rows = store.query("SELECT x.*, r.task_number FROM readings x JOIN responses r ON r.id=x.response_id "
                       "WHERE r.subject_id=? ORDER BY x.id", (subject_id,))
    by_response: dict[str, list] = defaultdict(list)
    for r in rows:
        if r["purpose"] in LIVE_PURPOSES and not r["flag"]:
            by_response[r["response_id"]].append(r)
    finals = {r["response_id"]: r["total"] for r in store.query(
        "SELECT f.response_id, f.total FROM finals f JOIN responses r ON r.id=f.response_id WHERE r.subject_id=?",
        (subject_id,))}
    definitive = {r["response_id"]: _pts(r["criteria_json"]) for r in store.query(
        "SELECT d.response_id, d.criteria_json FROM definitive d JOIN responses r ON r.id=d.response_id "
        "WHERE r.subject_id=?", (subject_id,))}
    acc: dict[str, dict] = defaultdict(lambda: {"scored": 0, "times": [], "pairs": [0, 0, 0], "seed": [0, 0, 0],
                                                "sev": []})
    for r in rows:
        a = acc[r["login"]]
        if r["purpose"] in LIVE_PURPOSES:
            a["scored"] += 1
            a["times"].append(r["seconds"])
            if r["response_id"] in finals and r["total"] is not None and r["response_id"] not in definitive:
                a["sev"].append(r["total"] - finals[r["response_id"]])
        elif r["purpose"] == Purpose.SEED.value:
            ref, mine = definitive.get(r["response_id"], {}), _pts(r["criteria_json"])
            a["seed"][2] += 1
            for cid, v in ref.items():
                a["seed"][1] += 1
                a["seed"][0] += mine.get(cid) == v
    for reads in by_response.values():
        if len(reads) < 2:
            continue
        first, second = _pts(reads[0]["criteria_json"]), _pts(reads[1]["criteria_json"])
        for login in (reads[0]["login"], reads[1]["login"]):
            p = acc[login]["pairs"]
            for cid, v in first.items():
                p[2] += 1
                p[0] += second.get(cid) == v
                p[1] += abs(second.get(cid, -99) - v) <= 1
    states = {r["login"]: r for r in store.query("SELECT * FROM experts WHERE subject_id=?", (subject_id,))}
    out = []
    for login in sorted(set(acc) | set(states)):
        a = acc[login]
        st = states.get(login)
        out.append(ExpertStats(
            login, a["scored"], round(statistics.median(a["times"]), 1) if a["times"] else None,
            round(a["pairs"][0] / a["pairs"][2], 3) if a["pairs"][2] else None,
            round(a["pairs"][1] / a["pairs"][2], 3) if a["pairs"][2] else None,
            round(a["seed"][0] / a["seed"][1], 3) if a["seed"][1] else None, a["seed"][2],
            round(statistics.mean(a["sev"]), 2) if a["sev"] else None,
            st["qualification"] if st else "none", (st["paused_reason"] or "") if st else ""))
    return out


def quadratic_weighted_kappa(a: list[int], b: list[int], low: int, high: int) -> float | None:
    """Cohen's kappa with quadratic weights for two raters' integer ratings in
    ``low..high``; ``None`` when undefined (fewer than 2 pairs, or no variation)."""
    if len(a) != len(b) or len(a) < 2:
        return None
    low, high = min([low, *a, *b]), max([high, *a, *b])
    k = high - low + 1
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b):
        observed[x - low][y - low] += 1
    n = float(len(a))
    hist_a = [sum(row) for row in observed]
    hist_b = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = ((i - j) ** 2) / ((k - 1) ** 2) if k > 1 else 0.0
            num += w * observed[i][j] / n
            den += w * hist_a[i] * hist_b[j] / (n * n)
    if den == 0:
        return None
    return round(1.0 - num / den, 3)


def kappa_by_task(store: ScoringStore, subject_id: str, max_points: dict[str, int]) -> dict[str, tuple]:
    """``{task: (kappa or None, pairs)}`` of first vs second readings' totals."""
    reads: dict[str, list] = defaultdict(list)
    for r in store.query("SELECT x.response_id, x.total, r.task_number FROM readings x JOIN responses r "
                         "ON r.id=x.response_id WHERE r.subject_id=? AND x.purpose IN (?,?) AND x.flag='' "
                         "AND x.total IS NOT NULL ORDER BY x.id", (subject_id, *LIVE_PURPOSES)):
        reads[r["response_id"]].append((r["task_number"], r["total"]))
    pairs: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for items in reads.values():
        if len(items) >= 2:
            task = items[0][0]
            pairs[task][0].append(items[0][1])
            pairs[task][1].append(items[1][1])
    return {task: (quadratic_weighted_kappa(a, b, 0, max_points.get(task, max(a + b))), len(a))
            for task, (a, b) in pairs.items()}
