"""The station's sync worker: takes due packages from the outbox and uploads them,
retrying with backoff forever; any failure, expected or not, reschedules.

A package the node refuses after verification is checked locally: if the local copy
is damaged it becomes ``CORRUPT`` (kept, surfaced), otherwise it is retried. Runs in
its own thread (:meth:`SyncWorker.start`) or step by step (:meth:`run_once`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from sync.errors import NodeRefusedError, PackageError, SyncError
from sync.outbox import Outbox, OutboxState
from sync.package import verify_package
from sync.signing import StationKey

if TYPE_CHECKING:
    from sync.client import NodeClient  # requests is imported only when a client is made

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttemptResult:
    package_id: str
    state: OutboxState
    status: str  # an UploadStatus (acknowledged) or the reason of the failure
    next_attempt_at: float | None = None


class SyncWorker:
    def __init__(self, outbox: Outbox, client_factory: Callable[[], NodeClient], key: StationKey,
                 chunk_size: int | None = None, readiness: Callable[[], dict] | None = None,
                 heartbeat_s: float = 10.0, live: Callable[[], dict] | None = None) -> None:
        self.outbox = outbox
        self.client_factory = client_factory
        self.key = key
        self.chunk_size = chunk_size
        self.readiness = readiness
        self.live = live
        self.heartbeat_s = heartbeat_s
        self._last_heartbeat = 0.0
        self._client: NodeClient | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def _get_client(self) -> NodeClient:
        if self._client is None:
            self._client = self.client_factory()
        return self._client

    def attempt(self, entry) -> AttemptResult:
        """One upload attempt of one outbox entry; never raises."""
        pid = entry.package_id
        if not self.outbox.mark_uploading(pid):
            return AttemptResult(pid, entry.state, "skipped")
        try:
            kwargs = {"chunk_size": self.chunk_size} if self.chunk_size else {}
            status = self._get_client().upload(entry.path, pid,
                                               progress=lambda off, size: self.outbox.record_progress(pid, off),
                                               **kwargs)
            self.outbox.mark_acked(pid, status)
            return AttemptResult(pid, OutboxState.ACKED, status)
        except NodeRefusedError as exc:
            if exc.status == 422:
                try:
                    verify_package(entry.path, self.key.private_key.public_key(), expected_id=pid)
                except PackageError as local:
                    self.outbox.mark_corrupt(pid, f"local copy damaged: {local.reason}")
                    log.error("package %s damaged on the station: %s", pid, local)
                    return AttemptResult(pid, OutboxState.CORRUPT, local.reason)
            at = self.outbox.mark_failed(pid, f"{exc.reason} (HTTP {exc.status}): {exc.user_text}")
            return AttemptResult(pid, OutboxState.PENDING, exc.reason, at)
        except (SyncError, OSError) as exc:
            self._drop_client()
            text = exc.user_text if isinstance(exc, SyncError) else str(exc)
            at = self.outbox.mark_failed(pid, f"{getattr(exc, 'code', 'os_error')}: {text}")
            return AttemptResult(pid, OutboxState.PENDING, getattr(exc, "code", "os_error"), at)
        except Exception as exc:  # noqa: BLE001 - a failure must always reschedule
            log.exception("unexpected upload failure of %s", pid)
            self._drop_client()
            at = self.outbox.mark_failed(pid, f"internal: {exc!r}")
            return AttemptResult(pid, OutboxState.PENDING, "internal", at)

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def run_once(self) -> list[AttemptResult]:
        """Send a heartbeat if one is due, then attempt every package due now."""
        self.heartbeat()
        return [self.attempt(e) for e in self.outbox.due()]

    def heartbeat(self, force: bool = False) -> bool:
        """Tell the node the station is alive, with its readiness summary (if a
        ``readiness`` callable was given). Never raises; returns whether it was sent."""
        if (self.readiness is None and self.live is None) or (
                not force and time.time() - self._last_heartbeat < self.heartbeat_s):
            return False
        self._last_heartbeat = time.time()
        try:
            live = dict(self.live()) if self.live else {}
            live.setdefault("pending", sum(1 for e in self.outbox.entries()
                                           if e.state in (OutboxState.PENDING, OutboxState.UPLOADING)))
            self._get_client().heartbeat(self.readiness() if self.readiness else {}, live)
            return True
        except Exception as exc:  # noqa: BLE001 - a missed heartbeat only delays the status
            log.info("heartbeat failed: %s", exc)
            self._drop_client()
            return False

    def run_until_idle(self, timeout_s: float) -> bool:
        """Keep attempting (sleeping through backoff) until nothing is waiting or the
        time is up; returns True if everything is acknowledged or corrupt."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            self.run_once()
            if not any(e.state in (OutboxState.PENDING, OutboxState.UPLOADING) for e in self.outbox.entries()):
                return True
            nxt = self.outbox.next_due_at() or time.time()
            time.sleep(max(0.05, min(nxt - time.time(), deadline - time.time(), 1.0)))
        return False

    # -- background thread ------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sync-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def state_changed(self) -> None:
        """The station's live state changed: send a heartbeat now (the console shows
        it within a moment) instead of at the next interval."""
        self._last_heartbeat = 0.0
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self._drop_client()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
                nxt = self.outbox.next_due_at()
            except Exception:  # noqa: BLE001 - the loop must survive a broken disk moment
                log.exception("sync loop step failed")
                nxt = None
            wait = 5.0 if nxt is None else max(0.1, min(nxt - time.time(), 5.0))
            self._wake.wait(wait)
            self._wake.clear()
