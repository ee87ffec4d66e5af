"""Housekeeping of the node's incoming area: partial uploads nobody finishes.

A station keeps every package until the node has verified and acknowledged it, so
a partial upload on the node is only a head start, never the sole copy. One that
made no progress for :data:`ABANDONED_AFTER_S` (the station was moved, wiped or
sent its answers on a USB stick instead) is dropped together with its part file;
should the station come back, the node answers ``no_upload`` and the upload starts
again from byte 0. Part files with no upload row (a crash between creating the file
and recording the upload) are removed too.

Called by the server (once at start, then hourly; see :func:`coordinator.app.create_app`),
each removal under the package's upload lock, and by ``vpr-node cleanup``. The row is
deleted only if it is still stale and an orphan file only if no upload claims it at
that moment; a chunk whose row vanished meanwhile (another process cleaned up) is
answered 409 ``no_upload`` and a ``complete`` without its file restarts the upload,
so the station sends again from byte 0 - nothing is accepted unverified, nothing lost.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from coordinator.node.ingest import part_path
from coordinator.node.storage import NodeStore

log = logging.getLogger(__name__)

#: An upload without progress for this long is dropped (the station still has the package).
ABANDONED_AFTER_S = 24 * 3600
#: Part files younger than this are never treated as orphans (an upload being opened).
ORPHAN_GRACE_S = 3600


@dataclass
class CleanupReport:
    """What :func:`clean_incoming` removed."""

    dropped: list[dict] = field(default_factory=list)
    orphan_files: list[str] = field(default_factory=list)
    freed_bytes: int = 0
    kept_busy: list[str] = field(default_factory=list)  # could not be removed now (file in use)

    def as_dict(self) -> dict:
        return {"dropped": self.dropped, "orphan_files": self.orphan_files, "freed_bytes": self.freed_bytes,
                "kept_busy": self.kept_busy}


def stale_uploads(store: NodeStore, older_than_s: float = ABANDONED_AFTER_S, now: float | None = None) -> list[str]:
    """Package ids of uploads without progress for ``older_than_s`` seconds."""
    cutoff = (time.time() if now is None else now) - older_than_s
    return [u.package_id for u in store.list_uploads() if u.updated_at < cutoff]


def drop_stale_upload(store: NodeStore, package_id: str, older_than_s: float = ABANDONED_AFTER_S,
                      now: float | None = None, report: CleanupReport | None = None) -> bool:
    """Drop one upload and its part file if it is still stale; returns whether it did."""
    report = report if report is not None else CleanupReport()
    cutoff = (time.time() if now is None else now) - older_than_s
    up = store.drop_upload_if_stale(package_id, cutoff)
    if up is None:
        return False
    path = part_path(store, package_id)
    size = _remove(path, report)
    report.dropped.append({"package_id": package_id, "station_id": up.station_id, "offset": up.offset,
                           "size": up.size, "idle_hours": round(((now or time.time()) - up.updated_at) / 3600, 1)})
    report.freed_bytes += size
    log.info("dropped abandoned upload %s from %s (%d of %d bytes, part file %d bytes)",
             package_id, up.station_id, up.offset, up.size, size)
    return True


def orphan_parts(store: NodeStore, now: float | None = None) -> list[Path]:
    """``*.part`` files that belong to no upload and are older than :data:`ORPHAN_GRACE_S`."""
    now = time.time() if now is None else now
    known = {u.package_id for u in store.list_uploads()}
    out = []
    for path in sorted(store.incoming_dir.glob("*.part")):
        try:
            if path.stem not in known and now - path.stat().st_mtime >= ORPHAN_GRACE_S:
                out.append(path)
        except OSError:
            continue
    return out


def remove_orphan_part(store: NodeStore, path: Path, report: CleanupReport | None = None) -> bool:
    """Remove one orphan part file unless an upload for it was opened meanwhile."""
    report = report if report is not None else CleanupReport()
    if store.get_upload(path.stem) is not None:
        return False
    size = _remove(path, report)
    if path.name in report.kept_busy:
        return False
    report.orphan_files.append(path.name)
    report.freed_bytes += size
    log.info("removed orphan part file %s (%d bytes)", path.name, size)
    return True


def remove_orphan_parts(store: NodeStore, now: float | None = None, report: CleanupReport | None = None) -> None:
    """Remove every orphan part file (see :func:`orphan_parts`)."""
    report = report if report is not None else CleanupReport()
    for path in orphan_parts(store, now):
        remove_orphan_part(store, path, report)


def clean_incoming(store: NodeStore, older_than_s: float = ABANDONED_AFTER_S, now: float | None = None) -> CleanupReport:
    """Drop every stale upload and every orphan part file (any thread, any process)."""
    report = CleanupReport()
    for package_id in stale_uploads(store, older_than_s, now):
        drop_stale_upload(store, package_id, older_than_s, now, report)
    remove_orphan_parts(store, now, report)
    return report


def _remove(path: Path, report: CleanupReport) -> int:
    """Unlink ``path``; returns its size (0 if it was gone). A file still open
    elsewhere (Windows) is left for the next round and listed in ``kept_busy``."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    except PermissionError:
        report.kept_busy.append(path.name)
        return 0
    return size
