"""Putting the console into the node app: the shared parts on ``app.state.console``,
the vendored static files at ``/static``, every page router, and the headers every
console answer carries (no caching of pages that may hold names; a content security
policy that lets a page load nothing but the node's own files)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles

from coordinator.web.console import HERE, make_console
from coordinator.web.sessions import COOKIE
from coordinator.web.pages import (analytics, auth, codes, experts, journal, kiosk, protocol, results, school,
                                   scoring, stations, today, unlock, upload, users)

#: Paths that answer JSON (stations, scripts); everything else is the console.
API_PREFIXES = ("/api/", "/openapi.json")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
PAGES = (auth, today, school, codes, protocol, results, upload, stations, users, journal, experts, scoring,
         analytics, kiosk, unlock)


def is_console_path(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


def signed_in(scope) -> bool:
    """Whether an ASGI request carries the cookie of a live console session (checked
    before its body is read, by the body-size limit)."""
    from http.cookies import CookieError, SimpleCookie

    console = getattr(scope["app"].state, "console", None)
    raw = dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1")
    try:
        morsel = SimpleCookie(raw).get(COOKIE) if raw else None
    except CookieError:
        return False
    return bool(console and morsel and console.sessions.get(morsel.value))


def mount_console(app: FastAPI, data_dir: Path) -> None:
    app.state.console = make_console(data_dir)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for page in PAGES:
        app.include_router(page.router, include_in_schema=False)

    @app.get("/ping", include_in_schema=False)
    def ping() -> PlainTextResponse:
        """The cheapest answer of this server (the console benchmark's baseline)."""
        return PlainTextResponse("ok")

    @app.middleware("http")
    async def console_headers(request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if is_console_path(request.url.path):
            response.headers.setdefault("Content-Security-Policy", CSP)  # a chart sets its own first
            response.headers.setdefault("X-Frame-Options", "DENY")
            if not request.url.path.startswith("/static/"):
                response.headers.setdefault("Cache-Control", "no-store")
        return response
