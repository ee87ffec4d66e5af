"""The console's own SQLite file ``console.sqlite`` in the node data dir: accounts and
the audit log. This module owns the file and its schema (``SCHEMA_STEPS``, migrated by
:func:`vpr_common.sqlite.open_migrated`);
:mod:`coordinator.web.accounts` and :mod:`coordinator.web.audit` own their queries.

Threads: one connection per thread (sqlite3 connections are not shared), opened on
demand; WAL lets readers run while a writer commits.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from coordinator.web.errors import ConsoleDataError
from vpr_common import sqlite as sqlite_db

DB_NAME = "console.sqlite"

#: Schema steps (``vpr_common.sqlite.migrate``); step 1 is the schema as first released.
_SCHEMA_V1 = """
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
SCHEMA_STEPS = [_SCHEMA_V1]


class ConsoleStore(sqlite_db.PerThreadStore):
    """``console.sqlite`` of one node data dir. Raises :class:`ConsoleDataError` if the
    file cannot be opened (code ``schema_too_new`` if a newer program made it; the
    file is then not written)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DB_NAME
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._local.conn = sqlite_db.open_migrated(self.path, SCHEMA_STEPS)
        except sqlite_db.SchemaTooNewError as exc:
            raise ConsoleDataError(exc.detail, code=exc.code, message_ru=exc.message_ru,
                                   remedy_ru="Обновите программу узла до той версии, что создала эти данные, "
                                             "или более новой. Данные не изменены.") from exc
        except (sqlite3.Error, OSError) as exc:
            raise ConsoleDataError(f"{self.path}: {exc}") from exc

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

