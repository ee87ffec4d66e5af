"""Unlocking the code-to-name protocol for this console session (coordinator only): the
passphrase is checked against the vault, the key kept in the session's memory until
«Закрыть протокол» or the end of the session. Wrong passphrases count like failed logins
(per address and account; never a lock-out from elsewhere)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from coordinator.school import vault
from coordinator.school.errors import WrongPassphraseError
from coordinator.school.store import SchoolStore
from coordinator.web.accounts import Role
from coordinator.web.console import acting, client_address, console_of, log_action
from coordinator.web.pages.auth import _safe_next

router = APIRouter()


@router.post("/protocol/unlock")
async def unlock(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    console = console_of(request)
    who = f"protocol:{session.account.login}"
    address = client_address(request)
    console.throttle.check(address, who)

    def open_vault():
        with SchoolStore(request.app.state.data_dir) as school:
            return vault.unlock(school, str(form.get("passphrase") or ""))

    try:
        session.protocol_key = await anyio.to_thread.run_sync(open_vault)
    except WrongPassphraseError:
        console.throttle.failed(address, who)
        log_action(request, session, "протокол: неверная парольная фраза")
        raise
    console.throttle.succeeded(address, who)
    log_action(request, session, "протокол открыт")
    return RedirectResponse(_safe_next(str(form.get("next") or "")) or "/", status_code=303)


@router.post("/protocol/init")
async def init(request: Request):
    """Set the protocol's passphrase once (the first time names are to be stored)."""
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    first, again = str(form.get("passphrase") or ""), str(form.get("again") or "")
    if first != again:
        from coordinator.web.errors import WebError

        raise WebError("passphrases differ", message_ru="Парольные фразы не совпадают.", remedy_ru="Введите ещё раз.")

    def run():
        with SchoolStore(request.app.state.data_dir) as school:
            return vault.init_vault(school, first)

    session.protocol_key = await anyio.to_thread.run_sync(run)
    log_action(request, session, "парольная фраза протокола задана")
    return RedirectResponse(_safe_next(str(form.get("next") or "")) or "/", status_code=303)


@router.post("/protocol/lock")
async def lock(request: Request):
    session = await acting(request, Role.COORDINATOR)
    session.protocol_key = None
    log_action(request, session, "протокол закрыт")
    form = await request.form()
    return RedirectResponse(_safe_next(str(form.get("next") or "")) or "/", status_code=303)
