"""school.sqlite: created in the node data dir, WAL, reopened without re-running the schema."""

from __future__ import annotations

from coordinator.school.store import DB_NAME, SCHEMA_VERSION, SchoolStore, default_data_dir


def test_file_mode_and_reopen(data_dir):
    with SchoolStore(data_dir) as s:
        assert s.path == data_dir / DB_NAME and s.path.exists()
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        with s.tx():
            s.set_meta("school_name", "Школа")
    with SchoolStore(data_dir) as s:
        assert s.get_meta("school_name") == "Школа"
        assert s._schema_version() == SCHEMA_VERSION


def test_rollback_on_error(data_dir):
    with SchoolStore(data_dir) as s:
        try:
            with s.tx():
                s.set_meta("x", "1")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert s.get_meta("x") is None


def test_default_data_dir_is_under_the_node_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("VPR_DATA_DIR", str(tmp_path / "d"))
    assert default_data_dir() == tmp_path / "d" / "node"
