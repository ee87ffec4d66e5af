"""One lock per package id, so that two requests never touch the same part file: a
chunk, ``complete`` and the housekeeping of one package run one after the other.

Held on the node's event loop around the worker-thread calls into
:mod:`coordinator.node.ingest`. An entry lives only while someone holds or waits for it
(reference counted), so the table does not grow with the packages a node has seen.
The locks are per process: with ``vpr-node serve --workers N`` the upload path stays
correct through the database instead (offsets are committed with a conditional
update, and every package is verified in full before it is accepted).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

import anyio


class PackageLocks:
    def __init__(self) -> None:
        self._entries: dict[str, list] = {}  # package id -> [lock, users]

    def __len__(self) -> int:
        return len(self._entries)

    @asynccontextmanager
    async def held(self, package_id: str) -> AsyncIterator[None]:
        """Hold the package's lock (event loop only: the table has no thread guard).
        A cancelled waiter never ends up holding it."""
        entry = self._entries.setdefault(package_id, [anyio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._entries[package_id]


#: The node process's package locks.
LOCKS = PackageLocks()
