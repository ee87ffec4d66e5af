"""The code-to-name protocol: names live only in the vault blob ``protocol``
({participant id: full name}, AES-GCM with the coordinator's key). This module is the
only reader of that blob; callers get names only with an unlocked :class:`VaultKey`.

The journal marks from the class list live beside it, in the blob ``journal``
({participant id: {subject: mark}}), since issue 20: a row of a pupil's marks in all
subjects is as good as a name to anyone holding the class journal.

Nothing here logs a name; nothing returned from here may be passed to an export, an
upload, a log line or an API answer meant for a station.
"""

from __future__ import annotations

from dataclasses import dataclass

from coordinator.school import vault
from coordinator.school.store import SchoolStore, class_sort_key
from coordinator.school.vault import VaultKey

BLOB = vault.PROTOCOL_BLOB
JOURNAL = vault.JOURNAL_BLOB


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


def read_journal(store: SchoolStore, key: VaultKey) -> dict[int, dict[str, int]]:
    """{participant id: {subject key: mark}}. Raises VaultCorruptError."""
    raw = vault.get_json(store, key, JOURNAL, {})
    return {int(k): v for k, v in raw.items()}  # type: ignore[union-attr]


def add_journal(store: SchoolStore, key: VaultKey, marks: dict[int, dict[str, int]]) -> None:
    """Merge ``marks`` into the journal blob (inside the caller's transaction); nothing
    is written when there are none."""
    marks = {k: v for k, v in marks.items() if v}
    if not marks:
        return
    current = read_journal(store, key)
    current.update(marks)
    vault.put_json(store, key, JOURNAL, {str(k): v for k, v in current.items()})


def has_journal(store: SchoolStore) -> bool:
    """Whether journal marks are stored (encrypted, or in clear in a file still waiting
    for the key to finish its upgrade) - without the key."""
    if store.conn.execute("SELECT 1 FROM vault WHERE name=?", (JOURNAL,)).fetchone():
        return True
    return store.conn.execute("SELECT 1 FROM participants WHERE journal_json NOT IN ('', '{}') LIMIT 1"
                              ).fetchone() is not None
