"""Participant codes: unique 5-digit numbers per school, one per participant for all
subjects, never reused. The ``codes`` table keeps every code ever issued (revoked
ones too), so a revoked code can never come back.

Revoking a code replaces it at once (issue 21): the participant gets a new code in the
same transaction and every result or absence stored under the old code moves to the
new one (logged in ``changes``), so a participant never has two codes and no result is
left behind. Codes are typed by people: ``clean_code`` drops spaces ("12 345").
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from enum import Enum

from coordinator.school import changes
from coordinator.school.errors import CodesError, UnknownClassError
from coordinator.school.store import SchoolStore, class_sort_key, utc_now_iso
from vpr_common.text import checked_text

log = logging.getLogger(__name__)

CODE_MIN, CODE_MAX = 10000, 99999


class CodeStatus(str, Enum):
    ACTIVE = "active"
    REVOKED = "revoked"


@dataclass(frozen=True)
class CodeInfo:
    code: str
    class_name: str
    participant_id: int


@dataclass(frozen=True)
class Revoked:
    """What ``revoke`` did: the old code, its replacement (None when not replaced) and
    the subjects whose results or absence moved to the replacement."""

    code: str
    new_code: str | None
    class_name: str
    moved_subjects: tuple[str, ...]


def clean_code(raw: object) -> str:
    """A code as typed: spaces (also non-breaking) and a trailing ``.0`` of a spreadsheet
    number dropped - ``"12 345"`` -> ``"12345"``. Not validated here."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return "".join(str(raw).split())


def _free_code(used: set[str]) -> str:
    while True:
        code = str(CODE_MIN + secrets.randbelow(CODE_MAX - CODE_MIN + 1))
        if code not in used:
            used.add(code)
            return code


def _issue(store: SchoolStore, pid: int, used: set[str], now: str) -> str:
    """Give participant ``pid`` a new code and carry over whatever its last revoked,
    unreplaced code holds. Inside the caller's transaction."""
    code = _free_code(used)
    store.conn.execute("INSERT INTO codes(code, participant_id, status, issued_utc) VALUES(?, ?, ?, ?)",
                       (code, pid, CodeStatus.ACTIVE.value, now))
    store.conn.execute("UPDATE participants SET code=? WHERE id=?", (code, pid))
    for (old,) in store.conn.execute(
            "SELECT code FROM codes WHERE participant_id=? AND status=? AND replaced_by IS NULL",
            (pid, CodeStatus.REVOKED.value)).fetchall():
        _move_results(store, old, code)
        store.conn.execute("UPDATE codes SET replaced_by=? WHERE code=?", (code, old))
    return code


def _move_results(store: SchoolStore, old: str, new: str) -> list[str]:
    subjects = [r[0] for r in store.conn.execute("SELECT subject_id FROM results WHERE code=? ORDER BY subject_id",
                                                  (old,))]
    for subject_id in subjects:
        store.conn.execute("UPDATE results SET code=? WHERE subject_id=? AND code=?", (new, subject_id, old))
        changes.record(store.conn, subject_id, new, changes.ChangeAction.MOVED, "codes", {"from": old})
    return subjects


def generate(store: SchoolStore) -> int:
    """Give a fresh code to every participant without one; returns how many were
    issued. Raises CodesError when the 5-digit space is exhausted."""
    with store.tx():
        need = [r[0] for r in store.conn.execute("SELECT id FROM participants WHERE code IS NULL ORDER BY id")]
        used = {r[0] for r in store.conn.execute("SELECT code FROM codes")}
        free = (CODE_MAX - CODE_MIN + 1) - len(used)
        if len(need) > free:
            raise CodesError("code space exhausted",
                             message_ru=f"Не хватает свободных пятизначных кодов: нужно {len(need)}, осталось {free}.")
        now = utc_now_iso()
        for pid in need:
            _issue(store, pid, used, now)
    log.info("codes issued: %d", len(need))
    return len(need)


def revoke(store: SchoolStore, code: str, reason: str, *, replace: bool = True) -> Revoked:
    """Withdraw a code (a slip lost or given twice). With ``replace`` (the default) the
    participant gets a new code at once and results stored under the old code move to
    it; without, the participant is left without a code until ``generate``, which then
    moves them. Raises CodesError for an unknown or already revoked code or an empty
    reason."""
    code = clean_code(code)
    reason = checked_text(reason, "Причина отзыва", max_len=200, error=CodesError)
    if not reason:
        raise CodesError("no reason", message_ru="Укажите причину отзыва кода (например: листок потерян).")
    with store.tx():
        row = store.conn.execute("SELECT c.status, c.participant_id, p.class_name FROM codes c "
                                 "LEFT JOIN participants p ON p.id = c.participant_id WHERE c.code=?",
                                 (code,)).fetchone()
        if row is None:
            raise CodesError("unknown code", message_ru=f"Код {code} не выдавался в этой школе.")
        if row[0] == CodeStatus.REVOKED.value:
            raise CodesError("already revoked", message_ru=f"Код {code} уже отозван.")
        store.conn.execute(
            "UPDATE codes SET status=?, revoked_utc=?, revoke_reason=? WHERE code=?",
            (CodeStatus.REVOKED.value, utc_now_iso(), reason, code),
        )
        store.conn.execute("UPDATE participants SET code=NULL WHERE code=?", (code,))
        new_code, moved = None, ()
        if replace and row[1] is not None:
            held = {r[0] for r in store.conn.execute("SELECT subject_id FROM results WHERE code=?", (code,))}
            used = {r[0] for r in store.conn.execute("SELECT code FROM codes")}
            new_code = _issue(store, int(row[1]), used, utc_now_iso())
            moved = tuple(sorted(held))
    log.info("code revoked: %s, replaced: %s, results moved for %d subject(s)", code, bool(new_code), len(moved))
    return Revoked(code, new_code, row[2] or "", moved)


def active_codes(store: SchoolStore, class_name: str | None = None) -> list[CodeInfo]:
    """Active codes with their class, ordered by class then code. Raises
    UnknownClassError for a class that does not exist."""
    q = "SELECT code, class_name, id FROM participants WHERE code IS NOT NULL"
    args: tuple = ()
    if class_name:
        if store.conn.execute("SELECT 1 FROM classes WHERE name=?", (class_name,)).fetchone() is None:
            raise UnknownClassError(class_name)
        q += " AND class_name=?"
        args = (class_name,)
    out = [CodeInfo(r[0], r[1], int(r[2])) for r in store.conn.execute(q, args)]
    out.sort(key=lambda c: (class_sort_key(c.class_name), c.code))
    return out


def code_status(store: SchoolStore, code: str) -> CodeStatus | None:
    row = store.conn.execute("SELECT status FROM codes WHERE code=?", (code,)).fetchone()
    return None if row is None else CodeStatus(row[0])


def issued_count(store: SchoolStore) -> dict[str, int]:
    rows = store.conn.execute("SELECT status, COUNT(*) FROM codes GROUP BY status").fetchall()
    return {r[0]: int(r[1]) for r in rows}
