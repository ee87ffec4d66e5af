"""Receiving response packages: the life of one upload on the node as a small state
machine, and the verify-then-accept step the USB import shares.

::

    ABSENT --open--> RECEIVING --chunk at the committed offset--> RECEIVING
                     RECEIVING --last chunk--> COMPLETE --verified--> ACCEPTED
                                               COMPLETE --refused---> ABSENT (rejection recorded)
    RECEIVING/COMPLETE --part file lost, size changed, abandoned--> ABSENT (station starts at 0)

The stage is derived from what is durable - the package row, the upload row with its
committed offset and size - never kept in memory, so a node restart loses nothing.
A partial upload lives in ``files/incoming/<id>.part``: a chunk is written at the
committed offset, fsync'd, and only then is the new offset committed in SQLite
(:class:`ChunkWrite`), so the committed offset never points past durable data. A
complete upload is verified in place (every file's hash and size, the manifest id,
the station signature) and renamed into ``files/packages/<id>.vprpkg`` before the
package row is committed.

Every function here blocks (files, SQLite, hashing): the routes of
:mod:`coordinator.node.upload_api` call them in worker threads, under the package's lock
(:mod:`coordinator.node.package_locks`), and only parse requests and stream bodies.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from coordinator.node.errors import BadRequestError, ConflictError, NodeDiskFullError
from coordinator.node.storage import NodeStore, Upload
from sync.errors import PackageError
from sync.package import SUFFIX, VerifiedPackage, verify_package
from sync.protocol import Reason, UploadStatus
from sync.signing import load_public_key_b64
from vpr_common.atomic import fsync_dir
from vpr_common.errors import is_disk_full

log = logging.getLogger(__name__)

#: Largest package the node takes (network or USB).
MAX_PACKAGE = 8 * 1024**3


class Stage(str, Enum):
    """Where one package's upload stands on the node."""

    ABSENT = "absent"        # nothing received: ``open`` starts it
    RECEIVING = "receiving"  # the part file holds ``offset`` committed bytes of ``size``
    COMPLETE = "complete"    # every byte committed: ``complete`` verifies it
    ACCEPTED = "accepted"    # verified and stored: every further request is "already have"


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


def stage_of(store: NodeStore, package_id: str) -> tuple[Stage, Upload | None]:
    """The package's stage and its upload row (``None`` unless receiving/complete)."""
    if store.has_package(package_id):
        return Stage.ACCEPTED, None
    up = store.get_upload(package_id)
    if up is None:
        return Stage.ABSENT, None
    return (Stage.COMPLETE if up.offset == up.size else Stage.RECEIVING), up


def part_path(store: NodeStore, package_id: str) -> Path:
    return store.incoming_dir / f"{package_id}.part"


def final_path(store: NodeStore, package_id: str) -> Path:
    return store.packages_dir / f"{package_id}{SUFFIX}"


def check_space(store: NodeStore, needed: int) -> None:
    """Raises :class:`NodeDiskFullError` when less than ``needed`` bytes + 16 MiB are free."""
    free = shutil.disk_usage(store.files_dir).free
    if free < needed + 16 * 1024 * 1024:
        raise NodeDiskFullError(f"{free} bytes free, {needed} needed")


def _no_upload(detail: str, message_ru: str | None = None) -> ConflictError:
    return ConflictError(detail, code=Reason.NO_UPLOAD, extra={"offset": 0}, message_ru=message_ru)


def restart_upload(store: NodeStore, package_id: str, detail: str) -> None:
    """Drop an upload whose received bytes are gone (back to ``ABSENT``) and raise
    :class:`ConflictError` ``no_upload``: the station sends the package again from
    byte 0. Nothing is ever filled in with zeros."""
    log.warning("upload of %s starts again: %s", package_id, detail)
    part_path(store, package_id).unlink(missing_ok=True)
    store.drop_upload(package_id)
    raise _no_upload(detail, "Узел не нашёл полученную часть пакета; станция передаст его заново.")


# -- ABSENT -> RECEIVING ---------------------------------------------------------------
def open_upload(store: NodeStore, package_id: str, station_id: str, size: int) -> dict:
    """Open (or resume) the upload of one package; the answer to the station.

    An upload of another size is dropped and opened anew (the station re-sealed).
    Raises :class:`ConflictError` (``upload_owner``) if another station uploads this
    id, :class:`NodeDiskFullError` if the package cannot fit."""
    stage, up = stage_of(store, package_id)
    if stage is Stage.ACCEPTED:
        return {"status": UploadStatus.ALREADY_HAVE, "package_id": package_id}
    if up is not None and up.station_id != station_id:
        raise ConflictError("another station uploads this id", code=Reason.UPLOAD_OWNER)
    if up is not None and up.size != size:
        part_path(store, package_id).unlink(missing_ok=True)
        store.drop_upload(package_id)
        up = None
    if up is None:
        check_space(store, size)
        up = store.start_upload(package_id, station_id, size)
    return {"status": UploadStatus.RECEIVING, "package_id": package_id, "offset": up.offset, "size": up.size}


# -- RECEIVING -> RECEIVING | COMPLETE ----------------------------------------------------
def plan_chunk(store: NodeStore, package_id: str, station_id: str, offset: int, length: int) -> dict | Upload:
    """Decide, before its body is read, what to do with a chunk: an :class:`Upload`
    means write it (:class:`ChunkWrite`); a dict is the answer without writing (the
    package is already here, or this chunk already arrived). Raises
    :class:`ConflictError` (``no_upload``, ``offset_mismatch`` with the committed
    offset) or :class:`BadRequestError` (``chunk_past_end``)."""
    stage, up = stage_of(store, package_id)
    if stage is Stage.ACCEPTED:
        return {"status": UploadStatus.ALREADY_HAVE, "package_id": package_id}
    if up is None or up.station_id != station_id:
        raise _no_upload("no such upload")
    if offset < up.offset and offset + length <= up.offset:
        return {"status": UploadStatus.RECEIVING, "offset": up.offset, "duplicate_chunk": True}
    if offset != up.offset:
        raise ConflictError(f"offset {offset} != {up.offset}", code=Reason.OFFSET_MISMATCH,
                            extra={"offset": up.offset})
    if offset + length > up.size:
        raise BadRequestError("chunk runs past the declared size", code=Reason.CHUNK_PAST_END)
    return up


class ChunkStep(str, Enum):
    """The way of one chunk into the part file."""

    NEW = "new"              # nothing opened yet
    WRITING = "writing"      # the part file is open at the offset; pieces are appended
    COMMITTED = "committed"  # fsync'd and the new offset committed
    FAILED = "failed"        # nothing committed: the committed offset is where it was


class ChunkWrite:
    """One chunk written at the committed offset of an upload: :meth:`open`, then
    :meth:`append` its pieces as they arrive, then :meth:`commit` - or just
    :meth:`close`, and nothing of it counts. ``expected_sha256`` (a chunk signed
    with its hash) is checked before the commit; ``None`` for an unsigned-payload
    chunk, whose bytes the verification at ``complete`` covers."""

    def __init__(self, store: NodeStore, upload: Upload, offset: int, length: int,
                 expected_sha256: str | None = None) -> None:
        self.store, self.upload, self.offset, self.length = store, upload, offset, length
        self.expected_sha256 = expected_sha256
        self.step = ChunkStep.NEW
        self.received = 0
        self._digest = hashlib.sha256() if expected_sha256 else None
        self._fh = None

    def open(self) -> None:
        """Open the part file at the offset (cut there). A chunk past 0 needs the part
        file to hold every committed byte: if it is gone or shorter (removed by hand,
        by an antivirus, by a cleanup in another process) the upload starts again
        (:func:`restart_upload`)."""
        path = part_path(self.store, self.upload.package_id)
        try:
            fh = open(path, "r+b" if self.offset > 0 or path.exists() else "w+b", buffering=0)
        except FileNotFoundError:
            fh = None
        if fh is None or os.fstat(fh.fileno()).st_size < self.offset:
            if fh is not None:
                fh.close()
            self.step = ChunkStep.FAILED
            restart_upload(self.store, self.upload.package_id,
                           f"part file lost or short (committed offset {self.offset})")
        fh.truncate(self.offset)
        fh.seek(self.offset)
        self._fh, self.step = fh, ChunkStep.WRITING

    def append(self, pieces: list) -> None:
        """Write pieces of the body (each written whole: ``write`` may write less on a
        filling disk, and the rest is retried until it fails with the real error).
        Raises :class:`BadRequestError` (``bad_chunk_size``) past the declared length."""
        for piece in pieces:
            self.received += len(piece)
            if self.received > self.length:
                raise BadRequestError("body longer than Content-Length", code=Reason.BAD_CHUNK_SIZE)
            if self._digest is not None:
                self._digest.update(piece)
            view = memoryview(piece)
            while len(view):
                n = self._fh.write(view)
                if not n:
                    raise OSError(errno.ENOSPC, "nothing written")
                view = view[n:]

    def commit(self) -> dict:
        """fsync the chunk and commit the new offset; the answer to the station.
        Raises :class:`BadRequestError` (``chunk_truncated``, ``chunk_hash_mismatch``),
        :class:`NodeDiskFullError` if the file does not hold the chunk, or
        :class:`ConflictError` if the upload was dropped or moved on meanwhile."""
        package_id, end = self.upload.package_id, self.offset + self.length
        if self.received != self.length:
            raise BadRequestError(f"got {self.received} of {self.length} bytes", code=Reason.CHUNK_TRUNCATED)
        if self._digest is not None and self._digest.hexdigest() != self.expected_sha256:
            raise BadRequestError("chunk hash differs from the signed one", code=Reason.CHUNK_HASH_MISMATCH)
        try:
            os.fsync(self._fh.fileno())
            if os.fstat(self._fh.fileno()).st_size < end:
                raise OSError(errno.ENOSPC, f"part file shorter than offset {end} after writing")
        except OSError as exc:
            if is_disk_full(exc):
                raise NodeDiskFullError(str(exc)) from exc
            raise
        if not self.store.commit_offset(package_id, self.offset, end):
            now = self.store.get_upload(package_id)
            if now is None:
                raise _no_upload("upload dropped meanwhile")
            raise ConflictError(f"offset moved to {now.offset}", code=Reason.OFFSET_MISMATCH,
                                extra={"offset": now.offset})
        self.step = ChunkStep.COMMITTED
        return {"status": UploadStatus.RECEIVING, "offset": end, "duplicate_chunk": False}

    def close(self) -> None:
        """Close the part file; a chunk not committed leaves the committed offset as it was."""
        if self.step is not ChunkStep.COMMITTED:
            self.step = ChunkStep.FAILED
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass  # uncommitted bytes only: the committed offset stays


# -- COMPLETE -> ACCEPTED | ABSENT ---------------------------------------------------------
def key_lookup(store: NodeStore):
    """A ``station_id -> public key`` callable for :func:`verify_package` that refuses
    unknown and revoked stations with :class:`PackageError`."""

    def lookup(station_id: str) -> Ed25519PublicKey:
        st = store.get_station(station_id)
        if st is None:
            raise PackageError(Reason.UNKNOWN_STATION, station_id)
        if st.revoked_at is not None:
            raise PackageError(Reason.REVOKED_STATION, station_id)
        return load_public_key_b64(st.public_key)

    return lookup


def accept(store: NodeStore, verified: VerifiedPackage, src: Path, via: Via, sender: str) -> AcceptResult:
    """Move a verified package file into place, then commit its row (a crash between
    the two is finished by the next ``complete`` or import of the same package)."""
    target = final_path(store, verified.package_id)
    os.replace(src, target)
    fsync_dir(target.parent)
    unknown = not store.is_valid_code(verified.participant_code)
    new = store.add_package(verified.package_id, sender, verified.participant_code,
                            verified.variant, verified.subject, verified.size, via.value, unknown)
    if new:  # the node decrypts the spoken answers on arrival; the package is accepted whatever happens
        from coordinator.node import answers  # audio and numpy load only when a package arrives

        try:
            answers.extract(store, verified.package_id)
        except Exception:  # noqa: BLE001 - e.g. a full disk: opened again when an expert needs it
            log.exception("package %s: answers not opened on arrival", verified.package_id)
    return AcceptResult(Outcome.NEW if new else Outcome.DUPLICATE, verified.package_id, unknown_code=unknown,
                        participant_code=verified.participant_code)


def complete_upload(store: NodeStore, package_id: str, station_id: str) -> AcceptResult:
    """Verify a completely received upload and accept or reject it.

    Raises :class:`ConflictError` (``no_upload``; ``upload_incomplete`` with the
    committed offset if bytes are missing); a verification failure is recorded, the
    part file removed, and returned as ``REJECTED``."""
    stage, up = stage_of(store, package_id)
    if stage is Stage.ACCEPTED:
        return AcceptResult(Outcome.DUPLICATE, package_id)
    if up is None or up.station_id != station_id:
        raise _no_upload("no such upload", "Узел не знает эту передачу; станция начнёт её заново.")
    if stage is Stage.RECEIVING:
        raise ConflictError(f"upload has {up.offset} of {up.size} bytes", code=Reason.UPLOAD_INCOMPLETE,
                            extra={"offset": up.offset},
                            message_ru="Пакет передан не полностью; станция дошлёт недостающее.")
    src = part_path(store, package_id)
    if not src.exists() and final_path(store, package_id).exists():
        src = final_path(store, package_id)  # crashed between rename and commit last time
    elif not src.exists():  # the part file was removed (housekeeping): start again
        restart_upload(store, package_id, "part file missing")
    try:
        verified = verify_package(src, key_lookup(store)(station_id), expected_id=package_id,
                                  expected_station=station_id, allow_unpaired=True)
    except PackageError as exc:
        store.add_rejection(package_id, station_id, exc.reason, exc.detail, Via.NETWORK.value)
        src.unlink(missing_ok=True)
        store.drop_upload(package_id)
        return AcceptResult(Outcome.REJECTED, package_id, exc.reason, exc.detail)
    log.info("package %s from %s verified", package_id, station_id)
    return accept(store, verified, src, Via.NETWORK, station_id)


def upload_state(store: NodeStore, package_id: str) -> dict:
    """What the node has of a package: the answer to ``GET /packages/{id}``."""
    stage, up = stage_of(store, package_id)
    if stage is Stage.ACCEPTED:
        return {"status": UploadStatus.VERIFIED, "package_id": package_id}
    if up is not None:
        return {"status": UploadStatus.RECEIVING, "package_id": package_id, "offset": up.offset, "size": up.size}
    return {"status": UploadStatus.UNKNOWN, "package_id": package_id}
