"""The school-side SQLite file ``school.sqlite`` (WAL) in the node data dir: opening it
(upgraded to the current schema by ``migrations``) and a few tiny helpers. Domain
modules (roster, codes, results ...) own their queries; this module owns only the file.

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

from coordinator.school import migrations
from coordinator.school.errors import SchoolDataTooNewError
from vpr_common import paths
from vpr_common import sqlite as sqlite_db

DB_NAME = "school.sqlite"
SCHEMA_VERSION = migrations.LATEST


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
        version = self._schema_version()
        if version is not None and version > SCHEMA_VERSION:
            self.conn.close()
            raise SchoolDataTooNewError(f"school.sqlite version {version} > {SCHEMA_VERSION}")
        if version != SCHEMA_VERSION:
            # only a new or older file takes the write lock here; the API opens a store
            # per request
            self.upgraded_from = migrations.upgrade(self.conn)

    upgraded_from: int | None = None

    def _schema_version(self) -> int | None:
        return migrations.version_of(self.conn)

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
