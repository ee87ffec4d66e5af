"""Signed-in console sessions, kept in the node's memory only (a restart signs
everyone out; nothing to steal from the disk): a random token in a Secure, HttpOnly,
SameSite=Strict cookie, a CSRF token per session, an idle timeout, and the
protocol's key while the coordinator has unlocked it in this session (never written
anywhere). Thread-safe."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from coordinator.web.accounts import Account

COOKIE = "vpr_console"
IDLE_TIMEOUT_S = 30 * 60


@dataclass
class Session:
    token_hash: str
    account: Account
    address: str
    csrf: str
    created: float
    last_seen: float
    #: The school protocol's key (``coordinator.school.vault.VaultKey``) while unlocked.
    protocol_key: Any = None
    #: Small per-session choices of the pages (selected subject, class ...).
    prefs: dict = field(default_factory=dict)

    @property
    def protocol_unlocked(self) -> bool:
        return self.protocol_key is not None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, idle_timeout_s: float = IDLE_TIMEOUT_S, clock=time.monotonic) -> None:
        self.idle_timeout_s = idle_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[str, Session] = {}

    def open(self, account: Account, address: str) -> tuple[str, Session]:
        """A new session; returns the cookie value (the only copy of the token) and it."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        session = Session(_hash(token), account, address, secrets.token_urlsafe(24), now, now)
        with self._lock:
            self._items[session.token_hash] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session of a cookie value (its idle time starts again), or ``None``."""
        if not token:
            return None
        key = _hash(token)
        now = self._clock()
        with self._lock:
            session = self._items.get(key)
            if session is None:
                return None
            if now - session.last_seen > self.idle_timeout_s:
                del self._items[key]
                return None
            session.last_seen = now
            return session

    def close(self, session: Session) -> None:
        with self._lock:
            self._items.pop(session.token_hash, None)

    def close_for_user(self, user_id: str) -> int:
        """End every session of an account (disabled, password changed)."""
        with self._lock:
            gone = [k for k, s in self._items.items() if s.account.id == user_id]
            for k in gone:
                del self._items[k]
        return len(gone)

    def lock_protocol_everywhere(self) -> None:
        """Forget every unlocked protocol key (the passphrase was changed)."""
        with self._lock:
            for s in self._items.values():
                s.protocol_key = None
