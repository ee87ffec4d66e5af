"""HTTP routes of the resumable package upload (see docs/sync-protocol.md):
``PUT /api/v1/uploads/{id}`` opens or resumes, ``PATCH ...?offset=N`` appends one
chunk (streamed to disk, never held whole), ``POST .../complete`` verifies and
acknowledges, ``GET /api/v1/packages/{id}`` tells what the node has.

Runs on the event loop; fsync, SQLite and verification go to worker threads. One
lock per package id (:mod:`coordinator.package_locks`, shared with the upload data
port) serialises chunks of the same upload; a semaphore on ``app.state.verify_slots``
(made by :func:`coordinator.app.create_app`) bounds how many packages are verified at
once. When the node runs its upload data port (:mod:`coordinator.upload_port`), the
answer to ``PUT`` names it, and stations send their chunks there.
"""

from __future__ import annotations

import hashlib

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from coordinator.auth import AuthContext, checked_body, station_auth
from coordinator import housekeeping
from coordinator.errors import BadRequestError, ConflictError, NodeDiskFullError
from coordinator.ingest import (STREAMED, Outcome, check_space, chunk_precheck, commit_chunk, finalize_upload,
                                open_part)
from coordinator.package_locks import LOCKS
from coordinator.storage import NodeStore, Upload, is_disk_full
from sync.errors import PackageError
from sync.package import is_package_id
from sync.signing import UNSIGNED_PAYLOAD

MAX_CHUNK = 16 * 1024 * 1024
MAX_PACKAGE = 8 * 1024**3
#: Pieces of a chunk body (about 256 KiB each from uvicorn) are handed to a worker
#: thread in batches of at least this many bytes: fewer thread hand-overs for the
#: event loop, and no copy (the batch is written piece by piece).
WRITE_BATCH = 512 * 1024
#: Whole-package verifications (SHA-256 of every file, CPU-bound) at the same time.
#: When 30 stations finish together, 30 verifications at once only add threads and
#: read buffers: the bench's node peak RSS went from 165-200 MB to 145-162 MB with 2.
VERIFY_AT_ONCE = 2

class UploadStart(BaseModel):
    size: int


def _store(request: Request) -> NodeStore:
    return request.app.state.store


def _check_id(package_id: str) -> None:
    if not is_package_id(package_id):
        raise BadRequestError(f"bad package id {package_id!r}", code="bad_package_id")


router = APIRouter(prefix="/api/v1", tags=["upload"])


@router.put("/uploads/{package_id}")
async def start_upload(package_id: str, body: UploadStart, request: Request,
                       auth: AuthContext = Depends(station_auth)) -> dict:
    """Open (or resume) the upload of one package; answers the committed offset."""
    await checked_body(request, auth)
    _check_id(package_id)
    if not 0 < body.size <= MAX_PACKAGE:
        raise BadRequestError(f"size {body.size}", code="bad_size")
    store = _store(request)
    async with LOCKS.held_async(package_id):
        if await anyio.to_thread.run_sync(store.has_package, package_id):
            return {"status": "already_have", "package_id": package_id}
        up = await anyio.to_thread.run_sync(store.get_upload, package_id)
        if up is not None and up.station_id != auth.station.station_id:
            raise ConflictError("another station uploads this id", code="upload_owner")
        if up is not None and up.size != body.size:
            await anyio.to_thread.run_sync(store.drop_upload, package_id)
            up = None
        if up is None:
            await anyio.to_thread.run_sync(check_space, store, body.size)
            up = await anyio.to_thread.run_sync(store.start_upload, package_id, auth.station.station_id, body.size)
    answer = {"status": "receiving", "package_id": package_id, "offset": up.offset, "size": up.size}
    if getattr(request.app.state, "upload_port", None):
        answer["upload_port"] = request.app.state.upload_port
    return answer


@router.patch("/uploads/{package_id}")
async def upload_chunk(package_id: str, offset: int, request: Request,
                       auth: AuthContext = Depends(station_auth)) -> dict:
    """Append one chunk at ``offset``; a chunk the node already has is acknowledged
    without writing; any other offset than the committed one answers 409 with it."""
    _check_id(package_id)
    store = _store(request)
    try:
        length = int(request.headers.get("content-length", ""))
    except ValueError as exc:
        raise BadRequestError("Content-Length required", code="length_required") from exc
    if not 0 < length <= MAX_CHUNK:
        raise BadRequestError(f"chunk of {length} bytes", code="bad_chunk_size")
    async with LOCKS.held_async(package_id):
        up = await anyio.to_thread.run_sync(chunk_precheck, store, package_id, auth.station.station_id,
                                            offset, length)
        if not isinstance(up, Upload):
            return up  # the answer without writing
        return await _receive_chunk(store, request, auth, up, offset, length)


def _write_pieces(fh, digest, streamed, pieces: list[bytes]) -> None:
    for piece in pieces:  # pieces this large bypass the file's buffer: no copy
        if digest is not None:
            digest.update(piece)
        if streamed is not None:
            streamed.update(piece)
        fh.write(piece)


async def _receive_chunk(store: NodeStore, request: Request, auth: AuthContext, upload: Upload,
                         offset: int, length: int) -> dict:
    # Pieces are gathered into batches of WRITE_BATCH bytes or more, and hashing plus
    # writing a batch runs in a worker thread (both release the GIL), so the event
    # loop keeps serving the other stations and a second core is used.
    package_id = upload.package_id
    # A chunk signed with its SHA-256 is checked against it; an unsigned-payload chunk
    # (what stations send) is not hashed here: the whole package is verified at
    # ``complete`` before anything is acknowledged.
    digest = None if auth.signed.body_sha256 == UNSIGNED_PAYLOAD else hashlib.sha256()
    received = 0
    pending: list[bytes] = []
    pending_len = 0
    try:
        fh = await anyio.to_thread.run_sync(open_part, store, upload, offset)
        try:
            streamed = STREAMED.take(upload, offset, fh)  # member digests for complete (ingest.StreamedDigests)
            async for piece in request.stream():
                received += len(piece)
                if received > length:
                    raise BadRequestError("body longer than Content-Length", code="bad_chunk_size")
                pending.append(piece)
                pending_len += len(piece)
                if pending_len >= WRITE_BATCH:
                    batch, pending, pending_len = pending, [], 0
                    await anyio.to_thread.run_sync(_write_pieces, fh, digest, streamed, batch)
            if pending:
                await anyio.to_thread.run_sync(_write_pieces, fh, digest, streamed, pending)
            if received != length:
                raise BadRequestError(f"got {received} of {length} bytes", code="chunk_truncated")
            if digest is not None and digest.hexdigest() != auth.signed.body_sha256:
                raise BadRequestError("chunk hash differs from the signed one", code="chunk_hash_mismatch")
            answer = await anyio.to_thread.run_sync(commit_chunk, store, fh, package_id, offset, offset + length)
            STREAMED.give_back(upload, streamed)
            return answer
        finally:
            try:
                fh.close()
            except OSError:
                pass  # a failed flush of uncommitted bytes: the committed offset stays
    except ClientDisconnect as exc:
        raise BadRequestError("client disconnected mid-chunk", code="chunk_truncated") from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise NodeDiskFullError(str(exc)) from exc
        raise


@router.post("/uploads/{package_id}/complete")
async def complete_upload(package_id: str, request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """Verify the whole package and acknowledge it (or refuse it with the reason)."""
    await checked_body(request, auth)
    _check_id(package_id)
    store = _store(request)
    async with LOCKS.held_async(package_id), request.app.state.verify_slots:
        res = await anyio.to_thread.run_sync(finalize_upload, store, package_id, auth.station.station_id)
    if res.outcome is Outcome.REJECTED:
        raise PackageError(res.reason, res.detail)
    return {"status": "verified" if res.outcome is Outcome.NEW else "already_have",
            "package_id": package_id, "unknown_code": res.unknown_code}


async def clean_incoming(store: NodeStore) -> housekeeping.CleanupReport:
    """Drop abandoned partial uploads (see :mod:`coordinator.housekeeping`), each under
    its package lock so no chunk of it is being written meanwhile."""
    report = housekeeping.CleanupReport()
    for package_id in await anyio.to_thread.run_sync(housekeeping.stale_uploads, store):
        async with LOCKS.held_async(package_id):
            await anyio.to_thread.run_sync(lambda: housekeeping.drop_stale_upload(store, package_id, report=report))
            if await anyio.to_thread.run_sync(store.get_upload, package_id) is None:
                STREAMED.pop(package_id)  # its streamed digests, if this process held any
    for path in await anyio.to_thread.run_sync(housekeeping.orphan_parts, store):
        async with LOCKS.held_async(path.stem):
            await anyio.to_thread.run_sync(lambda: housekeeping.remove_orphan_part(store, path, report))
    return report


@router.get("/packages/{package_id}")
async def package_state(package_id: str, request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """Whether the node has verified this package, or how far its upload got."""
    _check_id(package_id)
    store = _store(request)
    pkg = await anyio.to_thread.run_sync(store.get_package, package_id)
    if pkg is not None:
        return {"status": "verified", "package_id": package_id}
    up = await anyio.to_thread.run_sync(store.get_upload, package_id)
    if up is not None:
        return {"status": "receiving", "package_id": package_id, "offset": up.offset, "size": up.size}
    return {"status": "unknown", "package_id": package_id}

