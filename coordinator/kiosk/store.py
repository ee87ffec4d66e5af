"""``kiosk.sqlite`` in the node data dir: which subjects are released, the PIN of every
participant code (an HMAC with a secret of this node - a copied file gives no PIN), and
the counters of wrong PINs. This module owns the file and its schema."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from vpr_common import sqlite as sqlite_db
from vpr_common.errors import VprError

DB_NAME = "kiosk.sqlite"
_V1 = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS releases(subject_id TEXT PRIMARY KEY, released_utc TEXT NOT NULL, login TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pins(code TEXT PRIMARY KEY, pin_mac TEXT NOT NULL, issued_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS limits(
    scope TEXT NOT NULL, key TEXT NOT NULL, failures INTEGER NOT NULL, blocked_until REAL NOT NULL,
    last_failure REAL NOT NULL, PRIMARY KEY(scope, key))
"""
SCHEMA_STEPS = [_V1]


class KioskDataError(VprError):
    code = "kiosk_data"
    message_ru = "Не удалось открыть данные киоска результатов."
    remedy_ru = "Проверьте папку данных узла, права доступа и свободное место."


class KioskStore(sqlite_db.PerThreadStore):
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DB_NAME
        try:
            sqlite_db.migrate(self._conn(), SCHEMA_STEPS, self.path)
            with self.tx() as db:
                if db.execute("SELECT 1 FROM meta WHERE key='pin_secret'").fetchone() is None:
                    db.execute("INSERT INTO meta(key, value) VALUES('pin_secret', ?)", (secrets.token_hex(32),))
        except sqlite_db.SchemaTooNewError as exc:
            raise KioskDataError(str(exc), message_ru="Данные киоска созданы более новой версией программы.",
                                 remedy_ru="Обновите программу узла; данные не изменены.") from exc
        except (OSError, sqlite3.Error) as exc:
            raise KioskDataError(f"{self.path}: {exc}") from exc

    def secret(self) -> bytes:
        return bytes.fromhex(self.query("SELECT value FROM meta WHERE key='pin_secret'")[0][0])
