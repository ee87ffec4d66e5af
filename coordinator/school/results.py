"""Results per subject and participant code: the variant, points per task (None = not
done, written ``X``, ``Х`` or ``-`` in the form), the primary score and the mark, and
absentees with a reason and a reserve day (one or many at once).

``record_results`` is the one way results come in (CLI, web console, API): it asks
``timegates`` first (refused before the work or reserve day; confirmation before the
criteria and after the deadline). Every stored change is logged in ``changes``.

The value checks here return the Russian reason; callers (the xlsx import, the API) add
the place - a cell like ``G9`` or a field like ``points.9.1``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from coordinator.school import changes, protocol, timegates
from coordinator.school.codes import CodeStatus, clean_code
from coordinator.school.errors import ConfirmationRequiredError, Issue, JournalLockedError, ResultsValidationError
from coordinator.school.store import SchoolStore, class_sort_key, utc_now_iso
from coordinator.school.subjects import Subject, Task
from coordinator.school.vault import VaultKey
from vpr_common.text import clean_text, shown, text_problem

log = logging.getLogger(__name__)

NOT_DONE_MARKS = {"X", "Х", "-", "x", "х"}  # Latin X, Cyrillic Х, dash
_CODE_RE = re.compile(r"[0-9]{5}")


class ResultStatus(str, Enum):
    DONE = "done"
    ABSENT = "absent"


class Source(str, Enum):
    XLSX = "xlsx"
    API = "api"
    CLI = "cli"
    EXPERT = "expert"  # oral-part scoring by experts (later issue) stores through save_entries


@dataclass(frozen=True)
class Result:
    code: str
    class_name: str
    status: ResultStatus
    variant: int | None
    points: tuple[int | None, ...]
    primary: int | None
    mark: int | None
    journal_mark: int | None
    absent_reason: str = ""
    reserve_date: str = ""


@dataclass(frozen=True)
class Entry:
    """A validated result line, ready to store."""

    code: str
    variant: int
    points: tuple[int | None, ...]


def _as_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def check_points(raw: object, task: Task) -> tuple[int | None, str | None]:
    """(points or None for "not done", None) or (None, reason)."""
    text = _as_text(raw)
    if text == "":
        return None, f"пусто: поставьте балл за задание {task.number} (0-{task.max_points}) или X, если не выполнялось."
    if text in NOT_DONE_MARKS:
        return None, None
    if isinstance(raw, bool) or not re.fullmatch(r"-?[0-9]+", text):
        return None, f"«{shown(text)}» - не число; за задание {task.number} допустимо 0-{task.max_points}, X или -."
    value = int(text)
    if value < 0:
        return None, f"балл {value} отрицательный; за задание {task.number} допустимо 0-{task.max_points}."
    if value > task.max_points:
        return None, f"балл {value} больше максимума {task.max_points} за задание {task.number}."
    return value, None


def check_variant(raw: object, subject: Subject) -> tuple[int | None, str | None]:
    text = _as_text(raw)
    allowed = ", ".join(str(v) for v in subject.variants)
    if text == "":
        return None, "не указан номер варианта."
    if not re.fullmatch(r"[0-9]+", text):
        return None, f"«{shown(text)}» - не номер варианта; допустимо: {allowed}."
    if int(text) not in subject.variants:
        return None, f"вариант {int(text)} не входит в допустимые для предмета: {allowed}."
    return int(text), None


def code_states(store: SchoolStore) -> dict[str, CodeStatus]:
    return {r[0]: CodeStatus(r[1]) for r in store.conn.execute("SELECT code, status FROM codes")}


def check_code(raw: object, states: dict[str, CodeStatus]) -> tuple[str | None, str | None]:
    text = clean_code(raw)
    if text == "":
        return None, "не указан код участника."
    if not _CODE_RE.fullmatch(text):
        return None, f"«{shown(text)}» - код участника должен состоять из 5 цифр."
    state = states.get(text)
    if state is None:
        return None, f"код {text} не выдавался в этой школе."
    if state is CodeStatus.REVOKED:
        return None, f"код {text} отозван; используйте код, выданный участнику взамен."
    return text, None


def validate_api_entry(store: SchoolStore, subject: Subject, payload: dict) -> Entry:
    """Validate one API entry {"code", "variant", "points": {"1": 2, "9.1": "X"}}.
    Raises ResultsValidationError naming each field."""
    issues: list[Issue] = []
    code, why = check_code(payload.get("code"), code_states(store))
    if why:
        issues.append(Issue("code", why))
    variant, why = check_variant(payload.get("variant"), subject)
    if why:
        issues.append(Issue("variant", why))
    raw_points = payload.get("points")
    points: list[int | None] = []
    if not isinstance(raw_points, dict):
        issues.append(Issue("points", "ожидается объект {номер задания: балл}."))
        raw_points = {}
    for task in subject.tasks:
        if task.number not in raw_points:
            issues.append(Issue(f"points.{task.number}", f"нет балла за задание {task.number}."))
            points.append(None)
            continue
        value, why = check_points(raw_points[task.number], task)
        if why:
            issues.append(Issue(f"points.{task.number}", why))
        points.append(value)
    for extra in sorted(set(raw_points) - {t.number for t in subject.tasks}):
        issues.append(Issue(f"points.{shown(extra)}", f"задания {shown(extra)} нет в критериях предмета «{subject.id}»."))
    if issues:
        raise ResultsValidationError(issues, remedy_ru="Исправьте указанные поля и повторите ввод.")
    return Entry(code, variant, tuple(points))  # type: ignore[arg-type]


def _stored(store: SchoolStore, subject_id: str) -> dict[str, tuple]:
    """{code: (status, variant, points_json, absent_reason, reserve_date)} of a subject."""
    return {r[0]: tuple(r[1:]) for r in store.conn.execute(
        "SELECT code, status, variant, points_json, absent_reason, reserve_date FROM results WHERE subject_id=?",
        (subject_id,))}


def save_entries(store: SchoolStore, subject: Subject, entries: list[Entry], source: Source) -> int:
    """Insert or replace results (one transaction); every real change is logged in
    ``changes``, an identical re-import changes nothing. A reserve day recorded for an
    absentee stays with the result (the participant sat on that day). Returns the
    number of entries given."""
    now = utc_now_iso()
    with store.tx():
        before = _stored(store, subject.id)
        for e in entries:
            points = json.dumps(list(e.points))
            old = before.get(e.code)
            if old is not None and old[:3] == (ResultStatus.DONE.value, e.variant, points):
                continue
            store.conn.execute(
                "INSERT INTO results(subject_id, code, status, variant, points_json, absent_reason, reserve_date, "
                "source, updated_utc) VALUES(?, ?, ?, ?, ?, NULL, NULL, ?, ?) "
                "ON CONFLICT(subject_id, code) DO UPDATE SET status=excluded.status, variant=excluded.variant, "
                "points_json=excluded.points_json, absent_reason=NULL, source=excluded.source, "
                "updated_utc=excluded.updated_utc",
                (subject.id, e.code, ResultStatus.DONE.value, e.variant, points, source.value, now))
            changes.record(store.conn, subject.id, e.code, changes.ChangeAction.SET, source.value,
                           {"was": old[0] if old else None})
    log.info("results stored: subject=%s count=%d source=%s", subject.id, len(entries), source.value)
    return len(entries)


@dataclass(frozen=True)
class Recorded:
    """What ``record_results`` stored and the warnings the coordinator accepted."""

    stored: int
    warnings: tuple[str, ...]


def record_results(store: SchoolStore, subject: Subject, entries: list[Entry], source: Source, *,
                   now_utc: datetime | None = None, confirmed: bool = False) -> Recorded:
    """Store validated results after the time gates. Raises OutsideScheduleError,
    ConfirmationRequiredError."""
    warnings = timegates.check_entry(store, subject, [e.code for e in entries], now_utc)
    timegates.require_confirmation(warnings, confirmed)
    n = save_entries(store, subject, entries, source)
    return Recorded(n, tuple(w.message_ru for w in warnings))


def mark_absent_many(store: SchoolStore, subject: Subject, codes: list[str], reason: str,
                     reserve_date: str | None, *, source: Source = Source.CLI, now_utc: datetime | None = None,
                     confirmed: bool = False) -> list[str]:
    """Record absentees (all or nothing); returns their codes. A reserve day must be one
    of the subject's reserve days and not past. Raises ResultsValidationError (bad or
    repeated code, empty reason), OutsideScheduleError / ScheduleError (reserve day),
    ConfirmationRequiredError when a code already has results (the mark replaces them)."""
    issues: list[Issue] = []
    states = code_states(store)
    ok: list[str] = []
    for i, raw in enumerate(codes):
        code, why = check_code(raw, states)
        where = "code" if len(codes) == 1 else f"codes[{i + 1}]"
        if why:
            issues.append(Issue(where, why))
        elif code in ok:
            issues.append(Issue(where, f"код {code} указан дважды."))
        else:
            ok.append(code)
    if not codes:
        issues.append(Issue("code", "не указан ни один код."))
    reason = clean_text(reason)
    if not reason:
        issues.append(Issue("reason", "укажите причину отсутствия (например: болезнь)."))
    elif text_problem(reason, 200):
        issues.append(Issue("reason", f"{text_problem(reason, 200)}."))
    if issues:
        raise ResultsValidationError(issues, remedy_ru="Исправьте данные и повторите.")
    day = timegates.check_reserve_day(store, subject, reserve_date, now_utc)
    before = _stored(store, subject.id)
    with_results = [c for c in ok if before.get(c, ("",))[0] == ResultStatus.DONE.value]
    if with_results and not confirmed:
        raise ConfirmationRequiredError([
            ("У кода " + with_results[0] + " уже есть результат по этому предмету; отметка об отсутствии его заменит."
             if len(with_results) == 1 else
             "У кодов " + ", ".join(with_results) + " уже есть результаты по этому предмету; отметка об отсутствии "
             "их заменит.")])
    with store.tx():
        for code in ok:
            new = (ResultStatus.ABSENT.value, None, None, reason.strip(), day or "")
            if before.get(code) == new:
                continue
            store.conn.execute(
                "INSERT INTO results(subject_id, code, status, variant, points_json, absent_reason, reserve_date, "
                "source, updated_utc) VALUES(?, ?, ?, NULL, NULL, ?, ?, ?, ?) "
                "ON CONFLICT(subject_id, code) DO UPDATE SET status=excluded.status, variant=NULL, "
                "points_json=NULL, absent_reason=excluded.absent_reason, reserve_date=excluded.reserve_date, "
                "source=excluded.source, updated_utc=excluded.updated_utc",
                (subject.id, code, ResultStatus.ABSENT.value, reason.strip(), day or "", source.value, utc_now_iso()))
            changes.record(store.conn, subject.id, code, changes.ChangeAction.ABSENT, source.value,
                           {"reserve_date": day or ""})
    log.info("absentees recorded: subject=%s count=%d reserve=%s", subject.id, len(ok), bool(day))
    return ok


def mark_absent(store: SchoolStore, subject: Subject, code: str, reason: str, reserve_date: str | None, *,
                now_utc: datetime | None = None, confirmed: bool = False) -> None:
    """One absentee (see ``mark_absent_many``)."""
    mark_absent_many(store, subject, [code], reason, reserve_date, now_utc=now_utc, confirmed=confirmed)


def reserve_codes(store: SchoolStore, subject: Subject, day: str) -> list[str]:
    """Codes of the participants who sit ``subject`` on the reserve day ``day`` (ISO):
    the same codes they were given for the main day."""
    return [r[0] for r in store.conn.execute(
        "SELECT code FROM results WHERE subject_id=? AND reserve_date=? ORDER BY code", (subject.id, day))]


def journal_mark(journal: dict, subject: Subject) -> int | None:
    """The teacher's mark for ``subject`` from a participant's journal marks, keyed by
    the subject id or its name (case and ё/е do not matter)."""
    marks = {str(k).lower().replace("ё", "е"): v for k, v in journal.items()}
    name = subject.name.lower().replace("ё", "е")
    for key in (subject.id, name, f"{name} {subject.grade}"):
        if key in marks:
            return int(marks[key])
    return None


def journal_marks(store: SchoolStore, key: VaultKey | None) -> dict[int, dict]:
    """{participant id: journal marks} from the vault; empty without the key."""
    return protocol.read_journal(store, key) if key is not None else {}


def journal_locked(store: SchoolStore, key: VaultKey | None) -> bool:
    """Journal marks are stored but cannot be read without the coordinator's key."""
    return key is None and protocol.has_journal(store)


def journal_access(store: SchoolStore, key: VaultKey | None, without_journal: bool = False) -> VaultKey | None:
    """The key a form reads journal marks with: None when the form is to be without
    them (``without_journal``) or none are stored. Raises JournalLockedError when marks
    are stored and no key is given - a form never silently loses its journal column."""
    if without_journal:
        return None
    if journal_locked(store, key):
        raise JournalLockedError("journal marks need the key")
    return key


def list_results(store: SchoolStore, subject: Subject, class_name: str | None = None,
                 status: ResultStatus | None = None, code: str | None = None, *,
                 key: VaultKey | None = None) -> list[Result]:
    """Stored results joined with the class and - only with the coordinator's ``key``,
    the marks being encrypted - the journal mark, ordered by class and code (of one
    ``code`` only, when given). Only codes, never names."""
    # results under a revoked code not yet replaced wait for the new code (codes.generate)
    q = ("SELECT r.code, p.class_name, r.status, r.variant, r.points_json, p.id, r.absent_reason, "
         "r.reserve_date FROM results r JOIN participants p ON p.code = r.code WHERE r.subject_id=?")
    args: list = [subject.id]
    if class_name:
        q += " AND p.class_name=?"
        args.append(class_name)
    if status:
        q += " AND r.status=?"
        args.append(status.value)
    if code:
        q += " AND r.code=?"
        args.append(code)
    journals = journal_marks(store, key)
    out: list[Result] = []
    for r in store.conn.execute(q, args):
        st = ResultStatus(r[2])
        points = tuple(json.loads(r[4])) if r[4] else ()
        primary = sum(p for p in points if p is not None) if st is ResultStatus.DONE else None
        out.append(Result(
            code=r[0], class_name=r[1] or "", status=st, variant=r[3], points=points, primary=primary,
            mark=subject.mark_for(primary) if primary is not None else None,
            journal_mark=journal_mark(journals.get(int(r[5]), {}), subject),
            absent_reason=r[6] or "", reserve_date=r[7] or "",
        ))
    out.sort(key=lambda x: (class_sort_key(x.class_name), x.code))
    return out


def progress(store: SchoolStore, subject: Subject) -> tuple[int, int, list[str]]:
    """(done, absent, codes without a result) of one subject, counted in SQL - the
    upload checklist's figures without reading every result (same join as
    :func:`list_results`: results under a current code only)."""
    counts = dict(store.conn.execute(
        "SELECT r.status, COUNT(*) FROM results r JOIN participants p ON p.code = r.code "
        "WHERE r.subject_id=? GROUP BY r.status", (subject.id,)).fetchall())
    missing = [r[0] for r in store.conn.execute(
        "SELECT p.code FROM participants p WHERE p.code IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM results r WHERE r.code = p.code AND r.subject_id=?) ORDER BY p.code", (subject.id,))]
    return (int(counts.get(ResultStatus.DONE.value, 0)), int(counts.get(ResultStatus.ABSENT.value, 0)), missing)
