"""The console's audit log: who changed what, when, from which address. Every action
that changes data writes one entry; the coordinator reads them on the «Журнал» page.
Entries name codes, classes and subjects, never a student's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from coordinator.web.store import ConsoleStore


@dataclass(frozen=True)
class AuditEntry:
    at_utc: str
    login: str
    role: str
    address: str
    action: str
    target: str
    detail: str


def record(store: ConsoleStore, login: str, role: str, address: str, action: str, target: str = "",
           detail: str = "") -> None:
    with store.tx() as db:
        db.execute("INSERT INTO audit(at_utc, login, role, address, action, target, detail) VALUES(?,?,?,?,?,?,?)",
                   (datetime.now(timezone.utc).isoformat(timespec="seconds"), login, role, address, action,
                    target, detail[:500]))


def entries(store: ConsoleStore, limit: int = 200, offset: int = 0, login: str | None = None) -> list[AuditEntry]:
    sql = "SELECT at_utc, login, role, address, action, target, detail FROM audit"
    args: tuple = ()
    if login:
        sql += " WHERE login=?"
        args = (login,)
    sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
    return [AuditEntry(*r) for r in store.query(sql, args + (limit, offset))]


def count(store: ConsoleStore) -> int:
    return int(store.query("SELECT COUNT(*) FROM audit")[0][0])
