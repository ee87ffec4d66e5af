"""The schema of ``school.sqlite`` and its forward migrations, in order.

A new file is built the same way an old one is upgraded: the version-1 schema, then
every step after it. So each step runs in every test that opens a store, and a file
written by an older release (``tests/coordinator/school/fixtures/school_v1.sqlite``,
made by the code of main before issue 21) is upgraded step by step, each step in its
own transaction together with the new ``schema_version``. A file newer than this code
is refused (``SchoolDataTooNewError``), never downgraded. Data is never dropped.

Adding a step: append a function to ``STEPS`` (its index + 2 is the version it makes),
test it by opening a file made by the previous version.

Version 3 (issue 20) needs the coordinator's key for half of its work: participant ids
become random (the old ones were 1..n in the alphabetical order of the class list, so
with the codes beside them they gave code <-> name without the passphrase) and the
journal marks move into the vault - and the protocol blob, keyed by those ids, can be
rewritten only with the key. The step itself marks the file ``rekey_pending`` (or does
everything at once when there is no vault, hence no names); :func:`finish_rekey` does
the rest the first time the vault is unlocked (``vault.unlock`` calls it), in one
transaction, and the audit reports a file still waiting for it.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime, timezone
from typing import Callable

from vpr_common import sqlite as sqlite_db

V1_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS classes(
    name TEXT PRIMARY KEY,
    with_names INTEGER NOT NULL,
    created_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS participants(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    class_name TEXT NOT NULL REFERENCES classes(name),
    journal_json TEXT NOT NULL DEFAULT '{}',
    code TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS codes(
    code TEXT PRIMARY KEY,
    participant_id INTEGER REFERENCES participants(id),
    status TEXT NOT NULL,
    issued_utc TEXT NOT NULL,
    revoked_utc TEXT,
    revoke_reason TEXT
);
CREATE TABLE IF NOT EXISTS vault(
    name TEXT PRIMARY KEY,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS subjects(
    id TEXT PRIMARY KEY,
    spec_json TEXT NOT NULL,
    loaded_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results(
    subject_id TEXT NOT NULL,
    code TEXT NOT NULL,
    status TEXT NOT NULL,
    variant INTEGER,
    points_json TEXT,
    absent_reason TEXT,
    reserve_date TEXT,
    source TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    PRIMARY KEY(subject_id, code)
);
CREATE TABLE IF NOT EXISTS schedule(
    subject_id TEXT PRIMARY KEY,
    work_date TEXT NOT NULL,
    reserve_dates_json TEXT NOT NULL,
    criteria_utc TEXT NOT NULL,
    deadline_utc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    target TEXT NOT NULL,
    receipt_json TEXT NOT NULL,
    created_utc TEXT NOT NULL
);
"""


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Each statement of ``script`` inside the caller's transaction (``executescript``
    would commit it first)."""
    for stmt in script.split(";"):
        if stmt.strip():
            conn.execute(stmt)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _v2(conn: sqlite3.Connection) -> None:
    """Issue 21: the change log of results (for "changed after upload"), which change an
    upload included, the replacement of a revoked code, rooms with their staff and
    classes, acts of deletion; and the repair of results left under a revoked code."""
    _run(conn, """
    CREATE TABLE result_changes(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subject_id TEXT NOT NULL,
        code TEXT NOT NULL,
        action TEXT NOT NULL,
        source TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        at_utc TEXT NOT NULL
    );
    CREATE INDEX result_changes_subject ON result_changes(subject_id, id);
    ALTER TABLE uploads ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE codes ADD COLUMN replaced_by TEXT;
    CREATE TABLE rooms(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        capacity INTEGER NOT NULL,
        stations_json TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT '',
        created_utc TEXT NOT NULL
    );
    CREATE TABLE room_staff(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        room_id INTEGER NOT NULL REFERENCES rooms(id),
        day TEXT NOT NULL,
        role TEXT NOT NULL,
        person TEXT NOT NULL,
        UNIQUE(room_id, day, role, person)
    );
    CREATE TABLE room_classes(
        subject_id TEXT NOT NULL,
        class_name TEXT NOT NULL,
        room_id INTEGER NOT NULL REFERENCES rooms(id),
        PRIMARY KEY(subject_id, class_name)
    );
    CREATE TABLE deletions(
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_utc TEXT NOT NULL,
        subjects_json TEXT NOT NULL,
        counts_json TEXT NOT NULL,
        confirmed_by TEXT NOT NULL
    );
    """)
    # A code revoked after its results were entered left the row behind (the bug of
    # issue 21) and the participant got a second code. Move such a row to the
    # participant's current code when that code has none for the subject.
    orphans = conn.execute(
        "SELECT r.subject_id, r.code, p.code FROM results r JOIN codes c ON c.code = r.code "
        "JOIN participants p ON p.id = c.participant_id "
        "WHERE c.status = 'revoked' AND p.code IS NOT NULL").fetchall()
    for subject_id, old, new in orphans:
        taken = conn.execute("SELECT 1 FROM results WHERE subject_id=? AND code=?", (subject_id, new)).fetchone()
        if taken:
            continue
        conn.execute("UPDATE results SET code=? WHERE subject_id=? AND code=?", (new, subject_id, old))
        conn.execute("UPDATE codes SET replaced_by=? WHERE code=?", (new, old))
        conn.execute("INSERT INTO result_changes(subject_id, code, action, source, detail, at_utc) "
                     "VALUES(?, ?, 'moved', 'migration', ?, ?)",
                     (subject_id, new, json.dumps({"from": old}), _now()))


#: Participant ids are drawn from [ID_MIN, ID_MAX): far from 1..n, exact in a
#: JavaScript number (the console may carry them).
ID_MIN, ID_MAX = 2**20, 2**53


def random_ids(n: int, taken: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """``n`` distinct random participant ids, none in ``taken``."""
    out: set[int] = set()
    while len(out) < n:
        candidate = ID_MIN + secrets.randbelow(ID_MAX - ID_MIN)
        if candidate not in taken:
            out.add(candidate)
    ids = list(out)
    secrets.SystemRandom().shuffle(ids)
    return ids


def shuffled(rows: list) -> list:
    """``rows`` in a random order: rows are inserted so, because SQLite places a new
    row's bytes in the page in insertion order - the file itself would otherwise keep
    the order of the class list."""
    out = list(rows)
    secrets.SystemRandom().shuffle(out)
    return out


REKEY_PENDING = "rekey_pending"


def _v3(conn: sqlite3.Connection) -> None:
    """Issue 20: random participant ids, journal marks into the vault - now when the
    file has no vault (no names, no marks), else at the first unlock."""
    has_vault = conn.execute("SELECT 1 FROM meta WHERE key='vault_salt'").fetchone() is not None
    marks = conn.execute("SELECT 1 FROM participants WHERE journal_json NOT IN ('', '{}')").fetchone()
    if has_vault or marks:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, '1')", (REKEY_PENDING,))
    else:
        _rekey(conn, {}, {})


def rekey_pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key=?", (REKEY_PENDING,)).fetchone() is not None


def _rekey(conn: sqlite3.Connection, names: dict, journal: dict) -> tuple[dict, dict]:
    """Give every participant a new random id, rows rewritten in a random order, codes
    too; the journal marks in clear join ``journal``. Returns the protocol and the
    journal keyed by the new ids (entries of ids without a participant stay as they
    are). Inside the caller's transaction."""
    conn.execute("PRAGMA defer_foreign_keys=ON")  # codes point at participants meanwhile
    people = conn.execute("SELECT id, class_name, journal_json, code FROM participants").fetchall()
    issued = conn.execute("SELECT code, participant_id, status, issued_utc, revoked_utc, revoke_reason, replaced_by "
                          "FROM codes").fetchall()
    new_id = dict(zip((int(r[0]) for r in people), random_ids(len(people))))
    conn.execute("DELETE FROM codes")
    conn.execute("DELETE FROM participants")
    conn.executemany("INSERT INTO participants(id, class_name, journal_json, code) VALUES(?, ?, '{}', ?)",
                     [(new_id[int(r[0])], r[1], r[3]) for r in shuffled(people)])
    conn.executemany("INSERT INTO codes(code, participant_id, status, issued_utc, revoked_utc, revoke_reason, "
                     "replaced_by) VALUES(?, ?, ?, ?, ?, ?, ?)",
                     [(r[0], new_id.get(int(r[1])) if r[1] is not None else None, *tuple(r[2:]))
                      for r in shuffled(issued)])
    conn.execute("DELETE FROM sqlite_sequence WHERE name='participants'")
    new_names = {(str(new_id[int(k)]) if int(k) in new_id else k): v for k, v in names.items()}
    new_journal = {(str(new_id[int(k)]) if int(k) in new_id else k): v for k, v in journal.items()}
    for r in people:
        marks = json.loads(r[2] or "{}")
        if marks:
            new_journal.setdefault(str(new_id[int(r[0])]), {}).update(marks)
    return new_names, new_journal


def finish_rekey(conn: sqlite3.Connection, read_json: Callable[[str], dict],
                 write_json: Callable[[str, dict], None], blobs: tuple[str, str]) -> bool:
    """The keyed half of version 3, once: ``read_json`` / ``write_json`` decrypt and
    encrypt a vault blob with the unlocked key; ``blobs`` names the protocol and the
    journal blob. Returns whether it ran."""
    if not rekey_pending(conn):
        return False
    protocol_blob, journal_blob = blobs
    with sqlite_db.immediate(conn):
        if not rekey_pending(conn):  # another process did it meanwhile
            return False
        names, journal = _rekey(conn, read_json(protocol_blob), read_json(journal_blob))
        if names:
            write_json(protocol_blob, names)
        if journal:
            write_json(journal_blob, journal)
        conn.execute("DELETE FROM meta WHERE key=?", (REKEY_PENDING,))
    try:  # the log must not keep the pages of before (other readers may hold it: then later)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:  # pragma: no cover - best effort
        pass
    return True


def _v4(conn: sqlite3.Connection) -> None:
    """Issue 18: accommodations per participant code (extra time, large print), keyed
    by the code only (``coordinator/school/accommodations.py``)."""
    conn.execute("""CREATE TABLE IF NOT EXISTS accommodations(
    code TEXT PRIMARY KEY,
    extra_factor REAL,
    extra_minutes INTEGER,
    large_print INTEGER NOT NULL DEFAULT 0,
    updated_utc TEXT NOT NULL
)""")


#: STEPS[i] upgrades a file of version i + 1 to version i + 2.
STEPS: list[Callable[[sqlite3.Connection], None]] = [_v2, _v3, _v4]
LATEST = len(STEPS) + 1


def version_of(conn: sqlite3.Connection) -> int | None:
    """The file's schema version; None for a new (empty) file."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.OperationalError:  # no meta table yet
        return None
    return int(row[0]) if row else None


def upgrade(conn: sqlite3.Connection) -> int | None:
    """Bring the file to ``LATEST``. Returns the version it had (None when new). The
    caller refuses a version above ``LATEST`` before calling this."""
    found = version_of(conn)
    if found is None:
        with sqlite_db.immediate(conn):
            if version_of(conn) is None:  # another process may have made it meanwhile
                _run(conn, V1_SCHEMA)
                conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '1')")
    while (current := version_of(conn) or 1) < LATEST:
        with sqlite_db.immediate(conn):
            if version_of(conn) != current:  # upgraded meanwhile by another process
                continue
            STEPS[current - 1](conn)
            conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(current + 1),))
    return found
