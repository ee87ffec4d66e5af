"""``console.sqlite`` schema versions: a console file made by the code of main before
issue 20 (fixture made by ``tests/harness/make_sqlite_fixtures.py``) opens with its
accounts and audit log as they were; a new file gets every step; a file from a newer
program is refused with a Russian message and never written (``vpr-node users list``
exits 1, no traceback)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coordinator.web import accounts, audit
from coordinator.web.errors import ConsoleDataError
from coordinator.web.store import DB_NAME, SCHEMA_STEPS, ConsoleStore
from tests.conftest import REPO_ROOT
from tests.harness.make_sqlite_fixtures import set_user_version, user_version

V1 = Path(__file__).parent / "fixtures" / "console-v1-cacbc24.sqlite"



def _data_dir(tmp_path: Path, version: int | None = None) -> Path:
    data = tmp_path / "node"
    data.mkdir()
    shutil.copyfile(V1, data / DB_NAME)
    if version is not None:
        set_user_version(data / DB_NAME, version)
    return data


def test_migration_1_makes_a_new_console_file(tmp_path):
    store = ConsoleStore(tmp_path / "node")
    assert user_version(tmp_path / "node" / DB_NAME) == len(SCHEMA_STEPS) == 1
    assert accounts.list_users(store) == [] and audit.count(store) == 0


def test_console_file_of_main_opens_with_its_accounts_and_audit(tmp_path):
    store = ConsoleStore(_data_dir(tmp_path))
    assert user_version(store.path) == 1
    users = {u.login: u for u in accounts.list_users(store)}
    assert users["Координатор"].role is accounts.Role.COORDINATOR and not users["Координатор"].disabled
    assert users["tech-1"].role is accounts.Role.TECHNICIAN and users["tech-1"].disabled
    assert accounts.authenticate(store, "Координатор", "верный-пароль-2026").login == "Координатор"
    (entry,) = audit.entries(store)
    assert (entry.login, entry.action, entry.target, entry.detail) == ("Координатор", "user_add", "tech-1",
                                                                      "роль: техник")


def test_newer_console_file_refused_and_not_written(tmp_path):
    data = _data_dir(tmp_path, version=len(SCHEMA_STEPS) + 1)
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
