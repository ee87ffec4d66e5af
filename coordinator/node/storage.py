"""The node's state: one SQLite database ``node.sqlite`` (WAL, synchronous=FULL) plus
a files directory (``files/incoming`` for partial uploads, ``files/packages`` for
verified response packages, ``files/exam`` for the exam package).

:class:`NodeStore` is shared by the HTTP worker threads and the event loop; each
thread gets its own connection (thread-local), and every write is one short
transaction. Other node modules (``coordinator/school``) keep their own database.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from coordinator.node.errors import NodeDataError, NodeDiskFullError, NotFoundError
from sync.package import SUFFIX as PACKAGE_SUFFIX
from vpr_common import sqlite as sqlite_db
from vpr_common.errors import is_disk_full

DB_NAME = "node.sqlite"
NONCE_KEEP_S = 900

#: Schema steps (``vpr_common.sqlite.migrate``): step 1 is the schema as first released
#: (idempotent, so databases made before versions were kept pass through it).
_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pair_codes (
    code_hash TEXT PRIMARY KEY, code TEXT NOT NULL, created_at REAL NOT NULL,
    expires_at REAL NOT NULL, used_at REAL, station_id TEXT);
CREATE TABLE IF NOT EXISTS stations (
    station_id TEXT PRIMARY KEY, name TEXT NOT NULL, public_key TEXT NOT NULL UNIQUE,
    paired_at REAL NOT NULL, revoked_at REAL, last_seen REAL, readiness TEXT);
CREATE TABLE IF NOT EXISTS nonces (
    station_id TEXT NOT NULL, nonce TEXT NOT NULL, ts REAL NOT NULL,
    PRIMARY KEY (station_id, nonce));
CREATE INDEX IF NOT EXISTS nonces_ts ON nonces (ts);
CREATE TABLE IF NOT EXISTS uploads (
    package_id TEXT PRIMARY KEY, station_id TEXT NOT NULL, size INTEGER NOT NULL,
    offset INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS packages (
    package_id TEXT PRIMARY KEY, station_id TEXT NOT NULL, participant_code TEXT NOT NULL,
    variant TEXT NOT NULL, subject TEXT NOT NULL, size INTEGER NOT NULL,
    received_at REAL NOT NULL, via TEXT NOT NULL, unknown_code INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT, package_id TEXT, station_id TEXT,
    reason TEXT NOT NULL, detail TEXT, at REAL NOT NULL, via TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codes (code TEXT PRIMARY KEY, imported_at REAL NOT NULL);
"""
#: 2: what each station last reported of its exam (phase, task, time left, code).
_LIVE_V2 = "ALTER TABLE stations ADD COLUMN live TEXT; ALTER TABLE stations ADD COLUMN live_at REAL"
SCHEMA_STEPS = [_SCHEMA_V1, _LIVE_V2]


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class Station:
    station_id: str
    name: str
    public_key: str
    paired_at: float
    revoked_at: float | None
    last_seen: float | None
    readiness: dict | None
    live: dict | None = None      # the station's last report of its exam (see touch_station)
    live_at: float | None = None


@dataclass(frozen=True)
class Upload:
    package_id: str
    station_id: str
    size: int
    offset: int
    chunks: int
    updated_at: float
    created_at: float = 0.0  # with the package id, tells a re-opened upload from the old one


class NodeStore:
    """Everything the node persists. Methods raise :class:`NodeDiskFullError` when the
    disk is full and :class:`NodeDataError` when the database is unusable."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.files_dir = self.data_dir / "files"
        self.incoming_dir = self.files_dir / "incoming"
        self.packages_dir = self.files_dir / "packages"
        self.exam_dir = self.files_dir / "exam"
        self.db_path = self.data_dir / DB_NAME
        self._local = threading.local()
        # One writer at a time inside this process: SQLite's own busy handler sleeps
        # in steps of up to 100 ms when connections of the same process collide, which
        # under 30 uploading stations cost more wall time than the writes themselves.
        # Other processes (CLI commands, extra workers) still meet the busy timeout.
        self._write_lock = threading.RLock()
        try:
            for d in (self.incoming_dir, self.packages_dir, self.exam_dir):
                d.mkdir(parents=True, exist_ok=True)
            self._local.conn = sqlite_db.open_migrated(self.db_path, SCHEMA_STEPS, check_same_thread=False)
        except sqlite_db.SchemaTooNewError as exc:
            raise NodeDataError(exc.detail, code=exc.code, message_ru=exc.message_ru,
                                remedy_ru="Обновите программу узла до той версии, что создала эти данные, "
                                          "или более новой. Данные не изменены.") from exc
        except (OSError, sqlite3.Error) as exc:
            if is_disk_full(exc):
                raise NodeDiskFullError(str(exc)) from exc
            raise NodeDataError(f"{self.data_dir}: {exc}") from exc

    # -- connection handling -------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_db.connect(self.db_path, check_same_thread=False)
            self._local.conn = conn
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT)."""
        db = self._conn()
        try:
            with self._write_lock, sqlite_db.immediate(db):
                yield db
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if is_disk_full(exc):
                raise NodeDiskFullError(str(exc)) from exc
            raise

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        return self._conn().execute(sql, args).fetchall()

    def journal_mode(self) -> str:
        return self.query("PRAGMA journal_mode")[0][0]

    # -- meta -----------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0]["value"] if rows else default

    def set_meta(self, **values: str | None) -> None:
        with self.tx() as db:
            for key, value in values.items():
                if value is None:
                    db.execute("DELETE FROM meta WHERE key=?", (key,))
                else:
                    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- pairing ---------------------------------------------------------------
    def create_pair_code(self, ttl_s: float) -> tuple[str, float]:
        """A fresh 8-digit one-time code; returns (code, expires_at)."""
        code = f"{secrets.randbelow(10**8):08d}"
        now = time.time()
        with self.tx() as db:
            db.execute("INSERT INTO pair_codes (code_hash, code, created_at, expires_at) VALUES (?,?,?,?)",
                       (hash_code(code), code, now, now + ttl_s))
        return code, now + ttl_s

    def active_pair_codes(self) -> list[str]:
        rows = self.query("SELECT code FROM pair_codes WHERE used_at IS NULL AND expires_at > ?", (time.time(),))
        return [r["code"] for r in rows]

    def expire_pair_codes(self) -> None:
        with self.tx() as db:
            db.execute("UPDATE pair_codes SET expires_at=? WHERE used_at IS NULL AND expires_at > ?",
                       (time.time(), time.time()))

    def register_station(self, code: str, name: str, public_key: str) -> str:
        """Consume ``code`` and add a station in one transaction; returns its id.

        Returns an empty string if the code was used or expired meanwhile.
        """
        now = time.time()
        with self.tx() as db:
            cur = db.execute("UPDATE pair_codes SET used_at=? WHERE code_hash=? AND used_at IS NULL "
                             "AND expires_at > ?", (now, hash_code(code), now))
            if cur.rowcount != 1:
                return ""
            old = db.execute("SELECT station_id FROM stations WHERE public_key=?", (public_key,)).fetchone()
            if old:  # the same key paired again: un-revoke, keep the id
                station_id = old["station_id"]
                db.execute("UPDATE stations SET name=?, revoked_at=NULL, paired_at=? WHERE station_id=?",
                           (name, now, station_id))
            else:
                n = db.execute("SELECT COUNT(*) FROM stations").fetchone()[0] + 1
                station_id = f"st{n:03d}-{secrets.token_hex(2)}"
                db.execute("INSERT INTO stations (station_id, name, public_key, paired_at) VALUES (?,?,?,?)",
                           (station_id, name, public_key, now))
            db.execute("UPDATE pair_codes SET station_id=? WHERE code_hash=?", (station_id, hash_code(code)))
        return station_id

    # -- stations -------------------------------------------------------------
    def _station(self, row: sqlite3.Row) -> Station:
        return Station(row["station_id"], row["name"], row["public_key"], row["paired_at"], row["revoked_at"],
                       row["last_seen"], json.loads(row["readiness"]) if row["readiness"] else None,
                       json.loads(row["live"]) if row["live"] else None, row["live_at"])

    def get_station(self, station_id: str) -> Station | None:
        rows = self.query("SELECT * FROM stations WHERE station_id=?", (station_id,))
        return self._station(rows[0]) if rows else None

    def list_stations(self) -> list[Station]:
        return [self._station(r) for r in self.query("SELECT * FROM stations ORDER BY station_id")]

    def revoke_station(self, station_id: str) -> bool:
        with self.tx() as db:
            cur = db.execute("UPDATE stations SET revoked_at=? WHERE station_id=? AND revoked_at IS NULL",
                             (time.time(), station_id))
        return cur.rowcount == 1

    def touch_station(self, station_id: str, readiness: dict | None = None, live: dict | None = None) -> None:
        """Mark a station seen; store its readiness summary and its live exam state
        (phase, task, time left, participant code) when given."""
        now = time.time()
        with self.tx() as db:
            db.execute("UPDATE stations SET last_seen=? WHERE station_id=?", (now, station_id))
            if readiness:
                db.execute("UPDATE stations SET readiness=? WHERE station_id=?",
                           (json.dumps(readiness, ensure_ascii=False), station_id))
            if live:
                db.execute("UPDATE stations SET live=?, live_at=? WHERE station_id=?",
                           (json.dumps(live, ensure_ascii=False), now, station_id))

    def use_nonce(self, station_id: str, nonce: str) -> bool:
        """Record a request nonce and mark the station seen; False if it was used."""
        now = time.time()
        with self.tx() as db:
            try:
                db.execute("INSERT INTO nonces (station_id, nonce, ts) VALUES (?,?,?)", (station_id, nonce, now))
            except sqlite3.IntegrityError:
                return False
            db.execute("DELETE FROM nonces WHERE ts < ?", (now - NONCE_KEEP_S,))
            db.execute("UPDATE stations SET last_seen=? WHERE station_id=?", (now, station_id))
        return True

    # -- participant codes ----------------------------------------------------
    def import_codes(self, codes: list[str]) -> int:
        """Add codes (duplicates ignored); returns how many were new."""
        now = time.time()
        with self.tx() as db:
            before = db.execute("SELECT COUNT(*) FROM codes").fetchone()[0]
            db.executemany("INSERT OR IGNORE INTO codes (code, imported_at) VALUES (?, ?)",
                           [(c, now) for c in codes])
            after = db.execute("SELECT COUNT(*) FROM codes").fetchone()[0]
        return after - before

    def _school_codes(self) -> set[str]:
        """Active codes issued by the paper-subjects module (``vpr-node codes generate``)
        in the same data dir; empty when that module has no database here."""
        from coordinator.school.store import DB_NAME as SCHOOL_DB, SchoolStore

        if not (self.data_dir / SCHOOL_DB).exists():
            return set()
        from coordinator.school.codes import active_codes

        with SchoolStore(self.data_dir) as school:
            return {c.code for c in active_codes(school)}

    def list_codes(self) -> list[str]:
        """Valid participant codes: imported ones (``vpr-node import-codes``) and the
        codes the school issued itself (``vpr-node codes generate``)."""
        imported = {r["code"] for r in self.query("SELECT code FROM codes")}
        return sorted(imported | self._school_codes())

    def is_valid_code(self, code: str) -> bool:
        return bool(self.query("SELECT 1 FROM codes WHERE code=?", (code,))) or code in self._school_codes()

    # -- uploads --------------------------------------------------------------
    def _upload(self, row: sqlite3.Row) -> Upload:
        return Upload(row["package_id"], row["station_id"], row["size"], row["offset"], row["chunks"],
                      row["updated_at"], row["created_at"])

    def get_upload(self, package_id: str) -> Upload | None:
        rows = self.query("SELECT * FROM uploads WHERE package_id=?", (package_id,))
        return self._upload(rows[0]) if rows else None

    def list_uploads(self) -> list[Upload]:
        return [self._upload(r) for r in self.query("SELECT * FROM uploads ORDER BY created_at")]

    def start_upload(self, package_id: str, station_id: str, size: int) -> Upload:
        now = time.time()
        with self.tx() as db:
            db.execute("INSERT OR IGNORE INTO uploads (package_id, station_id, size, offset, created_at, "
                       "updated_at) VALUES (?,?,?,0,?,?)", (package_id, station_id, size, now, now))
        return self.get_upload(package_id)

    def commit_offset(self, package_id: str, old_offset: int, new_offset: int) -> bool:
        """Advance the committed offset (the caller fsync'd the data first)."""
        with self.tx() as db:
            cur = db.execute("UPDATE uploads SET offset=?, chunks=chunks+1, updated_at=? "
                             "WHERE package_id=? AND offset=?", (new_offset, time.time(), package_id, old_offset))
        return cur.rowcount == 1

    def drop_upload_if_stale(self, package_id: str, cutoff: float) -> Upload | None:
        """Delete the upload row if its last progress is older than ``cutoff`` (Unix
        time); returns the dropped upload, or None if it is gone or moving again."""
        with self.tx() as db:
            rows = db.execute("SELECT * FROM uploads WHERE package_id=? AND updated_at < ?",
                              (package_id, cutoff)).fetchall()
            if not rows:
                return None
            db.execute("DELETE FROM uploads WHERE package_id=?", (package_id,))
        return self._upload(rows[0])

    def drop_upload(self, package_id: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM uploads WHERE package_id=?", (package_id,))

    # -- packages and rejections ----------------------------------------------
    def has_package(self, package_id: str) -> bool:
        return bool(self.query("SELECT 1 FROM packages WHERE package_id=?", (package_id,)))

    def get_package(self, package_id: str) -> dict | None:
        rows = self.query("SELECT * FROM packages WHERE package_id=?", (package_id,))
        return dict(rows[0]) if rows else None

    def add_package(self, package_id: str, station_id: str, participant_code: str, variant: str,
                    subject: str, size: int, via: str, unknown_code: bool) -> bool:
        """Record a verified package and close its upload; False if already present."""
        with self.tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO packages (package_id, station_id, participant_code, variant, subject, "
                "size, received_at, via, unknown_code) VALUES (?,?,?,?,?,?,?,?,?)",
                (package_id, station_id, participant_code, variant, subject, size, time.time(), via,
                 int(unknown_code)))
            db.execute("DELETE FROM uploads WHERE package_id=?", (package_id,))
        return cur.rowcount == 1

    def package_file(self, package_id: str) -> Path:
        """The stored file of a verified package (``files/packages/<id>.vprpkg``).
        Raises :class:`NotFoundError` if the node has no such package."""
        if not self.has_package(package_id):
            raise NotFoundError(f"no package {package_id}")
        return self.packages_dir / f"{package_id}{PACKAGE_SUFFIX}"

    def list_packages(self) -> list[dict]:
        return [dict(r) for r in self.query("SELECT * FROM packages ORDER BY received_at")]

    def add_rejection(self, package_id: str | None, station_id: str | None, reason: str, detail: str,
                      via: str) -> None:
        with self.tx() as db:
            db.execute("INSERT INTO rejections (package_id, station_id, reason, detail, at, via) "
                       "VALUES (?,?,?,?,?,?)", (package_id, station_id, reason, detail, time.time(), via))

    def list_rejections(self) -> list[dict]:
        return [dict(r) for r in self.query("SELECT * FROM rejections ORDER BY at")]
