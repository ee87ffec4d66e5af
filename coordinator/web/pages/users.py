"""«Учётные записи» (coordinator only): accounts with their roles; add one (a password
is made up and shown once, or typed), give a new password, disable or enable. The
same functions as ``vpr-node users``. Ending an account's sessions follows every
change of its password or state."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request

from coordinator.web import accounts
from coordinator.web.accounts import Role
from coordinator.web.console import acting, console_of, log_action, render, require
from coordinator.web.errors import AccountError

router = APIRouter()


def _page(request: Request, session, **extra):
    return render(request, "users.html", session, users=accounts.list_users(console_of(request).store),
                  roles=list(Role), **extra)


@router.get("/users")
async def users_page(request: Request):
    return _page(request, require(request, Role.COORDINATOR))


@router.post("/users")
async def add(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    try:
        role = Role(str(form.get("role", "")))
    except ValueError as exc:
        raise AccountError("bad role", message_ru="Выберите роль из списка.") from exc
    store = console_of(request).store
    account, password = await anyio.to_thread.run_sync(accounts.add_user, store, str(form.get("login", "")), role,
                                                       str(form.get("password") or "") or None)
    log_action(request, session, "учётная запись создана", account.login, role.title_ru)
    return _page(request, session, shown_login=account.login, shown_password=password)


@router.post("/users/{user_id}/password")
async def new_password(user_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    console = console_of(request)
    password = await anyio.to_thread.run_sync(accounts.set_password, console.store, user_id, None)
    account = accounts.get_user(console.store, user_id)
    if account.id != session.account.id:
        console.sessions.close_for_user(user_id)
    log_action(request, session, "новый пароль", account.login)
    return _page(request, session, shown_login=account.login, shown_password=password)


@router.post("/users/{user_id}/disable")
async def disable(user_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    console = console_of(request)
    account = accounts.set_disabled(console.store, user_id, True)
    console.sessions.close_for_user(user_id)
    log_action(request, session, "учётная запись отключена", account.login)
    return _page(request, session)


@router.post("/users/{user_id}/enable")
async def enable(user_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    account = accounts.set_disabled(console_of(request).store, user_id, False)
    log_action(request, session, "учётная запись включена", account.login)
    return _page(request, session)
