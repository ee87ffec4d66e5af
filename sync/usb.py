"""USB fallback, station side: copy every unacknowledged package (and, if given, the
unfinished sessions folder for moving a student to another PC) to removable media.

Each package is copied atomically (temp, fsync, rename) and the copy is verified
against the station key before it counts as exported; the outbox keeps the package
(it is acknowledged only by the node). The node imports with ``vpr-node import``.
"""

from __future__ import annotations

import json
import shutil
import socket
from datetime import datetime, timezone
from pathlib import Path

from sync.errors import ExportError, PackageError
from sync.outbox import OutboxState
from sync.package import SUFFIX, verify_package
from sync.station_config import StationSync
from vpr_common.atomic import atomic_copy, atomic_write_text

REPORT = "export-report.json"


def export_unacked(station: StationSync, dest_dir: Path, sessions_dir: Path | None = None) -> dict:
    """Export to ``dest_dir/vpr-export-<station>-<UTC time>/``; returns the report.

    Raises :class:`ExportError` if the destination cannot be written.
    """
    dest_dir = Path(dest_dir)
    if not dest_dir.is_dir():
        raise ExportError(f"{dest_dir} is not a directory", message_ru=f"Папка не найдена: {dest_dir}.")
    try:
        station_id = station.pairing().station_id
    except Exception:  # noqa: BLE001 - an unpaired station can still export what it has
        station_id = socket.gethostname()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = dest_dir / f"vpr-export-{station_id}-{stamp}"
    public_key = station.private_key().public_key()
    report: dict = {"station_id": station_id, "exported_at": stamp, "packages": [], "damaged": [],
                    "failed": [], "sessions": None}
    try:
        out.mkdir(parents=True, exist_ok=False)
        for entry in station.outbox.unacked():
            item = {"package_id": entry.package_id, "participant_code": entry.participant_code, "size": entry.size}
            if entry.state is OutboxState.CORRUPT:
                (out / "damaged").mkdir(exist_ok=True)
                atomic_copy(entry.path, out / "damaged" / f"{entry.package_id}{SUFFIX}.damaged")
                report["damaged"].append(dict(item, error=entry.last_error))
                continue
            target = out / f"{entry.package_id}{SUFFIX}"
            atomic_copy(entry.path, target)
            try:
                verify_package(target, public_key, expected_id=entry.package_id)
            except PackageError as exc:
                target.unlink(missing_ok=True)
                report["failed"].append(dict(item, error=exc.reason))
                continue
            station.outbox.mark_exported(entry.package_id, str(out))
            report["packages"].append(dict(item, file=target.name))
        if sessions_dir is not None and Path(sessions_dir).is_dir():
            shutil.copytree(sessions_dir, out / "sessions")
            report["sessions"] = str(out / "sessions")
        atomic_write_text(out / REPORT, json.dumps(report, ensure_ascii=False, indent=2))
    except OSError as exc:
        raise ExportError(f"{out}: {exc}") from exc
    report["folder"] = str(out)
    return report
