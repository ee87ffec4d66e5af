"""«Журнал действий» (coordinator only): the audit log, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request

from coordinator.web import audit
from coordinator.web.accounts import Role
from coordinator.web.console import console_of, render, require

router = APIRouter()
PAGE = 100


@router.get("/journal")
async def journal(request: Request):
    session = require(request, Role.COORDINATOR)
    try:
        page = max(0, int(request.query_params.get("page", "0")))
    except ValueError:
        page = 0
    store = console_of(request).store
    total = audit.count(store)
    return render(request, "journal.html", session, entries=audit.entries(store, PAGE, page * PAGE), page=page,
                  pages=(total + PAGE - 1) // PAGE, total=total)
