"""Signing in and out. The login form is protected against cross-site posting by a
double-submit token (a cookie and the same value in the form), since no session exists
yet; failed logins are limited per client address and per account from that address
(:mod:`coordinator.web.throttle`)."""

from __future__ import annotations

import hmac
import secrets

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from coordinator.web import accounts, audit
from coordinator.web.console import acting, client_address, console_of, log_action, render, session_of
from coordinator.web.errors import CsrfError, LoginFailedError, TooManyAttemptsError
from coordinator.web.sessions import COOKIE

router = APIRouter()
LOGIN_CSRF_COOKIE = "vpr_login"


def _home_of(role: accounts.Role) -> str:
    return {accounts.Role.EXPERT: "/experts", accounts.Role.LEAD_EXPERT: "/experts"}.get(role, "/")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this node (no ``//host``, no scheme): never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _login_form(request: Request, message: str = "", status_code: int = 200, login: str = ""):
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", None, status_code=status_code, form_token=token, message=message,
                  login=login, next=_safe_next(request.query_params.get("next")) or "",
                  first_run=not accounts.has_users(console_of(request).store))
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, secure=True, samesite="strict", path="/login")
    return resp


@router.get("/login")
def login_page(request: Request):
    if session_of(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _login_form(request)


@router.post("/login")
async def login(request: Request):
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, str(form.get("csrf_token", ""))):
        raise CsrfError("login form without its token")
    console = console_of(request)
    address = client_address(request)
    login_name = str(form.get("login", "")).strip()
    try:
        console.throttle.check(address, login_name)
        account = await anyio.to_thread.run_sync(accounts.authenticate, console.store, login_name,
                                                 str(form.get("password", "")))
    except TooManyAttemptsError as exc:
        return _login_form(request, f"{exc.message_ru} {exc.remedy_ru}", 429, login_name)
    except LoginFailedError as exc:
        console.throttle.failed(address, login_name)
        await anyio.to_thread.run_sync(lambda: audit.record(console.store, login_name[:40] or "?", "-", address,
                                                            "вход не удался"))
        return _login_form(request, f"{exc.message_ru} {exc.remedy_ru}", 401, login_name)
    console.throttle.succeeded(address, login_name)
    token, session = console.sessions.open(account, address)
    log_action(request, session, "вход")
    resp = RedirectResponse(_safe_next(str(form.get("next", ""))) or _home_of(account.role), status_code=303)
    resp.set_cookie(COOKIE, token, httponly=True, secure=True, samesite="strict", path="/")
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
async def logout(request: Request):
    session = await acting(request)
    log_action(request, session, "выход")
    console_of(request).sessions.close(session)
    resp = RedirectResponse("/login", status_code=303)
    resp.headers["HX-Redirect"] = "/login"
    resp.delete_cookie(COOKIE, path="/")
    return resp
