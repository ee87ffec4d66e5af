"""The scoring room's SQLite file ``scoring.sqlite`` in the node data dir and its
folder ``scoring/`` (the prepared audio and the task media experts see). This module
owns the file, the schema (``vpr_common.sqlite.migrate``) and the paths; the other
scoring modules own their queries.

Participant codes are stored here (the coordinator's reports need them) but never
leave through anything an expert's browser receives: experts see responses only by
their random ids (see :mod:`coordinator.scoring.responses`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from coordinator.scoring.errors import ScoringError
from vpr_common import sqlite as sqlite_db

DB_NAME = "scoring.sqlite"
DIR_NAME = "scoring"

_V1 = """
CREATE TABLE IF NOT EXISTS links(
    subject_id TEXT PRIMARY KEY, content_subject TEXT NOT NULL, linked_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contents(
    package_id TEXT PRIMARY KEY, content_subject TEXT NOT NULL, manifest_json TEXT NOT NULL,
    answer_key_json TEXT, loaded_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings(subject_id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS prepared(
    package_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, participant_code TEXT NOT NULL,
    variant INTEGER NOT NULL, content_package_id TEXT, objective_json TEXT, prepared_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS responses(
    id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, package_id TEXT NOT NULL, participant_code TEXT NOT NULL,
    variant INTEGER NOT NULL, task_id TEXT NOT NULL, task_number TEXT NOT NULL, content_package_id TEXT,
    audio TEXT, duration_s REAL NOT NULL, indicators_json TEXT NOT NULL, peaks_json TEXT NOT NULL,
    photo TEXT, order_key REAL NOT NULL, double_key REAL NOT NULL, created_utc TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open', first_login TEXT,
    UNIQUE(package_id, task_id));
CREATE INDEX IF NOT EXISTS responses_next ON responses(subject_id, task_number, state, order_key);
CREATE INDEX IF NOT EXISTS responses_code ON responses(participant_code);
CREATE TABLE IF NOT EXISTS definitive(
    response_id TEXT PRIMARY KEY, purpose TEXT NOT NULL, criteria_json TEXT NOT NULL, total INTEGER NOT NULL,
    login TEXT NOT NULL, at_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leases(
    response_id TEXT NOT NULL, login TEXT NOT NULL, purpose TEXT NOT NULL, expires REAL NOT NULL,
    started REAL NOT NULL, PRIMARY KEY(response_id, login));
CREATE TABLE IF NOT EXISTS readings(
    id INTEGER PRIMARY KEY AUTOINCREMENT, response_id TEXT NOT NULL, login TEXT NOT NULL, purpose TEXT NOT NULL,
    criteria_json TEXT, total INTEGER, comment TEXT NOT NULL DEFAULT '', flag TEXT NOT NULL DEFAULT '',
    seconds REAL NOT NULL, at_utc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS readings_response ON readings(response_id);
CREATE INDEX IF NOT EXISTS readings_login ON readings(login, purpose);
CREATE TABLE IF NOT EXISTS finals(
    response_id TEXT PRIMARY KEY, criteria_json TEXT NOT NULL, total INTEGER NOT NULL, source TEXT NOT NULL,
    login TEXT NOT NULL, at_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS final_changes(
    id INTEGER PRIMARY KEY AUTOINCREMENT, response_id TEXT NOT NULL, old_json TEXT, new_json TEXT NOT NULL,
    login TEXT NOT NULL, reason TEXT NOT NULL, at_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experts(
    subject_id TEXT NOT NULL, login TEXT NOT NULL, qualification TEXT NOT NULL DEFAULT 'none',
    qualification_json TEXT, paused_reason TEXT, live_since_seed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(subject_id, login))
"""
SCHEMA_STEPS = [_V1]


class ScoringStore(sqlite_db.PerThreadStore):
    """``scoring.sqlite`` and the ``scoring/`` folder of one node data dir. One
    connection per thread. Raises :class:`ScoringError` if the file cannot be used or
    was made by a newer program (it is then not written)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / DIR_NAME
        self.audio_dir = self.root / "audio"
        self.media_dir = self.root / "media"
        self.path = self.data_dir / DB_NAME
        try:
            self.audio_dir.mkdir(parents=True, exist_ok=True)
            self.media_dir.mkdir(parents=True, exist_ok=True)
            sqlite_db.migrate(self._conn(), SCHEMA_STEPS, self.path)
        except sqlite_db.SchemaTooNewError as exc:
            raise ScoringError(str(exc), message_ru="Данные оценивания созданы более новой версией программы.",
                               remedy_ru="Обновите программу узла; данные не изменены.") from exc
        except (OSError, sqlite3.Error) as exc:
            raise ScoringError(f"{self.path}: {exc}", message_ru="Не удалось открыть данные оценивания.",
                               remedy_ru="Проверьте папку данных узла, права доступа и свободное место.") from exc

    def one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        rows = self.query(sql, args)
        return rows[0] if rows else None
