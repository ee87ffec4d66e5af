"""The shared SQLite set-up: WAL, durable commits, and transactions that roll back."""

from __future__ import annotations

import pytest

from vpr_common import sqlite as sqlite_db


def test_wal_and_full_sync(tmp_path):
    conn = sqlite_db.connect(tmp_path / "a.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_transaction_commits_or_rolls_back(tmp_path):
    conn = sqlite_db.connect(tmp_path / "a.sqlite")
    conn.execute("CREATE TABLE t (x INTEGER)")
    with sqlite_db.immediate(conn):
        conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError):
        with sqlite_db.immediate(conn):
            conn.execute("INSERT INTO t VALUES (2)")
            with sqlite_db.immediate(conn):  # nested: joins the open transaction
                conn.execute("INSERT INTO t VALUES (3)")
            raise RuntimeError("boom")
    assert [r[0] for r in conn.execute("SELECT x FROM t")] == [1]
