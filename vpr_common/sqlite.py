"""The project's one way to open an SQLite file and write to it: autocommit mode, WAL
journal, ``synchronous=FULL`` (a committed transaction survives a power cut), a 30 s
busy timeout, rows by name; and ``BEGIN IMMEDIATE`` write transactions that roll back
on any error. Used by the node storage, the school store and the station outbox."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def connect(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open ``path`` with the settings above. Raises ``sqlite3.Error`` / ``OSError``."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=check_same_thread)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    # 1 MiB of page cache per connection (SQLite's default is 2 MiB): the node keeps one
    # connection per database per worker thread (up to 40 threads x 4 files), and its
    # files are small enough that 1 MiB holds their hot pages.
    conn.execute("PRAGMA cache_size=-1024")
    return conn


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


class SchemaTooNewError(Exception):
    """The database was written by a newer program (its ``user_version`` is higher than
    this program knows); it is not touched. Stores turn it into their Russian error."""

    def __init__(self, path: object, found: int, known: int) -> None:
        self.found, self.known = found, known
        super().__init__(f"{path}: schema version {found} is newer than {known}")


def migrate(conn: sqlite3.Connection, steps: list[str], path: object = "") -> int:
    """Bring the database to ``len(steps)`` via ``PRAGMA user_version``: step ``i``
    (SQL statements separated by ``;``) turns version ``i`` into ``i + 1``, each in its
    own transaction with the new version, so a crash leaves a whole step or none.
    Version 0 is a new file or one made before versions were kept: step 1 must be
    idempotent (``CREATE ... IF NOT EXISTS``). Raises :class:`SchemaTooNewError` for a
    database newer than ``steps`` (it is not written). Returns the version found."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > len(steps):
        raise SchemaTooNewError(path, found, len(steps))
    for version in range(found, len(steps)):
        with immediate(conn):
            for statement in filter(str.strip, steps[version].split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version + 1}")
    return found
