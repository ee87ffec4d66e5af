"""The project's one way to open an SQLite file and write to it: autocommit mode, WAL
journal, ``synchronous=FULL`` (a committed transaction survives a power cut), a 30 s
busy timeout, rows by name; ``BEGIN IMMEDIATE`` write transactions that roll back
on any error; and schema versions (``PRAGMA user_version``) with ordered forward
migrations, where a file made by a newer program is refused before a byte of it is
written. Used by the node storage, the console store, the school store and the
station outbox."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from vpr_common.errors import VprError


def _open(path: Path, check_same_thread: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=check_same_thread)
    conn.row_factory = sqlite3.Row
    return conn


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    # 1 MiB of page cache per connection (SQLite's default is 2 MiB): the node keeps one
    # connection per database per worker thread (up to 40 threads x 4 files), and its
    # files are small enough that 1 MiB holds their hot pages.
    conn.execute("PRAGMA cache_size=-1024")
    return conn


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open ``path`` with the settings above. Raises ``sqlite3.Error`` / ``OSError``."""
    return _configure(_open(path, check_same_thread))


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction; nested use joins the open one."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SchemaTooNewError(VprError):
    """The database was written by a newer program (its ``user_version`` is higher than
    this program knows); it is not touched. Stores raise it again as their own error
    type with the same texts (``code`` ``schema_too_new``)."""

    code = "schema_too_new"

    def __init__(self, path: object, found: int, known: int) -> None:
        self.path, self.found, self.known = path, found, known
        super().__init__(f"{path}: schema version {found} is newer than {known}",
                         message_ru=f"Файл данных {path} создан более новой версией программы "
                                    f"(версия данных {found}, эта программа знает версии до {known}).",
                         remedy_ru="Установите ту версию программы, что создала эти данные, или более новую. "
                                   "Файл не изменён; не удаляйте его.")


def open_migrated(path: Path, steps: list[str], *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open ``path`` and bring it to ``len(steps)`` (:func:`migrate`), configured as
    :func:`connect`. The version is read before anything else, so a file made by a
    newer program is refused with :class:`SchemaTooNewError` before even its journal
    mode is set: its bytes stay as they were. Raises ``sqlite3.Error`` / ``OSError``
    too (not a database, unreadable, disk full)."""
    probe = _open(path, check_same_thread)
    try:
        found = probe.execute("PRAGMA user_version").fetchone()[0]
    finally:
        probe.close()
    if found > len(steps):
        raise SchemaTooNewError(path, found, len(steps))
    conn = connect(path, check_same_thread=check_same_thread)
    try:
        migrate(conn, steps, path)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, steps: list[str], path: object = "") -> int:
    """Bring the database to ``len(steps)`` via ``PRAGMA user_version``: step ``i``
    (SQL statements separated by ``;``) turns version ``i`` into ``i + 1``, each in its
    own transaction with the new version, so a crash leaves a whole step or none.
    Version 0 is a new file or one made before versions were kept: step 1 must be
    idempotent (``CREATE ... IF NOT EXISTS``). The version is read again inside each
    step's transaction, so two processes opening the file at once make each step once.
    Raises :class:`SchemaTooNewError` for a
    database newer than ``steps`` (it is not written). Returns the version found."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > len(steps):
        raise SchemaTooNewError(path, found, len(steps))
    for version in range(found, len(steps)):
        with immediate(conn):
            now = conn.execute("PRAGMA user_version").fetchone()[0]
            if now > len(steps):
                raise SchemaTooNewError(path, now, len(steps))
            if now > version:
                continue  # another process made this step meanwhile
            for statement in filter(str.strip, steps[version].split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version + 1}")
    return found


class PerThreadStore:
    """The connection handling of a store used from many threads (the node's request
    handlers): one connection per thread to ``self.path``, write transactions
    (``BEGIN IMMEDIATE``) and queries. The subclass sets ``path``; ``_conn`` may be
    overridden to wrap errors in the store's own type."""

    path: Path

    def _conn(self) -> sqlite3.Connection:
        local = self.__dict__.setdefault("_local", threading.local())
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            local.conn = conn
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``)."""
        with immediate(self._conn()) as db:
            yield db

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        return self._conn().execute(sql, args).fetchall()
