"""«Сегодня»: the live board of the day (:func:`coordinator.node.board.build_board`);
the stations and counts part reloads itself every 1.5 s."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request

from coordinator.node.board import build_board
from coordinator.web.accounts import Role
from coordinator.web.console import render, require

router = APIRouter()
ROLES = (Role.COORDINATOR, Role.TECHNICIAN)


async def _board(request: Request):
    subject = request.query_params.get("subject") or None
    return await anyio.to_thread.run_sync(build_board, request.app.state.store, subject)


@router.get("/")
async def today(request: Request):
    session = require(request, *ROLES)
    return render(request, "today.html", session, board=await _board(request))


@router.get("/today/live")
async def today_live(request: Request):
    session = require(request, *ROLES)
    return render(request, "_today_live.html", session, board=await _board(request))
