"""school.sqlite migrations: a file written by the code of main before issue 21
(``fixtures/school_v1.sqlite``, see ``fixtures/make_school_v1.py``) opens, is upgraded
step by step and keeps every row; a file newer than the code is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordinator.school import migrations, protocol, vault
from coordinator.school.errors import SchoolDataTooNewError
from coordinator.school.store import SchoolStore
from tests.coordinator.school.conftest import NAMES, PASSPHRASE, data_dir_with

@pytest.fixture()
def v1_dir(tmp_path: Path) -> Path:
    return data_dir_with(tmp_path, "school_v1.sqlite")


def _tables(store: SchoolStore) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_v1_file_is_upgraded_and_keeps_every_row(v1_dir):
    with SchoolStore(v1_dir) as s:
        assert s.upgraded_from == 1
        assert s._schema_version() == migrations.LATEST
        assert {"result_changes", "rooms", "room_staff", "room_classes", "deletions"} <= _tables(s)
        assert s.get_meta("school_name") == "МАОУ СОШ №4" and s.get_meta("school_tz") == "Asia/Yekaterinburg"
        assert s.conn.execute("SELECT COUNT(*) FROM participants").fetchone()[0] == 7
        assert s.conn.execute("SELECT COUNT(*) FROM codes").fetchone()[0] == 9
        assert s.conn.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 5
        assert [tuple(r) for r in s.conn.execute("SELECT change_seq FROM uploads")] == [(0,)]
        names = protocol.read_names(s, vault.unlock(s, PASSPHRASE))
        assert sorted(names.values()) == sorted(NAMES)


def test_v2_repairs_results_left_under_a_revoked_code(v1_dir):
    """Regression (issue 21, HIGH): the old code left the result row of a revoked code
    behind while the participant got a second code; the migration moves the row."""
    with SchoolStore(v1_dir) as s:
        (old, new), = s.conn.execute("SELECT code, replaced_by FROM codes WHERE replaced_by IS NOT NULL")
        assert s.conn.execute("SELECT 1 FROM results WHERE code=?", (old,)).fetchone() is None
        assert tuple(s.conn.execute("SELECT variant, points_json FROM results WHERE code=?", (new,)).fetchone()) == (
            1, "[2, 5, 5, 6, 6, 0]")
        assert [tuple(r) for r in s.conn.execute("SELECT subject_id, code, action, source FROM result_changes")] == [
            ("eng8", new, "moved", "migration")]


def test_upgrade_runs_once(v1_dir):
    with SchoolStore(v1_dir):
        pass
    with SchoolStore(v1_dir) as s:
        assert s.upgraded_from is None
        assert s.conn.execute("SELECT COUNT(*) FROM result_changes").fetchone()[0] == 1


def test_new_file_is_built_through_the_same_steps(data_dir):
    with SchoolStore(data_dir) as s:
        assert s._schema_version() == migrations.LATEST
        cols = {r[1] for r in s.conn.execute("PRAGMA table_info(uploads)")}
        assert "change_seq" in cols


def test_newer_file_is_refused(data_dir):
    with SchoolStore(data_dir) as s, s.tx():
        s.set_meta("schema_version", str(migrations.LATEST + 1))
    with pytest.raises(SchoolDataTooNewError) as e:
        SchoolStore(data_dir)
    assert e.value.user_text == ("Файл данных школы создан более новой версией программы. Обновите программу "
                                 "на этом компьютере до той версии, которой пользовались раньше.")
