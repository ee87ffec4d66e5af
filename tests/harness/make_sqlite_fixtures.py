"""Makes the SQLite fixture files of the migration tests with the code of an *older*
commit, so each test opens a database exactly as a released program left it.

    python tests/harness/make_sqlite_fixtures.py COMMIT KIND OUT_FILE

``KIND`` is ``node``, ``outbox`` or ``console``; for ``outbox`` the package files the
rows name are copied too, into ``OUT_FILE`` with the suffix ``.packages``. The commit's tree is exported with
``git archive`` into a temp dir and a child Python with that tree first on its path
writes the database (the data below), then the WAL is checkpointed into the file so
one file holds everything. Used once per schema version; the files are committed
under ``tests/**/fixtures/`` and named after the commit that made them. The migration
tests share :func:`user_version` and :func:`set_user_version` from here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_NODE = r"""
import sys, time
from pathlib import Path
from coordinator.node.storage import NodeStore
store = NodeStore(Path(sys.argv[1]))
code, _ = store.create_pair_code(600)
sid = store.register_station(code, "каб. 12, ПК 1", "A" * 43 + "=")
store.create_pair_code(600)                       # an open code
store.touch_station(sid, readiness={"ok": True, "summary": "готова"})
store.use_nonce(sid, "0123456789abcdef0123456789abcdef")
store.import_codes(["12345", "23456"])
store.set_meta(exam_name="english.vprexam", exam_sha256="ab" * 32, exam_size="1234", exam_password="пароль-1")
store.start_upload("c" * 64, sid, 5000)
store.commit_offset("c" * 64, 0, 2048)
store.add_package("d" * 64, sid, "12345", "1", "english", 4321, "network", False)
store.add_package("e" * 64, sid, "99999", "2", "english", 999, "usb", True)
store.add_rejection("f" * 64, sid, "file_hash_mismatch", "files/task1.flac", "network")
"""

_OUTBOX = r"""
import sys
from pathlib import Path
from sync.outbox import Outbox
from sync.package import seal_package
from sync.signing import StationKey, generate_private_key
root, work = Path(sys.argv[1]), Path(sys.argv[2])
key = StationKey("st001-abcd", generate_private_key())
box = Outbox(root)
ids = []
for code in ("12345", "23456", "34567", "45678"):
    src = work / code
    src.mkdir(parents=True)
    (src / "task1.flac").write_bytes(code.encode() * 100)
    meta = {"participant_code": code, "variant": "1", "subject": "english", "timeline": [], "readiness": {}}
    ids.append(box.add(seal_package({"task1.flac": src / "task1.flac"}, meta, key, work / "sealed")).package_id)
box.mark_uploading(ids[0]); box.record_progress(ids[0], 300); box.mark_acked(ids[0], "verified")
box.mark_uploading(ids[1]); box.record_progress(ids[1], 200); box.mark_failed(ids[1], "node unreachable")
box.mark_corrupt(ids[2], "file_hash_mismatch")
box.mark_uploading(ids[3])                        # cut by a crash: left "uploading"
box.mark_exported(ids[1], "/media/usb/vpr-export-st001")
"""

_CONSOLE = r"""
import sys
from pathlib import Path
from coordinator.web.store import ConsoleStore
from coordinator.web import accounts, audit
store = ConsoleStore(Path(sys.argv[1]))
accounts.add_user(store, "Координатор", accounts.Role.COORDINATOR, "верный-пароль-2026")
tech, _ = accounts.add_user(store, "tech-1", accounts.Role.TECHNICIAN, "другой-пароль-2026")
accounts.set_disabled(store, tech.id, True)
audit.record(store, "Координатор", "coordinator", "127.0.0.1", "user_add", "tech-1", "роль: техник")
"""

SCRIPTS = {"node": (_NODE, "node.sqlite"), "outbox": (_OUTBOX, "outbox.sqlite"), "console": (_CONSOLE, "console.sqlite")}


def user_version(path: Path) -> int:
    """The schema version of an SQLite file (a plain read, nothing written)."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def set_user_version(path: Path, version: int) -> None:
    """Mark an SQLite file as made by a program of schema ``version`` (a newer one)."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA user_version={int(version)}")
    finally:
        conn.close()


def make(commit: str, kind: str, out_file: Path) -> None:
    import sqlite3

    script, db_name = SCRIPTS[kind]
    with tempfile.TemporaryDirectory() as tmp:
        tree, data, work = Path(tmp) / "tree", Path(tmp) / "data", Path(tmp) / "work"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        subprocess.run([sys.executable, "-c", script, str(data), str(work)], cwd=tree, check=True,
                       env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": tmp,
                            "VPR_DATA_DIR": tmp, "VPR_LOG_DIR": tmp, "VPR_CONFIG_DIR": tmp})
        db = sqlite3.connect(data / db_name)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()  # the last connection: the WAL is folded into the file and removed
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes((data / db_name).read_bytes())
        if kind == "outbox":
            shutil.copytree(data / "packages", out_file.with_suffix(".packages"), dirs_exist_ok=True)


if __name__ == "__main__":
    make(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
