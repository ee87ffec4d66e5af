"""``console.sqlite`` schema versions: a console file made by the code of main before
issue 20 (fixture made by ``tests/harness/make_sqlite_fixtures.py``) opens with its
accounts and audit log as they were; a new file gets every step; a file from a newer
program is refused with a Russian message and never written (``vpr-node users list``
exits 1, no traceback)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator.web import accounts, audit
from coordinator.web.errors import ConsoleDataError
from coordinator.web.store import DB_NAME, SCHEMA_STEPS, ConsoleStore
from tests.conftest import REPO_ROOT

V1 = Path(__file__).parent / "fixtures" / "console-v1-cacbc24.sqlite"


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _data_dir(tmp_path: Path, user_version: int | None = None) -> Path:
    data = tmp_path / "node"
    data.mkdir()
    shutil.copyfile(V1, data / DB_NAME)
    if user_version is not None:
        conn = sqlite3.connect(data / DB_NAME, isolation_level=None)
        conn.execute(f"PRAGMA user_version={user_version}")
        conn.close()
    return data


def test_migration_1_makes_a_new_console_file(tmp_path):
    store = ConsoleStore(tmp_path / "node")
    assert _version(tmp_path / "node" / DB_NAME) == len(SCHEMA_STEPS) == 1
    assert accounts.list_users(store) == [] and audit.count(store) == 0


def test_console_file_of_main_opens_with_its_accounts_and_audit(tmp_path):
    store = ConsoleStore(_data_dir(tmp_path))
    assert _version(store.path) == 1
    users = {u.login: u for u in accounts.list_users(store)}
    assert users["Координатор"].role is accounts.Role.COORDINATOR and not users["Координатор"].disabled
    assert users["tech-1"].role is accounts.Role.TECHNICIAN and users["tech-1"].disabled
    assert accounts.authenticate(store, "Координатор", "верный-пароль-2026").login == "Координатор"
    (entry,) = audit.entries(store)
    assert (entry.login, entry.action, entry.target, entry.detail) == ("Координатор", "user_add", "tech-1",
                                                                      "роль: техник")


def test_newer_console_file_refused_and_not_written(tmp_path):
    data = _data_dir(tmp_path, user_version=len(SCHEMA_STEPS) + 1)
    before = (data / DB_NAME).read_bytes()
    with pytest.raises(ConsoleDataError) as err:
        ConsoleStore(data)
    assert err.value.code == "schema_too_new"
    assert "более новой версией" in err.value.message_ru and "Обновите программу узла" in err.value.remedy_ru
    out = subprocess.run([sys.executable, "-m", "coordinator.cli", "users", "list", "--data", str(data)],
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert out.returncode == 1, out.stderr
    assert "более новой версией программы" in out.stderr and "Traceback" not in out.stderr + out.stdout
    assert (data / DB_NAME).read_bytes() == before
