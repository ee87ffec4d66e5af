"""HTTP routes for everything but the upload: the node's time (public), pairing
(public, proven by the one-time code), and for paired stations the heartbeat with
the readiness summary, the exam package, the released password and the valid codes."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel

from coordinator.node import content, recording_key
from coordinator.node.api_docs import (ANY, EXAM_FILE, SIGNED, SIGNED_OP, CodesAnswer, ExamInfoAnswer,
                                       HeartbeatAnswer, PairAnswer, PasswordAnswer, TimeAnswer, WhoAmIAnswer,
                                       answer, errors)
from coordinator.node.auth import AuthContext, checked_body, station_auth
from coordinator.node.errors import NotFoundError
from coordinator.node.pairing import pair_station
from coordinator.node.storage import NodeStore

router = APIRouter(prefix="/api/v1")


class PairRequest(BaseModel):
    public_key: str
    name: str = ""
    proof: str


class Heartbeat(BaseModel):
    readiness: dict = {}
    #: What the station is doing now (see docs/sync-protocol.md, heartbeat): phase,
    #: task number and count, seconds left, participant code, fault, pending packages.
    live: dict = {}


def _store(request: Request) -> NodeStore:
    return request.app.state.store


@router.get("/time", tags=["public"], response_model=None, responses={**answer(TimeAnswer), **errors(*ANY)})
def node_time() -> dict:
    """The node clock (UTC), for the stations' clock check."""
    now = time.time()
    return {"unix": now, "utc": datetime.fromtimestamp(now, timezone.utc).isoformat(),
            "local": datetime.fromtimestamp(now).astimezone().isoformat()}


@router.post("/pair", tags=["public"], response_model=None,
             responses={**answer(PairAnswer), **errors(400, 403, 413, 507)})
def pair(body: PairRequest, request: Request) -> dict:
    """Register a station's public key against a one-time pairing code proof."""
    result = pair_station(_store(request), request.app.state.fingerprint, body.public_key, body.name, body.proof)
    return dict(result, node_time=time.time(), fingerprint=request.app.state.fingerprint,
                recording_key=recording_key.public_b64(request.app.state.data_dir))


@router.get("/whoami", tags=["station"], response_model=None, openapi_extra=SIGNED_OP,
            responses={**answer(WhoAmIAnswer), **errors(*SIGNED)})
def whoami(request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """Who the node thinks the caller is (a cheap authenticated check)."""
    return {"station_id": auth.station.station_id, "name": auth.station.name, "node_time": time.time(),
            "recording_key": recording_key.public_b64(request.app.state.data_dir)}


@router.post("/heartbeat", tags=["station"], response_model=None, openapi_extra=SIGNED_OP,
             responses={**answer(HeartbeatAnswer), **errors(*SIGNED, 400)})
async def heartbeat(body: Heartbeat, request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """Record that the station is alive, its readiness summary and its live state."""
    await checked_body(request, auth)
    await anyio.to_thread.run_sync(_store(request).touch_station, auth.station.station_id, body.readiness,
                                   body.live)
    return {"ok": True, "node_time": time.time()}


@router.get("/exam/package/info", tags=["station"], response_model=None, openapi_extra=SIGNED_OP,
            responses={**answer(ExamInfoAnswer), **errors(*SIGNED, 404)})
def exam_package_info(request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    info = content.exam_package(_store(request))
    return {"name": info.name, "sha256": info.sha256, "size": info.size}


@router.get("/exam/package", tags=["station"], response_model=None, openapi_extra=SIGNED_OP,
            responses={**EXAM_FILE, **errors(*SIGNED, 404)})
def exam_package(request: Request, auth: AuthContext = Depends(station_auth)) -> FileResponse:
    """The exam package file as opaque bytes; ``X-VPR-SHA256`` carries its hash."""
    info = content.exam_package(_store(request))
    if not info.path.is_file():  # removed by hand or an antivirus: say so, not a bare server error
        raise NotFoundError(f"{info.path} missing", code="no_exam_package",
                            message_ru="Файл экзаменационного пакета пропал с диска узла.",
                            remedy_ru="Загрузите пакет на узел заново: vpr-node set-package ФАЙЛ.")
    return FileResponse(info.path, media_type="application/octet-stream", filename=info.name or "exam.bin",
                        headers={"X-VPR-SHA256": info.sha256})


@router.get("/exam/password", tags=["station"], response_model=None, openapi_extra=SIGNED_OP,
            responses={**answer(PasswordAnswer), **errors(*SIGNED, 409)})
def exam_password(request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """The archive password; 409 ``password_not_released`` until the coordinator releases it."""
    return {"password": content.released_password(_store(request))}


@router.get("/codes", tags=["station"], response_model=None, openapi_extra=SIGNED_OP,
            responses={**answer(CodesAnswer), **errors(*SIGNED)})
def codes(request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """The list of valid participant codes, and the accommodations (extra time, large
    print) of those that have one: ``{"codes": [...], "accommodations": {code: {...}}}``."""
    store = _store(request)
    listed = store.list_codes()
    return {"codes": listed, "accommodations": school_accommodations(store.data_dir, set(listed))}


def school_accommodations(data_dir, codes: set[str]) -> dict:
    """The school's accommodations of ``codes`` in their wire form (none without a school store)."""
    from coordinator.school.accommodations import all_accommodations
    from coordinator.school.store import DB_NAME, SchoolStore

    if not (data_dir / DB_NAME).exists():
        return {}
    with SchoolStore(data_dir) as school:
        return {c: a.to_wire() for c, a in all_accommodations(school).items() if c in codes}
