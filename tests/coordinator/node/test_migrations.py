"""``node.sqlite`` schema versions: each migration opens a database made by the code
of the version before it (fixtures made by ``tests/harness/make_sqlite_fixtures.py``
from the commit in their name) and keeps its data; a database from a newer program
is refused with a Russian message and never written (the CLI exits 1, no traceback)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator.node.errors import NodeDataError
from coordinator.node.storage import DB_NAME, SCHEMA_STEPS, NodeStore
from tests.conftest import REPO_ROOT
from tests.harness.make_sqlite_fixtures import set_user_version, user_version
from tests.sync.harness import free_port
from vpr_common import sqlite as sqlite_db

FIXTURES = Path(__file__).parent / "fixtures"
#: made before schema versions were kept (user_version 0, no live state)
V0 = FIXTURES / "node-v0-fe4b900.sqlite"
#: made by main before the hardening of issue 20 (user_version 2)
V2 = FIXTURES / "node-v2-cacbc24.sqlite"


def _data_dir(tmp_path: Path, fixture: Path) -> Path:
    data = tmp_path / "node"
    data.mkdir()
    shutil.copyfile(fixture, data / DB_NAME)
    return data



def _assert_fixture_data(store: NodeStore) -> None:
    """What the fixture script wrote, read back through today's store."""
    (station,) = store.list_stations()
    assert station.name == "каб. 12, ПК 1" and station.revoked_at is None
    assert station.readiness == {"ok": True, "summary": "готова"}
    assert store.list_codes() == ["12345", "23456"]
    assert store.get_meta("exam_password") == "пароль-1" and store.get_meta("exam_size") == "1234"
    assert [r[0] for r in store.query("SELECT COUNT(*) FROM pair_codes WHERE used_at IS NULL")] == [1]  # expired now
    upload = store.get_upload("c" * 64)
    assert (upload.station_id, upload.size, upload.offset, upload.chunks) == (station.station_id, 5000, 2048, 1)
    packages = {p["package_id"]: p for p in store.list_packages()}
    assert packages["d" * 64]["participant_code"] == "12345" and packages["d" * 64]["unknown_code"] == 0
    assert packages["e" * 64]["via"] == "usb" and packages["e" * 64]["unknown_code"] == 1
    assert [r["reason"] for r in store.list_rejections()] == ["file_hash_mismatch"]
    assert not store.use_nonce(station.station_id, "0123456789abcdef0123456789abcdef")  # still remembered


def test_migration_1_adopts_a_database_made_before_versions_were_kept(tmp_path):
    data = _data_dir(tmp_path, V0)
    assert user_version(data / DB_NAME) == 0
    store = NodeStore(data)
    assert user_version(data / DB_NAME) == len(SCHEMA_STEPS)
    _assert_fixture_data(store)


def test_migration_2_adds_the_live_state_to_a_version_1_database(tmp_path):
    data = _data_dir(tmp_path, V0)
    conn = sqlite_db.open_migrated(data / DB_NAME, SCHEMA_STEPS[:1])  # step 1 as the code of version 1 did it
    conn.close()
    assert user_version(data / DB_NAME) == 1
    store = NodeStore(data)
    assert user_version(data / DB_NAME) == 2
    _assert_fixture_data(store)
    station = store.list_stations()[0]
    assert station.live is None and station.live_at is None
    store.touch_station(station.station_id, live={"activity": "in_task", "task": 2})
    assert store.get_station(station.station_id).live == {"activity": "in_task", "task": 2}


def test_database_of_the_current_version_opens_as_it_is(tmp_path):
    data = _data_dir(tmp_path, V2)
    store = NodeStore(data)
    assert user_version(data / DB_NAME) == len(SCHEMA_STEPS) == 2
    _assert_fixture_data(store)


def _newer(tmp_path: Path) -> Path:
    data = _data_dir(tmp_path, V2)
    set_user_version(data / DB_NAME, len(SCHEMA_STEPS) + 1)
    return data


def test_newer_database_refused_and_not_written(tmp_path):
    data = _newer(tmp_path)
    before = (data / DB_NAME).read_bytes()
    with pytest.raises(NodeDataError) as err:
        NodeStore(data)
    assert err.value.code == "schema_too_new"
    assert "более новой версией" in err.value.message_ru and "Обновите программу узла" in err.value.remedy_ru
    assert (data / DB_NAME).read_bytes() == before


def test_newer_database_cli_says_so_in_russian_and_exits_1(tmp_path):
    data = _newer(tmp_path)
    before = (data / DB_NAME).read_bytes()
    for argv in (["status"], ["serve", "--host", "127.0.0.1", "--port", str(free_port())]):
        out = subprocess.run([sys.executable, "-m", "coordinator.cli", *argv, "--data", str(data)],
                             capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
        assert out.returncode == 1, (argv, out.stderr)
        assert "более новой версией программы" in out.stderr and "Traceback" not in out.stderr + out.stdout
    assert (data / DB_NAME).read_bytes() == before
