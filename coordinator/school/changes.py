"""The change log of results (table ``result_changes``) and what it tells about uploads.

Every change to a subject's stored results - entered, imported, changed, marked absent,
moved to a replacement code, deleted at the end of the retention period - adds a row
here in the same transaction as the change itself. An upload records the last row it
included (``uploads.change_seq``), so "changed after upload - upload again" is one
comparison and survives restarts. Rows carry codes only, never names.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from enum import Enum

from coordinator.school.store import SchoolStore, utc_now_iso


class ChangeAction(str, Enum):
    SET = "set"          # a result entered or changed
    ABSENT = "absent"    # marked absent (or the reason / reserve day changed)
    MOVED = "moved"      # carried to the code that replaced a revoked one
    DELETED = "deleted"  # removed at the end of the retention period


class UploadState(str, Enum):
    NOT_UPLOADED = "not_uploaded"
    UPLOADED = "uploaded"
    CHANGED_AFTER_UPLOAD = "changed_after_upload"


UPLOAD_STATE_RU = {
    UploadState.NOT_UPLOADED: "не загружено",
    UploadState.UPLOADED: "загружено",
    UploadState.CHANGED_AFTER_UPLOAD: "изменено после загрузки - загрузите ещё раз",
}


@dataclass(frozen=True)
class Change:
    seq: int
    subject_id: str
    code: str
    action: ChangeAction
    source: str
    detail: dict
    at_utc: str


@dataclass(frozen=True)
class SubjectUploadStatus:
    subject_id: str
    state: UploadState
    last_upload_utc: str | None
    changes_since_upload: tuple[Change, ...]

    @property
    def text_ru(self) -> str:
        return UPLOAD_STATE_RU[self.state]


def record(conn: sqlite3.Connection, subject_id: str, code: str, action: ChangeAction, source: str,
           detail: dict | None = None) -> int:
    """Add one change row inside the caller's transaction; returns its sequence number."""
    cur = conn.execute(
        "INSERT INTO result_changes(subject_id, code, action, source, detail, at_utc) VALUES(?, ?, ?, ?, ?, ?)",
        (subject_id, code, action.value, source, json.dumps(detail or {}, ensure_ascii=False), utc_now_iso()))
    return int(cur.lastrowid)


def last_seq(store: SchoolStore, subject_id: str) -> int:
    row = store.conn.execute("SELECT MAX(id) FROM result_changes WHERE subject_id=?", (subject_id,)).fetchone()
    return int(row[0] or 0)


def _row(r) -> Change:
    return Change(int(r[0]), r[1], r[2], ChangeAction(r[3]), r[4], json.loads(r[5] or "{}"), r[6])


def since(store: SchoolStore, subject_id: str, seq: int) -> list[Change]:
    rows = store.conn.execute(
        "SELECT id, subject_id, code, action, source, detail, at_utc FROM result_changes "
        "WHERE subject_id=? AND id>? ORDER BY id", (subject_id, seq)).fetchall()
    return [_row(r) for r in rows]


def upload_status(store: SchoolStore, subject_id: str) -> SubjectUploadStatus:
    """Whether the subject's results were uploaded and whether they changed since the
    last upload (the last upload supersedes every earlier one)."""
    row = store.conn.execute(
        "SELECT change_seq, created_utc FROM uploads WHERE subject_id=? ORDER BY id DESC LIMIT 1",
        (subject_id,)).fetchone()
    if row is None:
        return SubjectUploadStatus(subject_id, UploadState.NOT_UPLOADED, None, ())
    later = tuple(since(store, subject_id, int(row[0])))
    state = UploadState.CHANGED_AFTER_UPLOAD if later else UploadState.UPLOADED
    return SubjectUploadStatus(subject_id, state, row[1], later)
