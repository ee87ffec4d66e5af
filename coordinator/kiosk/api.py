"""The kiosk's look-up on the node's station API: ``POST /api/v1/kiosk/lookup`` with
``{code, pin}``, signed by a paired station (the kiosk PC is paired like a station).
Answers one participant's released results, or a Russian refusal (403 wrong code or
PIN - the same for both; 429 wait). Never anything about another code."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from coordinator.kiosk import access, view
from coordinator.kiosk.store import KioskStore
from coordinator.node.api_docs import SIGNED, SIGNED_OP, answer, errors
from coordinator.node.auth import AuthContext, checked_body, station_auth
from coordinator.school.store import SchoolStore
from coordinator.scoring.store import ScoringStore
from sync.protocol import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["kiosk"])


class Lookup(BaseModel):
    code: str
    pin: str


class KioskAnswer(BaseModel):
    ok: bool
    code: str
    subjects: list[dict]


def _kiosk(request: Request) -> KioskStore:
    store = getattr(request.app.state, "kiosk", None)
    if store is None:
        store = request.app.state.kiosk = KioskStore(request.app.state.data_dir)
    return store


def _lookup(request: Request, station_id: str, code: str, pin: str) -> dict:
    kiosk = _kiosk(request)
    access.check(kiosk, station_id, code, pin)
    scoring = getattr(request.app.state, "scoring", None)
    if scoring is None:
        scoring = request.app.state.scoring = ScoringStore(request.app.state.data_dir)
    with SchoolStore(request.app.state.data_dir) as school:
        subjects = view.participant_results(kiosk, school, scoring, code)
    return {"ok": True, "code": code, "subjects": view.as_json(subjects)}


@router.post("/kiosk/lookup", tags=["kiosk"], response_model=None, openapi_extra=SIGNED_OP,
             responses={**answer(KioskAnswer), **errors(*SIGNED, 400, 429)})
async def lookup(body: Lookup, request: Request, auth: AuthContext = Depends(station_auth)) -> dict:
    """One participant's released results for the right code + PIN."""
    await checked_body(request, auth)
    code = "".join(ch for ch in body.code if ch.isdigit())[:5]
    pin = "".join(ch for ch in body.pin if ch.isdigit())[:access.PIN_DIGITS]
    return await anyio.to_thread.run_sync(_lookup, request, auth.station.station_id, code, pin)
