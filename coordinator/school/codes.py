"""Participant codes: unique 5-digit numbers per school, one per participant for all
subjects, never reused. The ``codes`` table keeps every code ever issued (revoked
ones too), so a revoked code can never come back.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from enum import Enum

from coordinator.school.errors import CodesError, UnknownClassError
from coordinator.school.store import SchoolStore, class_sort_key, utc_now_iso

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
            while True:
                code = str(CODE_MIN + secrets.randbelow(CODE_MAX - CODE_MIN + 1))
                if code not in used:
                    break
            used.add(code)
            store.conn.execute(
                "INSERT INTO codes(code, participant_id, status, issued_utc) VALUES(?, ?, ?, ?)",
                (code, pid, CodeStatus.ACTIVE.value, now),
            )
            store.conn.execute("UPDATE participants SET code=? WHERE id=?", (code, pid))
    log.info("codes issued: %d", len(need))
    return len(need)


def revoke(store: SchoolStore, code: str, reason: str) -> None:
    """Withdraw a code (a slip lost or given twice); the participant gets a new one at
    the next ``generate``. Raises CodesError for an unknown or already revoked code."""
    with store.tx():
        row = store.conn.execute("SELECT status, participant_id FROM codes WHERE code=?", (code,)).fetchone()
        if row is None:
            raise CodesError("unknown code", message_ru=f"Код {code} не выдавался в этой школе.")
        if row[0] == CodeStatus.REVOKED.value:
            raise CodesError("already revoked", message_ru=f"Код {code} уже отозван.")
        store.conn.execute(
            "UPDATE codes SET status=?, revoked_utc=?, revoke_reason=? WHERE code=?",
            (CodeStatus.REVOKED.value, utc_now_iso(), reason, code),
        )
        store.conn.execute("UPDATE participants SET code=NULL WHERE code=?", (code,))
    log.info("code revoked: %s", code)


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
