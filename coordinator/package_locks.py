"""One lock per package id, shared by the event loop (the upload routes) and the
threads of the upload data port (:mod:`coordinator.upload_port`), so that two
writers never touch the same part file: a chunk, ``complete`` and the housekeeping
of one package run one after the other, whichever side they come from.

An entry lives only while someone holds or waits for it (reference counted), so the
table does not grow with the packages a node has seen.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager, contextmanager
from typing import AsyncIterator, Iterator

import anyio

from coordinator.errors import NodeBusyError


#: How often a waiter on the event loop tries the lock again.
POLL_S = 0.005


class PackageLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._entries: dict[str, list] = {}  # package id -> [lock, users]

    @contextmanager
    def _entry(self, package_id: str) -> Iterator[threading.Lock]:
        """The package's lock, its entry kept while the caller holds or waits for it."""
        with self._guard:
            entry = self._entries.setdefault(package_id, [threading.Lock(), 0])
            entry[1] += 1
        try:
            yield entry[0]
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._entries[package_id]

    def __len__(self) -> int:
        with self._guard:
            return len(self._entries)

    @contextmanager
    def held(self, package_id: str, timeout: float | None = None) -> Iterator[None]:
        """Hold the package's lock (blocking: for worker threads). Raises
        :class:`NodeBusyError` if it is not free within ``timeout`` seconds."""
        with self._entry(package_id) as lock:
            if not lock.acquire(timeout=-1 if timeout is None else timeout):
                raise NodeBusyError(f"package {package_id} busy for {timeout} s")
            try:
                yield
            finally:
                lock.release()

    @asynccontextmanager
    async def held_async(self, package_id: str) -> AsyncIterator[None]:
        """Hold the package's lock from the event loop. Waiting polls (locks are held
        for one chunk or one verification, and rarely contended): it ties up no
        thread, and a cancelled waiter never ends up holding the lock."""
        with self._entry(package_id) as lock:
            while not lock.acquire(blocking=False):
                await anyio.sleep(POLL_S)
            try:
                yield
            finally:
                lock.release()


#: The node process's package locks.
LOCKS = PackageLocks()
