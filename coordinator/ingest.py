"""Receiving response packages: the resumable chunk store and the final
verify-then-accept step, shared by the HTTP upload and the USB import.

A partial upload lives in ``files/incoming/<id>.part``; a chunk is written at its
offset, fsync'd, and only then is the new offset committed in SQLite, so the
committed offset never points past durable data. A finished upload is verified in
place (every file hash and size, the manifest id and the station signature) and
renamed into ``files/packages/<id>.vprpkg`` before the package row is committed.
Called from the event loop (chunk streaming) and worker threads (fsync, verify).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from coordinator.errors import BadRequestError, ConflictError, NodeDiskFullError
from coordinator.storage import NodeStore, Upload, is_disk_full
from sync.errors import PackageError
from sync.package import (SUFFIX, UNPAIRED_PREFIX, StreamedMembers, VerifiedPackage, is_package_id,
                          read_manifest, signature_matches, verify_package)
from sync.signing import load_public_key_b64
from vpr_common.atomic import fsync_dir

log = logging.getLogger(__name__)


class Via(str, Enum):
    NETWORK = "network"
    USB = "usb"


class Outcome(str, Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class AcceptResult:
    outcome: Outcome
    package_id: str
    reason: str = ""
    detail: str = ""
    unknown_code: bool = False
    participant_code: str = ""


def key_lookup(store: NodeStore):
    """A ``station_id -> public key`` callable for :func:`verify_package` that refuses
    unknown and revoked stations with :class:`PackageError`."""

    def lookup(station_id: str) -> Ed25519PublicKey:
        st = store.get_station(station_id)
        if st is None:
            raise PackageError("unknown_station", station_id)
        if st.revoked_at is not None:
            raise PackageError("revoked_station", station_id)
        return load_public_key_b64(st.public_key)

    return lookup


def part_path(store: NodeStore, package_id: str) -> Path:
    return store.incoming_dir / f"{package_id}.part"


def final_path(store: NodeStore, package_id: str) -> Path:
    return store.packages_dir / f"{package_id}{SUFFIX}"


def check_space(store: NodeStore, needed: int) -> None:
    """Raises :class:`NodeDiskFullError` when less than ``needed`` bytes + 16 MiB are free."""
    free = shutil.disk_usage(store.files_dir).free
    if free < needed + 16 * 1024 * 1024:
        raise NodeDiskFullError(f"{free} bytes free, {needed} needed")


def sync_and_commit(store: NodeStore, fh, package_id: str, old: int, new: int) -> bool:
    """fsync the part file, then commit the new offset (worker thread). Raises
    :class:`NodeDiskFullError` if the file does not hold the chunk (a short write)."""
    try:
        fh.flush()
        os.fsync(fh.fileno())
        if os.fstat(fh.fileno()).st_size < new:
            raise OSError(errno.ENOSPC, f"part file shorter than offset {new} after writing")
    except OSError as exc:
        if is_disk_full(exc):
            raise NodeDiskFullError(str(exc)) from exc
        raise
    return store.commit_offset(package_id, old, new)


def write_all(fh, data) -> None:
    """Write all of ``data`` to an unbuffered file: ``write`` may write less (a disk
    filling up), and the rest is retried until it fails with the real error."""
    view = memoryview(data)
    while len(view):
        n = fh.write(view)
        if not n:
            raise OSError(errno.ENOSPC, "nothing written")
        view = view[n:]


def file_identity(fh_or_path) -> tuple[int, int]:
    """(device, inode / file index) of an open file or a path: tells one part file
    from a new one of the same name."""
    st = os.fstat(fh_or_path.fileno()) if hasattr(fh_or_path, "fileno") else os.stat(fh_or_path)
    return st.st_dev, st.st_ino


def open_part(store: NodeStore, upload: Upload, offset: int, buffering: int = -1):
    """Open the upload's part file to write a chunk at ``offset`` (truncated there).

    A chunk past 0 needs the part file to hold every committed byte: if it is gone or
    shorter (removed by hand or by an antivirus, a cleanup in another process), the
    upload is dropped and :class:`ConflictError` ``no_upload`` tells the station to
    send the package again from byte 0 - nothing is filled in with zeros."""
    path = part_path(store, upload.package_id)
    try:
        fh = open(path, "r+b" if offset > 0 or path.exists() else "w+b", buffering=buffering)
    except FileNotFoundError:
        fh = None
    if fh is not None and os.fstat(fh.fileno()).st_size >= offset:
        fh.truncate(offset)
        fh.seek(offset)
        return fh
    if fh is not None:
        fh.close()
    log.warning("part file of %s lost or short (committed offset %d): the upload starts again",
                upload.package_id, offset)
    path.unlink(missing_ok=True)
    restart_upload(store, upload.package_id, "part file lost or short")


def restart_upload(store: NodeStore, package_id: str, detail: str) -> None:
    """Drop an upload whose received bytes are gone and raise :class:`ConflictError`
    ``no_upload`` (offset 0): the station sends the package again from byte 0."""
    store.drop_upload(package_id)
    raise ConflictError(detail, code="no_upload", extra={"offset": 0},
                        message_ru="Узел не нашёл полученную часть пакета; станция передаст его заново.")


class StreamedDigests:
    """The :class:`StreamedMembers` of the uploads this node process is receiving:
    every chunk written at the committed offset is also fed to its upload's member
    digests, so ``complete`` verifies the package without reading it back (the
    bytes are hashed while still in the CPU cache). Digests survive only an unbroken
    run of chunks into one part file: a chunk that fails, a gap, another upload of
    the same id (told apart by its creation time), another part file (told apart by
    its device and inode) or a node restart drop them, and ``complete`` then reads
    the file as before. Used under the package lock. Off (``enabled = False``) when
    several node processes share the uploads (``--workers N``)."""

    def __init__(self) -> None:
        self.enabled = True
        self._guard = threading.Lock()
        self._by_id: dict[str, tuple[float, StreamedMembers]] = {}

    def take(self, upload: Upload, offset: int, fh) -> StreamedMembers | None:
        """The digests to feed a chunk at ``offset`` of the open part file ``fh``
        with (removed until given back), or ``None``."""
        with self._guard:
            created, streamed = self._by_id.pop(upload.package_id, (None, None))
        if not self.enabled:
            return None
        ident = file_identity(fh)
        if (streamed is not None and created == upload.created_at and streamed.position == offset
                and streamed.file_id == ident):
            return streamed
        if offset != 0:
            return None
        fresh = StreamedMembers()
        fresh.file_id = ident
        return fresh

    def give_back(self, upload: Upload, streamed: StreamedMembers | None) -> None:
        """After the chunk fed to ``streamed`` was written, fsync'd and committed."""
        if streamed is not None:
            with self._guard:
                self._by_id[upload.package_id] = (upload.created_at, streamed)

    def pop(self, package_id: str, upload: Upload | None = None) -> StreamedMembers | None:
        """Remove the package's digests; returns them if they belong to ``upload``."""
        with self._guard:
            created, streamed = self._by_id.pop(package_id, (None, None))
        return streamed if upload is not None and created == upload.created_at else None

    def __len__(self) -> int:
        with self._guard:
            return len(self._by_id)


#: The node process's streamed member digests.
STREAMED = StreamedDigests()


def chunk_precheck(store: NodeStore, package_id: str, station_id: str, offset: int,
                   length: int) -> dict | Upload:
    """Decide, before reading its body, what to do with a chunk (worker thread, under
    the package lock): an :class:`Upload` means write the chunk at ``offset`` into
    it; a dict is the answer without writing (the package is already here, or this
    chunk already arrived).
    Raises :class:`ConflictError` (``no_upload``, ``offset_mismatch`` with the
    committed offset) or :class:`BadRequestError` (``chunk_past_end``)."""
    if store.has_package(package_id):
        return {"status": "already_have", "package_id": package_id}
    up = store.get_upload(package_id)
    if up is None or up.station_id != station_id:
        raise ConflictError("no such upload", code="no_upload", extra={"offset": 0})
    if offset < up.offset and offset + length <= up.offset:
        return {"status": "receiving", "offset": up.offset, "duplicate_chunk": True}
    if offset != up.offset:
        raise ConflictError(f"offset {offset} != {up.offset}", code="offset_mismatch", extra={"offset": up.offset})
    if offset + length > up.size:
        raise BadRequestError("chunk runs past the declared size", code="chunk_past_end")
    return up


def commit_chunk(store: NodeStore, fh, package_id: str, offset: int, end: int) -> dict:
    """fsync the chunk just written and commit the new offset (worker thread); the
    answer to the station. Raises :class:`ConflictError` if the upload was dropped
    meanwhile (housekeeping in another process) or its offset moved on."""
    if not sync_and_commit(store, fh, package_id, offset, end):
        now = store.get_upload(package_id)
        if now is None:
            raise ConflictError("upload dropped meanwhile", code="no_upload", extra={"offset": 0})
        raise ConflictError(f"offset moved to {now.offset}", code="offset_mismatch", extra={"offset": now.offset})
    return {"status": "receiving", "offset": end, "duplicate_chunk": False}


def _accept(store: NodeStore, verified: VerifiedPackage, src: Path, via: Via, sender: str) -> AcceptResult:
    target = final_path(store, verified.package_id)
    os.replace(src, target)
    fsync_dir(target.parent)
    unknown = not store.is_valid_code(verified.participant_code)
    new = store.add_package(verified.package_id, sender, verified.participant_code,
                            verified.variant, verified.subject, verified.size, via.value, unknown)
    return AcceptResult(Outcome.NEW if new else Outcome.DUPLICATE, verified.package_id, unknown_code=unknown,
                        participant_code=verified.participant_code)


def finalize_upload(store: NodeStore, package_id: str, station_id: str) -> AcceptResult:
    """Verify a completely received upload and accept or reject it (worker thread).

    Raises :class:`ConflictError` (``upload_incomplete``) if bytes are missing;
    a verification failure is recorded and returned as ``REJECTED``.
    """
    up = store.get_upload(package_id)
    streamed = STREAMED.pop(package_id, up)
    if store.has_package(package_id):
        return AcceptResult(Outcome.DUPLICATE, package_id)
    src = part_path(store, package_id)
    if up is None or up.station_id != station_id:
        raise ConflictError("no such upload", code="no_upload", extra={"offset": 0},
                            message_ru="Узел не знает эту передачу; станция начнёт её заново.")
    if up.offset != up.size:
        raise ConflictError(f"upload has {up.offset} of {up.size} bytes", code="upload_incomplete",
                            extra={"offset": up.offset},
                            message_ru="Пакет передан не полностью; станция дошлёт недостающее.")
    if not src.exists() and final_path(store, package_id).exists():
        src = final_path(store, package_id)  # crashed between rename and commit last time
        streamed = None
    elif not src.exists():  # the part file was removed (housekeeping): start again
        restart_upload(store, package_id, "part file missing")
    if streamed is not None and (streamed.file_id != file_identity(src) or streamed.position != src.stat().st_size):
        streamed = None  # not the file they were computed on: read it
    try:
        verified = verify_package(src, key_lookup(store)(station_id), expected_id=package_id,
                                  expected_station=station_id, allow_unpaired=True, streamed=streamed)
    except PackageError as exc:
        store.add_rejection(package_id, station_id, exc.reason, exc.detail, Via.NETWORK.value)
        src.unlink(missing_ok=True)
        store.drop_upload(package_id)
        return AcceptResult(Outcome.REJECTED, package_id, exc.reason, exc.detail)
    log.info("package %s from %s verified (%s)", package_id, station_id,
             "member digests computed as it arrived" if streamed else "read back from disk")
    return _accept(store, verified, src, Via.NETWORK, station_id)


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
    raise PackageError("unknown_station", "no paired station signed this unpaired package")


def import_file(store: NodeStore, path: Path) -> AcceptResult:
    """Import one package file from removable media with the network path's checks.

    The file is copied to the node first and the copy is verified, so what is
    accepted is exactly what was checked. Raises :class:`NodeDiskFullError`.
    """
    path = Path(path)
    try:
        manifest, raw, signature = read_manifest(path)
    except PackageError as exc:
        store.add_rejection(None, None, exc.reason, f"{path.name}: {exc.detail}", Via.USB.value)
        return AcceptResult(Outcome.REJECTED, "", exc.reason, exc.detail)
    package_id = hashlib.sha256(raw).hexdigest()
    if store.has_package(package_id):
        return AcceptResult(Outcome.DUPLICATE, package_id)
    check_space(store, path.stat().st_size)
    tmp = store.incoming_dir / f".import-{secrets.token_hex(6)}.tmp"
    try:
        shutil.copyfile(path, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            sender = manifest["station_id"]
            key = key_lookup(store)
            if sender.startswith(UNPAIRED_PREFIX):  # sealed before pairing: find the key that signed it
                sender, key = _signer_of(store, raw, signature)
            verified = verify_package(tmp, key, expected_id=package_id, allow_unpaired=True)
        except PackageError as exc:
            tmp.unlink(missing_ok=True)
            store.add_rejection(package_id, None, exc.reason, f"{path.name}: {exc.detail}", Via.USB.value)
            return AcceptResult(Outcome.REJECTED, package_id, exc.reason, exc.detail)
        return _accept(store, verified, tmp, Via.USB, sender)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise NodeDiskFullError(str(exc)) from exc
        raise


def import_dir(store: NodeStore, src_dir: Path) -> ImportReport:
    """Import every ``*.vprpkg`` under ``src_dir`` (recursively)."""
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


__all__ = ["AcceptResult", "ImportReport", "Outcome", "Via", "finalize_upload", "import_dir", "import_file",
           "is_package_id"]
