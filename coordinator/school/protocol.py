"""The code-to-name protocol: names live only in the vault blob ``protocol``
({participant id: full name}, AES-GCM with the coordinator's key). This module is the
only reader of that blob; callers get names only with an unlocked :class:`VaultKey`.

Nothing here logs a name; nothing returned from here may be passed to an export, an
upload, a log line or an API answer meant for a station.
"""

from __future__ import annotations

from dataclasses import dataclass

from coordinator.school import vault
from coordinator.school.store import SchoolStore, class_sort_key
from coordinator.school.vault import VaultKey

BLOB = "protocol"


@dataclass(frozen=True)
class ProtocolEntry:
    participant_id: int
    class_name: str
    code: str | None
    name: str  # "" when the school keeps names on paper only


def read_names(store: SchoolStore, key: VaultKey) -> dict[int, str]:
    """{participant id: name}. Raises VaultCorruptError."""
    raw = vault.get_json(store, key, BLOB, {})
    return {int(k): v for k, v in raw.items()}  # type: ignore[union-attr]


def add_names(store: SchoolStore, key: VaultKey, names: dict[int, str]) -> None:
    """Merge ``names`` into the protocol (inside the caller's transaction)."""
    current = read_names(store, key)
    current.update(names)
    vault.put_json(store, key, BLOB, {str(k): v for k, v in current.items()})


def entries(store: SchoolStore, key: VaultKey, class_name: str | None = None) -> list[ProtocolEntry]:
    """The protocol for the coordinator's eyes only, ordered by class then code."""
    names = read_names(store, key)
    q = "SELECT id, class_name, code FROM participants"
    args: tuple = ()
    if class_name:
        q += " WHERE class_name=?"
        args = (class_name,)

    rows = [ProtocolEntry(int(r[0]), r[1], r[2], names.get(int(r[0]), "")) for r in store.conn.execute(q, args)]
    rows.sort(key=lambda e: (class_sort_key(e.class_name), e.code or "", e.participant_id))
    return rows
