"""Who scores what, and what happens to a score: leases, readings, double marking,
adjudication, standardisation (definitive scores, qualification), seeding.

* **Next response** (:func:`next_response`): an expert who is paused or not yet
  qualified (when a qualification set exists) gets none. Otherwise: the response they
  hold already; every ``seed_every`` live readings a definitive response of the task
  reappears unannounced (a seed); else a response waiting for its second reading (never
  the first reader's own), else one nobody has read - in random order, never one that
  another expert holds. A hold (lease) ends after ``lease_s``; the response returns.
* **Submit** (:func:`submit`) commits at once (a node restart loses nothing). A first
  reading of a response not chosen for double marking is final. A second reading
  inside tolerance makes the final by the subject's rule, outside it sends the response
  to the lead expert, who sees both readings and whose score is final. A flagged
  reading (silence, noise, wrong task, technical fault) goes to the lead expert too.
* **Definitive scores**: the lead expert scores chosen responses definitively and
  classes each as practice, qualification or seed; such a response's final is the
  definitive score and it is not handed out as a live response.
* **Qualification**: an expert scores the qualification set in a fixed order; approved
  when within tolerance (every criterion within 1 point, >= 80 % of criteria exact),
  with feedback on each difference. **Seeding**: an expert whose recent seeds drift out
  of tolerance is paused and told why; the lead expert resumes them.
* A final score changes only by the lead expert, with a reason (``final_changes``).

Every function is blocking (SQLite); the console calls them in worker threads.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from coordinator.scoring import content, rubric as rb, settings
from coordinator.scoring.errors import (BadScoreError, LeaseLostError, NothingToScoreError, PausedError,
                                        QualificationRequiredError, ScoringError)
from coordinator.scoring.store import ScoringStore


class Purpose(str, Enum):
    LIVE = "live"                    # a first reading
    SECOND = "second"                # the second reading of a double-marked response
    SEED = "seed"                    # a definitive response shown as if live
    QUALIFICATION = "qualification"
    PRACTICE = "practice"
    ADJUDICATION = "adjudication"    # the lead expert's final decision


class Set(str, Enum):
    """What a definitive response is used for."""

    PRACTICE = "practice"
    QUALIFICATION = "qualification"
    SEED = "seed"


class State(str, Enum):
    """Where a response stands (kept on the response, so handing out is one indexed look-up)."""

    OPEN = "open"                  # no live reading yet
    SECOND = "second"              # one live reading; chosen for double marking, waiting for another expert
    ADJUDICATION = "adjudication"  # flagged, or two readings out of tolerance: the lead expert decides
    FINAL = "final"
    DEFINITIVE = "definitive"      # scored definitively by the lead expert (practice, qualification, seed)


class Flag(str, Enum):
    SILENT = "silent"
    NOISE = "noise"
    WRONG_TASK = "wrong_task"
    TECHNICAL = "technical"


FLAG_RU = {Flag.SILENT: "ответа не слышно", Flag.NOISE: "шум мешает оценить", Flag.WRONG_TASK: "ответ не на это задание",
           Flag.TECHNICAL: "техническая неисправность записи"}
LIVE_PURPOSES = (Purpose.LIVE.value, Purpose.SECOND.value)


@dataclass(frozen=True)
class Assignment:
    response_id: str
    purpose: Purpose
    task_number: str


@dataclass(frozen=True)
class SubmitResult:
    response_id: str
    total: int | None
    outcome: str          # "final", "waiting_second", "adjudication", "recorded"
    feedback: dict | None = None   # practice: the definitive score to compare


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def rubric_for(store: ScoringStore, response_id: str) -> rb.Rubric:
    row = store.one("SELECT task_id, variant, content_package_id FROM responses WHERE id=?", (response_id,))
    if row is None:
        raise ScoringError(f"no response {response_id}", message_ru="Такого ответа нет.",
                           remedy_ru="Вернитесь к списку заданий.")
    exam = content.package(store, row["content_package_id"] or "")
    if exam is None:
        raise ScoringError("content not loaded", message_ru="Материалы этого ответа не загружены для оценивания.",
                           remedy_ru="Координатор: vpr-node scoring load ПАКЕТ.zip")
    variant = next(v for v in exam.manifest.variants if v.number == row["variant"])
    task = next(t for t in variant.tasks if t.id == row["task_id"])
    return rb.rubric_of(task)


# -- the expert's state --------------------------------------------------------------------
def _expert(store: ScoringStore, subject_id: str, login: str):
    with store.tx() as db:
        db.execute("INSERT OR IGNORE INTO experts(subject_id, login) VALUES(?,?)", (subject_id, login))
    return store.one("SELECT * FROM experts WHERE subject_id=? AND login=?", (subject_id, login))


def qualification_set(store: ScoringStore, subject_id: str) -> list[str]:
    return [r[0] for r in store.query(
        "SELECT d.response_id FROM definitive d JOIN responses r ON r.id=d.response_id "
        "WHERE r.subject_id=? AND d.purpose=? ORDER BY r.task_number, d.response_id",
        (subject_id, Set.QUALIFICATION.value))]


def may_score_live(store: ScoringStore, subject_id: str, login: str, lead: bool = False) -> None:
    """Raises :class:`PausedError` or :class:`QualificationRequiredError`."""
    ex = _expert(store, subject_id, login)
    if ex["paused_reason"]:
        raise PausedError(f"{login} paused", remedy_ru=f"{ex['paused_reason']} Обратитесь к ведущему эксперту.")
    if not lead and qualification_set(store, subject_id) and ex["qualification"] != "approved":
        raise QualificationRequiredError(f"{login} not qualified")


def _clean_leases(db, now: float) -> None:
    db.execute("DELETE FROM leases WHERE expires < ?", (now,))


def _lease(db, response_id: str, login: str, purpose: Purpose, now: float, qc: settings.QcSettings) -> Assignment:
    db.execute("INSERT OR REPLACE INTO leases(response_id, login, purpose, expires, started) VALUES(?,?,?,?,?)",
               (response_id, login, purpose.value, now + qc.lease_s, now))
    task = db.execute("SELECT task_number FROM responses WHERE id=?", (response_id,)).fetchone()[0]
    return Assignment(response_id, purpose, task)


def next_response(store: ScoringStore, subject_id: str, login: str, task_number: str, *, lead: bool = False,
                  now: float | None = None) -> Assignment:
    """The response ``login`` scores next for the task ``task_number`` (see the module
    docstring). Raises :class:`NothingToScoreError`, :class:`PausedError`,
    :class:`QualificationRequiredError`."""
    now = time.time() if now is None else now
    may_score_live(store, subject_id, login, lead)
    qc = settings.get(store, subject_id)
    with store.tx() as db:
        _clean_leases(db, now)
        held = db.execute(
            "SELECT l.response_id, l.purpose FROM leases l JOIN responses r ON r.id=l.response_id "
            "WHERE l.login=? AND r.subject_id=? AND r.task_number=? AND l.purpose IN (?,?,?)",
            (login, subject_id, task_number, Purpose.LIVE.value, Purpose.SECOND.value, Purpose.SEED.value)).fetchone()
        if held is not None:
            db.execute("UPDATE leases SET expires=? WHERE response_id=? AND login=?", (now + qc.lease_s, held[0], login))
            return Assignment(held[0], Purpose(held[1]), task_number)
        since = db.execute("SELECT live_since_seed FROM experts WHERE subject_id=? AND login=?",
                           (subject_id, login)).fetchone()
        if qc.seed_every and since and since[0] >= qc.seed_every:
            seed = db.execute(
                "SELECT d.response_id FROM definitive d JOIN responses r ON r.id=d.response_id "
                "WHERE r.subject_id=? AND r.task_number=? AND d.purpose IN (?,?) AND d.response_id NOT IN "
                "(SELECT response_id FROM readings WHERE login=?) ORDER BY r.order_key LIMIT 1",
                (subject_id, task_number, Set.SEED.value, Set.QUALIFICATION.value, login)).fetchone()
            if seed is not None:
                db.execute("UPDATE experts SET live_since_seed=0 WHERE subject_id=? AND login=?", (subject_id, login))
                return _lease(db, seed[0], login, Purpose.SEED, now, qc)
        unleased = "NOT EXISTS (SELECT 1 FROM leases l WHERE l.response_id=r.id)"
        second = db.execute(
            f"SELECT r.id FROM responses r WHERE r.subject_id=? AND r.task_number=? AND r.state=? "
            f"AND r.first_login!=? AND {unleased} ORDER BY r.order_key LIMIT 1",
            (subject_id, task_number, State.SECOND.value, login)).fetchone()
        if second is not None:
            return _lease(db, second[0], login, Purpose.SECOND, now, qc)
        first = db.execute(
            f"SELECT r.id FROM responses r WHERE r.subject_id=? AND r.task_number=? AND r.state=? AND {unleased} "
            "ORDER BY r.order_key LIMIT 1", (subject_id, task_number, State.OPEN.value)).fetchone()
        if first is not None:
            return _lease(db, first[0], login, Purpose.LIVE, now, qc)
    raise NothingToScoreError(f"task {task_number}: nothing for {login}")


def release(store: ScoringStore, login: str, response_id: str) -> None:
    """Give a held response back at once (the expert left it)."""
    with store.tx() as db:
        db.execute("DELETE FROM leases WHERE response_id=? AND login=?", (response_id, login))


def _points(row_json: str | None) -> dict[str, int] | None:
    return json.loads(row_json) if row_json else None


def _set_state(db, response_id: str, state: State) -> None:
    db.execute("UPDATE responses SET state=? WHERE id=?", (state.value, response_id))


def _set_final(db, response_id: str, points: dict, total: int, source: str, login: str,
               state: State = State.FINAL) -> None:
    _set_state(db, response_id, state)
    db.execute("INSERT OR REPLACE INTO finals(response_id, criteria_json, total, source, login, at_utc) "
               "VALUES(?,?,?,?,?,?)", (response_id, json.dumps(points, ensure_ascii=False), total, source, login, _now_iso()))


def submit(store: ScoringStore, subject_id: str, login: str, response_id: str, points: dict, *,
           comment: str = "", flag: str = "", now: float | None = None) -> SubmitResult:
    """Commit one reading of a held response (see the module docstring). Raises
    :class:`LeaseLostError` if ``login`` does not hold it (or another expert holds it
    now), :class:`BadScoreError` for points out of range."""
    now = time.time() if now is None else now
    flag = Flag(flag).value if flag else ""
    rubric = rubric_for(store, response_id)
    checked = rb.check_points(rubric, points) if not flag or any(v not in (None, "") for v in points.values()) else None
    total = rb.total(rubric, checked) if checked is not None else None
    qc = settings.get(store, subject_id)
    with store.tx() as db:
        lease = db.execute("SELECT purpose, started, expires FROM leases WHERE response_id=? AND login=?",
                           (response_id, login)).fetchone()
        if lease is None:
            raise LeaseLostError(f"{login} holds no lease on {response_id}")
        if lease["expires"] < now:
            taken = db.execute("SELECT 1 FROM leases WHERE response_id=? AND login!=? AND expires>=?",
                               (response_id, login, now)).fetchone()
            if taken is not None:
                raise LeaseLostError(f"{response_id} taken over")
        purpose = Purpose(lease["purpose"])
        db.execute("DELETE FROM leases WHERE response_id=? AND login=?", (response_id, login))
        db.execute("INSERT INTO readings(response_id, login, purpose, criteria_json, total, comment, flag, seconds, "
                   "at_utc) VALUES(?,?,?,?,?,?,?,?,?)",
                   (response_id, login, purpose.value, json.dumps(checked, ensure_ascii=False) if checked is not None else None, total,
                    comment.strip()[:1000], flag, round(now - lease["started"], 1), _now_iso()))
        if purpose in (Purpose.LIVE, Purpose.SECOND):
            db.execute("UPDATE experts SET live_since_seed=live_since_seed+1 WHERE subject_id=? AND login=?",
                       (subject_id, login))
        outcome = _after_reading(db, rubric, qc, response_id, purpose, login, checked, total, flag)
    feedback = None
    if purpose is Purpose.SEED:
        _check_seeds(store, subject_id, login, rubric, qc)
    if purpose is Purpose.PRACTICE:
        d = store.one("SELECT criteria_json, total FROM definitive WHERE response_id=?", (response_id,))
        feedback = {"definitive": _points(d["criteria_json"]), "total": d["total"]} if d else None
    if purpose is Purpose.QUALIFICATION:
        evaluate_qualification(store, subject_id, login)
    return SubmitResult(response_id, total, outcome, feedback)


def _after_reading(db, rubric: rb.Rubric, qc: settings.QcSettings, response_id: str, purpose: Purpose,
                   login: str, points: dict | None, total: int | None, flag: str) -> str:
    if purpose not in (Purpose.LIVE, Purpose.SECOND):
        return "recorded"
    if flag or points is None:
        _set_state(db, response_id, State.ADJUDICATION)
        return "adjudication"
    resp = db.execute("SELECT double_key FROM responses WHERE id=?", (response_id,)).fetchone()
    if purpose is Purpose.LIVE and resp["double_key"] >= qc.double_share:
        _set_final(db, response_id, points, total, "single", login)
        return "final"
    if purpose is Purpose.LIVE:
        db.execute("UPDATE responses SET state=?, first_login=? WHERE id=?", (State.SECOND.value, login, response_id))
        return "waiting_second"
    first = db.execute("SELECT criteria_json FROM readings WHERE response_id=? AND purpose=? AND flag='' "
                       "ORDER BY id LIMIT 1", (response_id, Purpose.LIVE.value)).fetchone()
    a = _points(first["criteria_json"]) if first else None
    if a is None or not rb.within_tolerance(rubric, a, points, qc):
        _set_state(db, response_id, State.ADJUDICATION)
        return "adjudication"
    final = rb.combine(rubric, a, points, qc.within_tolerance)
    _set_final(db, response_id, final, rb.total(rubric, final), f"agreed:{qc.within_tolerance.value}", login)
    return "final"


def settle(store: ScoringStore, subject_id: str) -> int:
    """After the double-marking share was lowered: responses waiting for a second
    reading that would no longer get one take their first reading as final."""
    qc = settings.get(store, subject_id)
    n = 0
    with store.tx() as db:
        rows = db.execute("SELECT id, double_key FROM responses WHERE subject_id=? AND state=?",
                          (subject_id, State.SECOND.value)).fetchall()
        for row in rows:
            if row["double_key"] < qc.double_share:
                continue
            first = db.execute("SELECT criteria_json, total, login FROM readings WHERE response_id=? AND purpose=? "
                               "ORDER BY id LIMIT 1", (row["id"], Purpose.LIVE.value)).fetchone()
            _set_final(db, row["id"], _points(first["criteria_json"]), first["total"], "single", first["login"])
            n += 1
    return n


def adjudication_queue(store: ScoringStore, subject_id: str) -> list[str]:
    """Responses waiting for the lead expert: flagged, or two readings out of tolerance."""
    return [r[0] for r in store.query("SELECT id FROM responses WHERE subject_id=? AND state=? "
                                      "ORDER BY task_number, order_key", (subject_id, State.ADJUDICATION.value))]


def readings_of(store: ScoringStore, response_id: str) -> list[dict]:
    """Every reading of a response (for the lead expert)."""
    return [dict(r, criteria=_points(r["criteria_json"])) for r in store.query(
        "SELECT login, purpose, criteria_json, total, comment, flag, at_utc FROM readings WHERE response_id=? "
        "ORDER BY id", (response_id,))]


def adjudicate(store: ScoringStore, subject_id: str, lead_login: str, response_id: str, points: dict,
               comment: str = "") -> int:
    """The lead expert's final score of a response in the queue; returns its total."""
    rubric = rubric_for(store, response_id)
    checked = rb.check_points(rubric, points)
    total = rb.total(rubric, checked)
    with store.tx() as db:
        db.execute("INSERT INTO readings(response_id, login, purpose, criteria_json, total, comment, flag, seconds, "
                   "at_utc) VALUES(?,?,?,?,?,?,?,?,?)", (response_id, lead_login, Purpose.ADJUDICATION.value,
                                                        json.dumps(checked, ensure_ascii=False), total, comment[:1000], "", 0.0,
                                                        _now_iso()))
        old = db.execute("SELECT criteria_json FROM finals WHERE response_id=?", (response_id,)).fetchone()
        if old is not None:
            raise ScoringError("already final", message_ru="У ответа уже есть итоговый балл.",
                               remedy_ru="Изменить его можно кнопкой «Изменить итоговый балл» с указанием причины.")
        _set_final(db, response_id, checked, total, "lead", lead_login)
    return total


def change_final(store: ScoringStore, lead_login: str, response_id: str, points: dict, reason: str) -> int:
    """Change a final score (the lead expert only, with a reason); returns the new total."""
    if not reason.strip():
        raise BadScoreError("no reason", message_ru="Укажите причину изменения итогового балла.",
                            remedy_ru="Причина попадает в журнал оценивания.")
    rubric = rubric_for(store, response_id)
    checked = rb.check_points(rubric, points)
    total = rb.total(rubric, checked)
    with store.tx() as db:
        old = db.execute("SELECT criteria_json FROM finals WHERE response_id=?", (response_id,)).fetchone()
        db.execute("INSERT INTO final_changes(response_id, old_json, new_json, login, reason, at_utc) "
                   "VALUES(?,?,?,?,?,?)", (response_id, old[0] if old else None, json.dumps(checked, ensure_ascii=False), lead_login,
                                           reason.strip()[:500], _now_iso()))
        _set_final(db, response_id, checked, total, "lead_change", lead_login)
    return total


# -- standardisation -----------------------------------------------------------------------
def set_definitive(store: ScoringStore, subject_id: str, lead_login: str, response_id: str, points: dict,
                   purpose: Set) -> int:
    """The lead expert's definitive score of a response, and what it is used for. The
    response's final score becomes the definitive one."""
    rubric = rubric_for(store, response_id)
    checked = rb.check_points(rubric, points)
    total = rb.total(rubric, checked)
    with store.tx() as db:
        db.execute("INSERT OR REPLACE INTO definitive(response_id, purpose, criteria_json, total, login, at_utc) "
                   "VALUES(?,?,?,?,?,?)", (response_id, Set(purpose).value, json.dumps(checked, ensure_ascii=False), total, lead_login,
                                           _now_iso()))
        db.execute("DELETE FROM leases WHERE response_id=?", (response_id,))
        _set_final(db, response_id, checked, total, "definitive", lead_login, State.DEFINITIVE)
    return total


def definitive_list(store: ScoringStore, subject_id: str) -> list[dict]:
    return [dict(r) for r in store.query(
        "SELECT d.response_id, d.purpose, d.total, r.task_number FROM definitive d JOIN responses r "
        "ON r.id=d.response_id WHERE r.subject_id=? ORDER BY d.purpose, r.task_number", (subject_id,))]


def next_set_response(store: ScoringStore, subject_id: str, login: str, purpose: Purpose,
                      now: float | None = None) -> Assignment | None:
    """The next response of the qualification or practice set ``login`` has not scored
    yet (leased to them), or ``None`` when the set is done."""
    now = time.time() if now is None else now
    kind = Set.QUALIFICATION if purpose is Purpose.QUALIFICATION else Set.PRACTICE
    qc = settings.get(store, subject_id)
    with store.tx() as db:
        row = db.execute(
            "SELECT d.response_id FROM definitive d JOIN responses r ON r.id=d.response_id WHERE r.subject_id=? "
            "AND d.purpose=? AND d.response_id NOT IN (SELECT response_id FROM readings WHERE login=? AND purpose=?) "
            "ORDER BY r.task_number, d.response_id LIMIT 1",
            (subject_id, kind.value, login, purpose.value)).fetchone()
        if row is None:
            return None
        return _lease(db, row[0], login, purpose, now, qc)


@dataclass(frozen=True)
class Qualification:
    state: str                 # "none" (no set), "pending", "approved", "failed"
    done: int
    total: int
    exact_share: float | None
    differences: tuple[dict, ...]   # per criterion that differs: task, criterion, yours, definitive


def evaluate_qualification(store: ScoringStore, subject_id: str, login: str) -> Qualification:
    qc = settings.get(store, subject_id)
    ids = qualification_set(store, subject_id)
    if not ids:
        return Qualification("none", 0, 0, None, ())
    ex = _expert(store, subject_id, login)
    latest: dict[str, dict] = {}
    for r in store.query("SELECT response_id, criteria_json FROM readings WHERE login=? AND purpose=? ORDER BY id",
                         (login, Purpose.QUALIFICATION.value)):
        latest[r["response_id"]] = _points(r["criteria_json"]) or {}
    done = sum(1 for i in ids if i in latest)
    if done < len(ids):
        return Qualification(ex["qualification"] if ex["qualification"] == "approved" else "pending", done, len(ids),
                             None, ())
    exact = n = 0
    worst = 0
    diffs = []
    for rid in ids:
        d = store.one("SELECT d.criteria_json, r.task_number FROM definitive d JOIN responses r ON r.id=d.response_id "
                      "WHERE d.response_id=?", (rid,))
        ref = _points(d["criteria_json"])
        for cid, value in ref.items():
            mine = latest[rid].get(cid)
            n += 1
            exact += mine == value
            gap = abs((mine if mine is not None else -99) - value)
            worst = max(worst, gap)
            if gap:
                diffs.append({"response": rid, "task": d["task_number"], "criterion": cid, "yours": mine,
                              "definitive": value})
    share = exact / n if n else 1.0
    ok = worst <= qc.qualification_max_diff and share >= qc.qualification_exact_share
    state = "approved" if ok else "failed"
    with store.tx() as db:
        db.execute("UPDATE experts SET qualification=?, qualification_json=? WHERE subject_id=? AND login=?",
                   (state, json.dumps({"exact_share": share, "differences": diffs}), subject_id, login))
    return Qualification(state, done, len(ids), share, tuple(diffs))


def retake_qualification(store: ScoringStore, subject_id: str, login: str) -> None:
    """Let an expert who failed score the qualification set again."""
    with store.tx() as db:
        db.execute("DELETE FROM readings WHERE login=? AND purpose=? AND response_id IN "
                   "(SELECT id FROM responses WHERE subject_id=?)", (login, Purpose.QUALIFICATION.value, subject_id))
        db.execute("UPDATE experts SET qualification='pending', qualification_json=NULL WHERE subject_id=? AND login=?",
                   (subject_id, login))


def _check_seeds(store: ScoringStore, subject_id: str, login: str, rubric: rb.Rubric, qc: settings.QcSettings) -> None:
    rows = store.query("SELECT x.criteria_json, d.criteria_json AS ref FROM readings x JOIN definitive d "
                       "ON d.response_id=x.response_id JOIN responses r ON r.id=x.response_id "
                       "WHERE x.login=? AND x.purpose=? AND r.subject_id=? ORDER BY x.id DESC LIMIT ?",
                       (login, Purpose.SEED.value, subject_id, qc.seed_window))
    if len(rows) < min(qc.seed_window, 2):
        return
    exact = n = far = 0
    for r in rows:
        mine, ref = _points(r["criteria_json"]) or {}, _points(r["ref"])
        for cid, value in ref.items():
            n += 1
            exact += mine.get(cid) == value
            far += abs(mine.get(cid, -99) - value) > qc.qualification_max_diff
    share = exact / n if n else 1.0
    if share < qc.seed_exact_share or far >= 2:
        reason = (f"На контрольных ответах ваши баллы совпали с эталоном в {round(100 * share)} % критериев "
                  f"(нужно не меньше {round(100 * qc.seed_exact_share)} %)"
                  + (f", расхождений больше чем на {qc.qualification_max_diff} балл: {far}" if far else "") + ".")
        with store.tx() as db:
            db.execute("UPDATE experts SET paused_reason=? WHERE subject_id=? AND login=?", (reason, subject_id, login))


def resume_expert(store: ScoringStore, subject_id: str, login: str) -> None:
    """The lead expert lets a paused expert score again."""
    with store.tx() as db:
        db.execute("UPDATE experts SET paused_reason=NULL, live_since_seed=0 WHERE subject_id=? AND login=?",
                   (subject_id, login))
