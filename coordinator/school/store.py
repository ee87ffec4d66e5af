"""The school-side SQLite file ``school.sqlite`` (WAL) in the node data dir: schema,
connection and a few tiny helpers. Domain modules (roster, codes, results ...) own
their queries; this module owns only the file and the schema.

Threads: one ``SchoolStore`` per thread (sqlite3 connections are not shared); the API
opens one per request. WAL lets readers run while a writer commits.
"""

from __future__ import annotations

import re

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from vpr_common import paths
from vpr_common import sqlite as sqlite_db

DB_NAME = "school.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
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


def default_data_dir() -> Path:
    """The node data dir used when ``--data`` is not given."""
    return paths.data_dir() / "node"


def utc_now_iso() -> str:
    """Now in UTC, ISO 8601 with offset, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class SchoolStore:
    """An open ``school.sqlite``. Use as a context manager or call :meth:`close`.

    Raises ``sqlite3.Error`` only for a damaged file or a full disk.
    """

    def __init__(self, data_dir: Path | str | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_NAME
        self.conn = sqlite_db.connect(self.path)
        self.conn.execute("PRAGMA foreign_keys=ON")
        # secure_delete overwrites freed pages, so an old protocol blob or a replaced
        # row does not linger in the file.
        self.conn.execute("PRAGMA secure_delete=ON")
        if self._schema_version() != SCHEMA_VERSION:
            # only a new file takes the write lock here; the API opens a store per request
            with self.tx():
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                if self.get_meta("schema_version") is None:
                    self.set_meta("schema_version", str(SCHEMA_VERSION))

    def _schema_version(self) -> int | None:
        try:
            value = self.get_meta("schema_version")
        except sqlite3.OperationalError:  # no meta table yet
            return None
        return int(value) if value else None

    def __enter__(self) -> "SchoolStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error)."""
        with sqlite_db.immediate(self.conn) as conn:
            yield conn

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )


def class_sort_key(name: str) -> tuple[int, str]:
    """Classes in school order: 5А < 8А < 8Б < 10А (the grade as a number first)."""
    m = re.match(r"^(\d+)(.*)$", name)
    return (int(m.group(1)), m.group(2)) if m else (99, name)
