"""Importing response packages from removable media (``vpr-node import``) when the
network cannot be used: the same verification as the network path, on a copy that
is made on the node first, so what is accepted is exactly what was checked."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from coordinator.node.errors import NodeDiskFullError
from coordinator.node.ingest import MAX_PACKAGE, AcceptResult, Outcome, Via, accept, check_space, key_lookup
from coordinator.node.storage import NodeStore
from sync.errors import PackageError
from sync.package import SUFFIX, UNPAIRED_PREFIX, read_manifest, signature_matches, verify_package
from sync.protocol import Reason
from sync.signing import load_public_key_b64
from vpr_common.errors import InputFileError, is_disk_full
from vpr_common.files import open_regular


@dataclass
class ImportReport:
    """What ``vpr-node import`` did with each file it found."""

    new: list[dict] = field(default_factory=list)
    duplicate: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"new": self.new, "duplicate": self.duplicate, "rejected": self.rejected,
                "counts": {"new": len(self.new), "duplicate": len(self.duplicate), "rejected": len(self.rejected)}}


def _signer_of(store: NodeStore, raw: bytes, signature: bytes) -> tuple[str, Ed25519PublicKey]:
    """The paired, not revoked station whose key made ``signature``; raises
    :class:`PackageError` (``unknown_station``)."""
    for st in store.list_stations():
        if st.revoked_at is None:
            key = load_public_key_b64(st.public_key)
            if signature_matches(raw, signature, key):
                return st.station_id, key
    raise PackageError(Reason.UNKNOWN_STATION, "no paired station signed this unpaired package")


def import_file(store: NodeStore, path: Path) -> AcceptResult:
    """Import one package file from removable media with the network path's checks.

    Only a regular file is read (never a FIFO, a device or a symlink: see
    :func:`vpr_common.files.open_regular`), once: it is copied to the node first, and
    the copy is what is verified and accepted. Raises :class:`NodeDiskFullError`."""
    path = Path(path)
    tmp = store.incoming_dir / f".import-{secrets.token_hex(6)}.tmp"

    def rejected(reason: str, detail: str, package_id: str = "") -> AcceptResult:
        tmp.unlink(missing_ok=True)
        store.add_rejection(package_id or None, None, reason, f"{path.name}: {detail}", Via.USB.value)
        return AcceptResult(Outcome.REJECTED, package_id, reason, detail)

    try:
        try:
            src = open_regular(path, max_bytes=MAX_PACKAGE)
        except InputFileError as exc:
            return rejected(Reason.BAD_FORMAT, exc.detail)
        with src:
            check_space(store, os.fstat(src.fileno()).st_size)
            with open(tmp, "wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
        try:
            manifest, raw, signature = read_manifest(tmp)
        except PackageError as exc:
            return rejected(exc.reason, exc.detail)
        package_id = hashlib.sha256(raw).hexdigest()
        if store.has_package(package_id):
            tmp.unlink(missing_ok=True)
            return AcceptResult(Outcome.DUPLICATE, package_id)
        try:
            sender = manifest["station_id"]
            key = key_lookup(store)
            if sender.startswith(UNPAIRED_PREFIX):  # sealed before pairing: find the key that signed it
                sender, key = _signer_of(store, raw, signature)
            verified = verify_package(tmp, key, expected_id=package_id, allow_unpaired=True)
        except PackageError as exc:
            return rejected(exc.reason, exc.detail, package_id)
        return accept(store, verified, tmp, Via.USB, sender)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise NodeDiskFullError(str(exc)) from exc
        raise


def import_dir(store: NodeStore, src_dir: Path) -> ImportReport:
    """Import every ``*.vprpkg`` under ``src_dir`` (recursively; symlinked folders are
    not followed)."""
    report = ImportReport()
    for path in sorted(Path(src_dir).rglob(f"*{SUFFIX}")):
        res = import_file(store, path)
        entry = {"file": str(path), "package_id": res.package_id}
        if res.outcome is Outcome.NEW:
            report.new.append(dict(entry, participant_code=res.participant_code, unknown_code=res.unknown_code))
        elif res.outcome is Outcome.DUPLICATE:
            report.duplicate.append(entry)
        else:
            report.rejected.append(dict(entry, reason=res.reason, detail=res.detail))
    return report
