"""``outbox.sqlite`` schema versions: each migration opens an outbox made by the code
of the version before it (fixture made by ``tests/harness/make_sqlite_fixtures.py``
from the commit in its name, with its package files) and keeps every entry; an
outbox from a newer program is refused with a Russian message and never written
(``vpr-station outbox`` exits 1, no traceback)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sync.errors import OutboxError
from sync.outbox import SCHEMA_STEPS, Outbox, OutboxState
from sync.package import read_manifest
from tests.conftest import REPO_ROOT
from tests.harness.make_sqlite_fixtures import set_user_version, user_version
from vpr_common import sqlite as sqlite_db

FIXTURES = Path(__file__).parent / "fixtures"
#: made by main before the hardening of issue 20: no user_version, absolute file paths
V0 = FIXTURES / "outbox-v0-cacbc24.sqlite"


def _outbox_dir(tmp_path: Path) -> Path:
    """The fixture outbox, as if its folder had been moved to another place."""
    root = tmp_path / "moved" / "outbox"
    (root / "packages").mkdir(parents=True)
    shutil.copyfile(V0, root / "outbox.sqlite")
    for f in V0.with_suffix(".packages").iterdir():
        shutil.copyfile(f, root / "packages" / f.name)
    return root



def _rows(path: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return {r["participant_code"]: r for r in conn.execute("SELECT * FROM outbox")}
    finally:
        conn.close()


def test_migration_1_adopts_an_outbox_made_before_versions_were_kept(tmp_path):
    root = _outbox_dir(tmp_path)
    before = _rows(root / "outbox.sqlite")
    assert user_version(root / "outbox.sqlite") == 0 and before["12345"]["file"].startswith("/")
    conn = sqlite3.connect(root / "outbox.sqlite", isolation_level=None)
    sqlite_db.migrate(conn, SCHEMA_STEPS[:1])
    conn.close()
    after = _rows(root / "outbox.sqlite")
    assert user_version(root / "outbox.sqlite") == 1
    assert {c: tuple(r) for c, r in after.items()} == {c: tuple(r) for c, r in before.items()}  # data as it was


def test_migration_2_stores_file_names_so_a_moved_outbox_finds_its_packages(tmp_path):
    root = _outbox_dir(tmp_path)
    before = _rows(root / "outbox.sqlite")
    box = Outbox(root)
    assert user_version(root / "outbox.sqlite") == len(SCHEMA_STEPS) == 2
    by_code = {e.participant_code: e for e in box.entries()}
    assert {c: e.state for c, e in by_code.items()} == {
        "12345": OutboxState.ACKED, "23456": OutboxState.PENDING, "34567": OutboxState.CORRUPT,
        "45678": OutboxState.PENDING}  # the one cut by a crash while uploading is pending again
    for code, entry in by_code.items():
        old = before[code]
        assert entry.path == root / "packages" / f"{entry.package_id}.vprpkg" and entry.path.is_file()
        assert (entry.size, entry.bytes_sent, entry.attempts, entry.last_error, entry.exported_to) == (
            old["size"], old["bytes_sent"], old["attempts"], old["last_error"], old["exported_to"])
        _, raw, _ = read_manifest(entry.path)
        assert hashlib.sha256(raw).hexdigest() == entry.package_id  # the whole package, readable
    assert by_code["12345"].bytes_sent == by_code["12345"].size and by_code["23456"].bytes_sent == 200
    assert by_code["23456"].exported_to == "/media/usb/vpr-export-st001"
    assert [p.name for p, _ in box.packages_of("23456")] == [by_code["23456"].path.name]
    assert box.progress().total == 4 and box.progress().acked == 1


def _newer(tmp_path: Path) -> Path:
    root = _outbox_dir(tmp_path)
    set_user_version(root / "outbox.sqlite", len(SCHEMA_STEPS) + 1)
    return root


def test_newer_outbox_refused_and_not_written(tmp_path):
    root = _newer(tmp_path)
    before = (root / "outbox.sqlite").read_bytes()
    with pytest.raises(OutboxError) as err:
        Outbox(root)
    assert err.value.code == "schema_too_new"
    assert "более новой версией" in err.value.message_ru and "Обновите программу станции" in err.value.remedy_ru
    assert (root / "outbox.sqlite").read_bytes() == before


def test_newer_outbox_cli_says_so_in_russian_and_exits_1(tmp_path):
    root = _newer(tmp_path)
    before = (root / "outbox.sqlite").read_bytes()
    out = subprocess.run([sys.executable, "-m", "station.cli", "outbox", "--data", str(root.parent)],
                         capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert out.returncode == 1, out.stderr
    assert "более новой версией программы" in out.stderr and "Traceback" not in out.stderr + out.stdout
    assert (root / "outbox.sqlite").read_bytes() == before
