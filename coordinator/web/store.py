"""The console's own SQLite file ``console.sqlite`` in the node data dir: accounts and
the audit log. This module owns the file and its schema (``PRAGMA user_version``);
:mod:`coordinator.web.accounts` and :mod:`coordinator.web.audit` own their queries.

Threads: one connection per thread (sqlite3 connections are not shared), opened on
demand; WAL lets readers run while a writer commits.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from coordinator.web.errors import ConsoleDataError
from vpr_common import sqlite as sqlite_db

DB_NAME = "console.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users(
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    disabled_utc TEXT
);
CREATE TABLE IF NOT EXISTS audit(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_utc TEXT NOT NULL,
    login TEXT NOT NULL,
    role TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at_utc);
"""


class ConsoleStore:
    """``console.sqlite`` of one node data dir. Raises :class:`ConsoleDataError` if the
    file cannot be opened or was made by a newer program."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DB_NAME
        self._local = threading.local()
        with self.tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConsoleDataError(f"{self.path}: schema {version} > {SCHEMA_VERSION}",
                                       message_ru="Данные консоли созданы более новой версией программы.",
                                       remedy_ru="Обновите программу узла до той версии, что создала эти данные.")
            if version == 0:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite_db.connect(self.path)
            except (sqlite3.Error, OSError) as exc:
                raise ConsoleDataError(f"{self.path}: {exc}") from exc
            self._local.conn = conn
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``)."""
        with sqlite_db.immediate(self._conn()) as db:
            yield db

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        return self._conn().execute(sql, args).fetchall()
