"""The station outbox: every sealed response package waits here until the node has
verified and acknowledged it.

Persistent (SQLite ``outbox.sqlite`` in WAL mode next to the ``packages/`` folder),
states are :class:`OutboxState`. A failure never drops an entry: it is rescheduled
with exponential backoff (capped, with jitter) forever; a package whose local copy
fails verification becomes ``CORRUPT`` and is kept for the technician. Package files
are never deleted by the outbox. Safe from several threads (one connection each).

The station seals response packages through :meth:`Outbox.seal` (straight into the
outbox folder) and asks :meth:`Outbox.packages_of` what it already holds; nothing
outside this module reads or writes the ``packages/`` folder.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Mapping

from sync.errors import OutboxError, PackageError
from sync.package import SUFFIX, SealedPackage, read_manifest, seal_package
from vpr_common.atomic import atomic_copy
from vpr_common import sqlite as sqlite_db

if TYPE_CHECKING:
    from sync.signing import StationKey

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0

#: Schema steps (``vpr_common.sqlite.migrate``). 1: the table as first released
#: (idempotent: outboxes made before versions were kept pass through it).
_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS outbox (
    package_id TEXT PRIMARY KEY, file TEXT NOT NULL, size INTEGER NOT NULL,
    participant_code TEXT NOT NULL, state TEXT NOT NULL, bytes_sent INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, last_error TEXT,
    created_at REAL NOT NULL, acked_at REAL, ack_status TEXT, exported_to TEXT);
"""
#: 2: ``file`` holds the package's file name inside ``packages/`` instead of an
#: absolute path, so an outbox folder that was moved or restored elsewhere (a new
#: disk, another user's profile) still finds its packages. Every package was always
#: stored as ``packages/<id>.vprpkg``.
_RELATIVE_FILES_V2 = f"UPDATE outbox SET file = package_id || '{SUFFIX}'"
SCHEMA_STEPS = [_SCHEMA_V1, _RELATIVE_FILES_V2]


class OutboxState(str, Enum):
    PENDING = "pending"        # waiting for its (next) attempt
    UPLOADING = "uploading"    # an attempt is running
    ACKED = "acked"            # the node verified it ("verified" or "already_have")
    CORRUPT = "corrupt"        # the local copy fails verification; kept, never sent


@dataclass(frozen=True)
class OutboxEntry:
    package_id: str
    path: Path
    size: int
    participant_code: str
    state: OutboxState
    bytes_sent: int
    attempts: int
    next_attempt_at: float
    last_error: str | None
    acked_at: float | None
    exported_to: str | None

    @property
    def percent(self) -> float:
        if self.state is OutboxState.ACKED:
            return 100.0
        return round(100.0 * self.bytes_sent / self.size, 1) if self.size else 0.0


@dataclass(frozen=True)
class OutboxProgress:
    total: int
    acked: int
    waiting: int
    corrupt: int
    bytes_total: int
    bytes_done: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.bytes_done / self.bytes_total, 1) if self.bytes_total else 100.0


def backoff_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after ``attempts`` failures: 1, 2, 4 ... capped at 60, +-20 %."""
    base = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return base * (rng or random).uniform(0.8, 1.2)


class Outbox:
    """Raises :class:`OutboxError` when its database or folder cannot be used."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.packages_dir = self.root / "packages"
        self.db_path = self.root / "outbox.sqlite"
        self._local = threading.local()
        try:
            self.packages_dir.mkdir(parents=True, exist_ok=True)
            self._local.conn = sqlite_db.open_migrated(self.db_path, SCHEMA_STEPS, check_same_thread=False)
            with self._tx() as db:  # an attempt cut by a crash is just pending again
                db.execute("UPDATE outbox SET state=? WHERE state=?",
                           (OutboxState.PENDING.value, OutboxState.UPLOADING.value))
        except sqlite_db.SchemaTooNewError as exc:
            raise OutboxError(exc.detail, code=exc.code, message_ru=exc.message_ru,
                              remedy_ru="Обновите программу станции до той версии, что создала эти данные, "
                                        "или более новой. Данные и ответы не изменены.") from exc
        except (OSError, sqlite3.Error) as exc:
            raise OutboxError(f"{self.root}: {exc}") from exc

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_db.connect(self.db_path, check_same_thread=False)
            self._local.conn = conn
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with sqlite_db.immediate(self._conn()) as db:
            yield db

    def _write(self, sql: str, args: tuple) -> int:
        try:
            with self._tx() as db:
                return db.execute(sql, args).rowcount
        except sqlite3.Error as exc:
            raise OutboxError(str(exc)) from exc

    def _entry(self, r: sqlite3.Row) -> OutboxEntry:
        return OutboxEntry(r["package_id"], self.packages_dir / r["file"], r["size"], r["participant_code"],
                           OutboxState(r["state"]), r["bytes_sent"], r["attempts"], r["next_attempt_at"],
                           r["last_error"], r["acked_at"], r["exported_to"])

    # -- adding ------------------------------------------------------------------
    def add(self, package: SealedPackage | Path) -> OutboxEntry:
        """Queue a sealed package (copied into the outbox folder unless already there).

        Idempotent: the same package id twice is one entry. Raises
        :class:`OutboxError` on disk faults, :class:`~sync.errors.PackageError` if the
        file is not a package.
        """
        path = Path(package.path if isinstance(package, SealedPackage) else package)
        manifest, raw, _ = read_manifest(path)
        package_id = hashlib.sha256(raw).hexdigest()
        existing = self.get(package_id)
        if existing is not None:
            return existing
        target = self.packages_dir / f"{package_id}{SUFFIX}"
        try:
            if path.resolve() != target.resolve():
                atomic_copy(path, target)
        except OSError as exc:
            raise OutboxError(f"copy {path}: {exc}") from exc
        now = time.time()
        self._write("INSERT OR IGNORE INTO outbox (package_id, file, size, participant_code, state, "
                    "next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?)",
                    (package_id, target.name, target.stat().st_size, manifest["participant_code"],
                     OutboxState.PENDING.value, now, now))
        return self.get(package_id)

    def seal(self, files: Mapping[str, Path], meta: Mapping, key: "StationKey") -> OutboxEntry:
        """Seal a response package straight into the outbox folder (one copy on disk)
        and queue it; see :func:`sync.package.seal_package` for ``files`` and ``meta``.

        A crash between the two steps leaves a whole package in the folder and no row;
        :meth:`packages_of` still finds it, so the caller can queue it with :meth:`add`
        instead of sealing the same answers twice. Raises what ``seal_package``
        (``PackageInputError``, ``OSError``) and :meth:`add` raise.
        """
        return self.add(seal_package(files, meta, key, self.packages_dir))

    # -- reading -----------------------------------------------------------------
    def packages_of(self, participant_code: str) -> Iterator[tuple[Path, dict]]:
        """Every whole package of this participant the outbox holds, with its manifest:
        the queued ones first, then those sealed into its folder but never queued (a
        crash came between :meth:`seal` and :meth:`add`). A file that does not read as
        a package (a torn copy) is skipped. Raises ``sqlite3.Error`` only if the
        database cannot be read."""
        entries = self.entries()
        queued = {e.path.name for e in entries}
        paths = [e.path for e in entries if e.participant_code == participant_code]
        paths += [f for f in sorted(self.packages_dir.glob(f"*{SUFFIX}")) if f.name not in queued]
        for path in paths:
            try:
                manifest, _, _ = read_manifest(path)
            except PackageError:
                continue
            if manifest.get("participant_code") == participant_code:
                yield path, manifest

    def get(self, package_id: str) -> OutboxEntry | None:
        rows = self._conn().execute("SELECT * FROM outbox WHERE package_id=?", (package_id,)).fetchall()
        return self._entry(rows[0]) if rows else None

    def entries(self) -> list[OutboxEntry]:
        return [self._entry(r) for r in self._conn().execute("SELECT * FROM outbox ORDER BY created_at")]

    def unacked(self) -> list[OutboxEntry]:
        return [e for e in self.entries() if e.state is not OutboxState.ACKED]

    def due(self, now: float | None = None) -> list[OutboxEntry]:
        now = time.time() if now is None else now
        rows = self._conn().execute("SELECT * FROM outbox WHERE state=? AND next_attempt_at<=? "
                                    "ORDER BY next_attempt_at", (OutboxState.PENDING.value, now)).fetchall()
        return [self._entry(r) for r in rows]

    def next_due_at(self) -> float | None:
        row = self._conn().execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state=?",
                                   (OutboxState.PENDING.value,)).fetchone()
        return row[0]

    def progress(self) -> OutboxProgress:
        es = self.entries()
        acked = [e for e in es if e.state is OutboxState.ACKED]
        return OutboxProgress(len(es), len(acked), sum(e.state in (OutboxState.PENDING, OutboxState.UPLOADING)
                                                       for e in es),
                              sum(e.state is OutboxState.CORRUPT for e in es), sum(e.size for e in es),
                              sum(e.size if e.state is OutboxState.ACKED else min(e.bytes_sent, e.size) for e in es))

    # -- transitions ---------------------------------------------------------------
    def mark_uploading(self, package_id: str) -> bool:
        return self._write("UPDATE outbox SET state=?, attempts=attempts+1 WHERE package_id=? AND state=?",
                           (OutboxState.UPLOADING.value, package_id, OutboxState.PENDING.value)) == 1

    def record_progress(self, package_id: str, bytes_sent: int) -> None:
        self._write("UPDATE outbox SET bytes_sent=? WHERE package_id=?", (bytes_sent, package_id))

    def mark_acked(self, package_id: str, status: str) -> None:
        self._write("UPDATE outbox SET state=?, acked_at=?, ack_status=?, bytes_sent=size, last_error=NULL "
                    "WHERE package_id=?", (OutboxState.ACKED.value, time.time(), status, package_id))

    def mark_failed(self, package_id: str, error: str) -> float:
        """Reschedule after a failure; returns the next attempt time."""
        entry = self.get(package_id)
        attempts = entry.attempts if entry else 1
        at = time.time() + backoff_delay(attempts)
        self._write("UPDATE outbox SET state=?, next_attempt_at=?, last_error=? WHERE package_id=? AND state!=?",
                    (OutboxState.PENDING.value, at, error[:500], package_id, OutboxState.ACKED.value))
        return at

    def mark_corrupt(self, package_id: str, error: str) -> None:
        self._write("UPDATE outbox SET state=?, last_error=? WHERE package_id=?",
                    (OutboxState.CORRUPT.value, error[:500], package_id))

    def mark_exported(self, package_id: str, dest: str) -> None:
        self._write("UPDATE outbox SET exported_to=? WHERE package_id=?", (dest, package_id))

    def retry_now(self) -> None:
        """Make every pending entry due now (e.g. the network came back)."""
        self._write("UPDATE outbox SET next_attempt_at=? WHERE state=?", (time.time(), OutboxState.PENDING.value))
