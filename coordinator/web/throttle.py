"""Limits on failed console logins, per client address and per account from that
address, so that guessing is slow and a stranger on the school network can never lock
the coordinator out: failures from one address block only that address (for that
account after a few, for every account after many), never the account itself.

* per (address, account): 5 failures -> that address waits 1 min for that account,
  doubling with every further failure up to 30 min;
* per address: 30 failures within 15 minutes (any accounts) -> that address waits until
  the window has passed;
* a success clears the (address, account) counter.

Kept in memory (a restart forgets it, which only helps an attacker by one restart of
the coordinator's node). Thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from coordinator.web.errors import TooManyAttemptsError

PAIR_FREE_FAILURES = 5
PAIR_FIRST_WAIT_S = 60.0
PAIR_MAX_WAIT_S = 30 * 60.0
ADDRESS_MAX_FAILURES = 30
ADDRESS_WINDOW_S = 15 * 60.0


class LoginThrottle:
    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pairs: dict[tuple[str, str], tuple[int, float]] = {}  # -> (failures, blocked until)
        self._by_address: dict[str, deque] = {}

    def check(self, address: str, login: str) -> None:
        """Raises :class:`TooManyAttemptsError` if this address must wait."""
        now = self._clock()
        key = (address, login.strip().lower())
        with self._lock:
            failures, until = self._pairs.get(key, (0, 0.0))
            if until > now:
                raise TooManyAttemptsError(until - now)
            recent = self._recent(address, now)
            if len(recent) >= ADDRESS_MAX_FAILURES:
                raise TooManyAttemptsError(recent[0] + ADDRESS_WINDOW_S - now)

    def failed(self, address: str, login: str) -> None:
        now = self._clock()
        key = (address, login.strip().lower())
        with self._lock:
            failures, _ = self._pairs.get(key, (0, 0.0))
            failures += 1
            until = 0.0
            if failures >= PAIR_FREE_FAILURES:
                until = now + min(PAIR_MAX_WAIT_S, PAIR_FIRST_WAIT_S * 2 ** (failures - PAIR_FREE_FAILURES))
            self._pairs[key] = (failures, until)
            self._recent(address, now).append(now)

    def succeeded(self, address: str, login: str) -> None:
        with self._lock:
            self._pairs.pop((address, login.strip().lower()), None)

    def _recent(self, address: str, now: float) -> deque:
        q = self._by_address.setdefault(address, deque())
        while q and q[0] < now - ADDRESS_WINDOW_S:
            q.popleft()
        return q
