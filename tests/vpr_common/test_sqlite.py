"""The shared SQLite set-up: WAL, durable commits, and transactions that roll back."""

from __future__ import annotations

import sqlite3

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


# -- schema versions -----------------------------------------------------------------------
STEPS = ["CREATE TABLE IF NOT EXISTS t (x INTEGER)", "ALTER TABLE t ADD COLUMN y TEXT; UPDATE t SET y = 'v2'"]


def _plain(path, sql: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(sql)
    conn.close()


def test_steps_run_in_order_once_each(tmp_path):
    path = tmp_path / "a.sqlite"
    conn = sqlite_db.open_migrated(path, STEPS[:1])
    conn.execute("INSERT INTO t (x) VALUES (1)")
    conn.close()
    conn = sqlite_db.open_migrated(path, STEPS)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert [tuple(r) for r in conn.execute("SELECT x, y FROM t")] == [(1, "v2")]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert sqlite_db.migrate(sqlite_db.connect(path), STEPS) == 2  # nothing left to do


def test_a_step_made_meanwhile_by_another_process_is_not_made_again(tmp_path, monkeypatch):
    path = tmp_path / "a.sqlite"
    sqlite_db.migrate(sqlite_db.connect(path), STEPS[:1])
    other = sqlite_db.connect(path)
    real_immediate = sqlite_db.immediate

    def other_process_first(conn):  # after this one read version 1, before its step 2
        monkeypatch.setattr(sqlite_db, "immediate", real_immediate)
        sqlite_db.migrate(other, STEPS)
        return real_immediate(conn)

    monkeypatch.setattr(sqlite_db, "immediate", other_process_first)
    mine = sqlite_db.connect(path)
    assert sqlite_db.migrate(mine, STEPS) == 1  # found 1, but made no step: no duplicate column error
    assert mine.execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_failing_step_leaves_the_previous_version(tmp_path):
    path = tmp_path / "a.sqlite"
    sqlite_db.open_migrated(path, STEPS[:1]).close()
    with pytest.raises(sqlite3.OperationalError):
        sqlite_db.open_migrated(path, [STEPS[0], "ALTER TABLE t ADD COLUMN z TEXT; SELECT * FROM nowhere"])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert [r[1] for r in conn.execute("PRAGMA table_info(t)")] == ["x"]  # the whole step rolled back


@pytest.mark.parametrize("journal", ["DELETE", "WAL"])
def test_newer_database_refused_before_a_byte_is_written(tmp_path, journal):
    path = tmp_path / "a.sqlite"
    _plain(path, f"PRAGMA journal_mode={journal}; CREATE TABLE t (x); INSERT INTO t VALUES (7); "
                 "PRAGMA user_version=3")
    before = path.read_bytes()
    with pytest.raises(sqlite_db.SchemaTooNewError) as err:
        sqlite_db.open_migrated(path, STEPS)
    assert (err.value.found, err.value.known) == (3, 2)
    assert "более новой версией" in err.value.message_ru and err.value.remedy_ru
    assert err.value.code == "schema_too_new"
    assert path.read_bytes() == before  # not even the journal mode was switched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.sqlite"]
