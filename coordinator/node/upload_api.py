"""HTTP routes of the resumable package upload (see docs/sync-protocol.md):
``PUT /api/v1/uploads/{id}`` opens or resumes, ``PATCH ...?offset=N`` appends one
chunk (streamed to disk, never held whole), ``POST .../complete`` verifies and
acknowledges, ``GET /api/v1/packages/{id}`` tells what the node has.

The routes parse requests and stream bodies on the event loop; everything else is
:mod:`coordinator.node.ingest`, called in worker threads under the package's lock
(:mod:`coordinator.node.package_locks`), so chunks, ``complete`` and the housekeeping of
one package run one after the other. A semaphore on ``app.state.verify_slots``
(made by :func:`coordinator.app.create_app`) bounds how many packages are verified
at once.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from coordinator.node import housekeeping, ingest
from coordinator.node.api_docs import SIGNED, SIGNED_OP, UploadAnswer, answer, errors
from coordinator.node.auth import AuthContext, checked_body, station_auth
from coordinator.node.errors import BadRequestError, NodeDiskFullError
from coordinator.node.package_locks import LOCKS
from coordinator.node.storage import NodeStore, Upload
from sync.errors import PackageError
from sync.package import is_package_id
from sync.protocol import API_PREFIX, UNSIGNED_PAYLOAD, Reason, UploadStatus
from vpr_common.errors import is_disk_full

MAX_CHUNK = 16 * 1024 * 1024
#: Pieces of a chunk body (about 256 KiB each from uvicorn) are handed to a worker
#: thread in batches of at least this many bytes: fewer thread hand-overs for the
#: event loop, and no copy (the batch is written piece by piece).
WRITE_BATCH = 512 * 1024
#: Whole-package verifications (SHA-256 of every file, CPU-bound) at the same time.
#: When 30 stations finish together, 30 verifications at once only add threads and
#: read buffers: the bench's node peak RSS went from 165-200 MB to 145-162 MB with 2.
VERIFY_AT_ONCE = 2


#: A package id: documented with its form (``sync.package.is_package_id``) so clients
#: and fuzzers know it; checked by ``_check_id`` (400 ``bad_package_id``), not by FastAPI.
PackageId = Annotated[str, Path(description="SHA-256 (hex) of the package manifest", examples=["ab" * 32],
                                json_schema_extra={"pattern": "^[0-9a-f]{64}$"})]
#: ``PATCH`` streams its body itself (no body parameter): documented by hand.
CHUNK_BODY = {"requestBody": {"required": True, "description": "the chunk's bytes, at most 16 MiB",
                              "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}}}


class UploadStart(BaseModel):
    size: int


def _store(request: Request) -> NodeStore:
    return request.app.state.store


def _check_id(package_id: str) -> None:
    if not is_package_id(package_id):
        raise BadRequestError(f"bad package id {package_id!r}", code=Reason.BAD_PACKAGE_ID)


router = APIRouter(prefix=API_PREFIX, tags=["upload"])


@router.put("/uploads/{package_id}", response_model=None, openapi_extra=SIGNED_OP,
            responses={**answer(UploadAnswer), **errors(*SIGNED, 400, 409)})
async def start_upload(package_id: PackageId, body: UploadStart, request: Request,
                       auth: AuthContext = Depends(station_auth)) -> dict:
    """Open (or resume) the upload of one package; answers the committed offset."""
    await checked_body(request, auth)
    _check_id(package_id)
    if not 0 < body.size <= ingest.MAX_PACKAGE:
        raise BadRequestError(f"size {body.size}", code=Reason.BAD_SIZE)
    async with LOCKS.held(package_id):
        return await anyio.to_thread.run_sync(ingest.open_upload, _store(request), package_id,
                                              auth.station.station_id, body.size)


@router.patch("/uploads/{package_id}", response_model=None, openapi_extra={**SIGNED_OP, **CHUNK_BODY},
              responses={**answer(UploadAnswer), **errors(400, 401, 403, 409, 507)})
async def upload_chunk(package_id: PackageId, offset: int, request: Request,
                       auth: AuthContext = Depends(station_auth)) -> dict:
    """Append one chunk at ``offset``; a chunk the node already has is acknowledged
    without writing; any other offset than the committed one answers 409 with it."""
    _check_id(package_id)
    store = _store(request)
    try:
        length = int(request.headers.get("content-length", ""))
    except ValueError as exc:
        raise BadRequestError("Content-Length required", code=Reason.LENGTH_REQUIRED) from exc
    if not 0 < length <= MAX_CHUNK:
        raise BadRequestError(f"chunk of {length} bytes", code=Reason.BAD_CHUNK_SIZE)
    async with LOCKS.held(package_id):
        up = await anyio.to_thread.run_sync(ingest.plan_chunk, store, package_id, auth.station.station_id,
                                            offset, length)
        if not isinstance(up, Upload):
            return up  # the answer without writing
        signed = None if auth.signed.body_sha256 == UNSIGNED_PAYLOAD else auth.signed.body_sha256
        return await _receive_chunk(request, ingest.ChunkWrite(store, up, offset, length, signed))


async def _receive_chunk(request: Request, chunk: ingest.ChunkWrite) -> dict:
    # Pieces are gathered into batches of WRITE_BATCH bytes or more, and writing a
    # batch runs in a worker thread (the write releases the GIL), so the event loop
    # keeps serving the other stations and a second core is used.
    pending: list[bytes] = []
    pending_len = 0
    try:
        try:
            await anyio.to_thread.run_sync(chunk.open)
            async for piece in request.stream():
                pending.append(piece)
                pending_len += len(piece)
                if pending_len >= WRITE_BATCH:
                    batch, pending, pending_len = pending, [], 0
                    await anyio.to_thread.run_sync(chunk.append, batch)
            if pending:
                await anyio.to_thread.run_sync(chunk.append, pending)
            return await anyio.to_thread.run_sync(chunk.commit)
        finally:
            chunk.close()
    except ClientDisconnect as exc:
        raise BadRequestError("client disconnected mid-chunk", code=Reason.CHUNK_TRUNCATED) from exc
    except OSError as exc:
        if is_disk_full(exc):
            raise NodeDiskFullError(str(exc)) from exc
        raise


@router.post("/uploads/{package_id}/complete", response_model=None, openapi_extra=SIGNED_OP,
             responses={**answer(UploadAnswer), **errors(*SIGNED, 400, 409, 422)})
async def complete_upload(package_id: PackageId, request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """Verify the whole package and acknowledge it (or refuse it with the reason)."""
    await checked_body(request, auth)
    _check_id(package_id)
    async with LOCKS.held(package_id), request.app.state.verify_slots:
        res = await anyio.to_thread.run_sync(ingest.complete_upload, _store(request), package_id,
                                             auth.station.station_id)
    if res.outcome is ingest.Outcome.REJECTED:
        raise PackageError(res.reason, res.detail)
    return {"status": UploadStatus.VERIFIED if res.outcome is ingest.Outcome.NEW else UploadStatus.ALREADY_HAVE,
            "package_id": package_id, "unknown_code": res.unknown_code}


@router.get("/packages/{package_id}", response_model=None, openapi_extra=SIGNED_OP,
            responses={**answer(UploadAnswer), **errors(*SIGNED, 400)})
async def package_state(package_id: PackageId, request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """Whether the node has verified this package, or how far its upload got."""
    _check_id(package_id)
    return await anyio.to_thread.run_sync(ingest.upload_state, _store(request), package_id)


async def clean_incoming(store: NodeStore) -> housekeeping.CleanupReport:
    """Drop abandoned partial uploads (see :mod:`coordinator.node.housekeeping`), each under
    its package lock so no chunk of it is being written meanwhile."""
    report = housekeeping.CleanupReport()
    for package_id in await anyio.to_thread.run_sync(housekeeping.stale_uploads, store):
        async with LOCKS.held(package_id):
            await anyio.to_thread.run_sync(lambda: housekeeping.drop_stale_upload(store, package_id, report=report))
    for path in await anyio.to_thread.run_sync(housekeeping.orphan_parts, store):
        async with LOCKS.held(path.stem):
            await anyio.to_thread.run_sync(lambda: housekeeping.remove_orphan_part(store, path, report))
    return report
