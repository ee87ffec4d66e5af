"""The console's shared parts for one node (made once per app): the data dir, the
console store, sessions, the login throttle and the templates; and the request-level
helpers every page uses: the signed-in session, role checks, the CSRF check, the
audit entry of an action, and rendering.

Routes (``coordinator/web/pages``) stay thin: they parse the request, call the same
core functions the CLI calls, write the audit entry and render.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from coordinator.web import audit
from coordinator.web.accounts import Role
from coordinator.web.errors import CsrfError, ForbiddenError, LoginRequiredError, WebError
from coordinator.web.sessions import COOKIE, Session, Sessions
from coordinator.web.store import ConsoleStore
from coordinator.web.throttle import LoginThrottle
from vpr_common.errors import VprError

HERE = Path(__file__).resolve().parent
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MOSCOW = ZoneInfo("Europe/Moscow")

#: The pages in the menu: (path, title, roles that see it).
MENU: list[tuple[str, str, frozenset[Role]]] = [
    ("/", "Сегодня", frozenset({Role.COORDINATOR, Role.TECHNICIAN})),
    ("/school", "Школа и расписание", frozenset({Role.COORDINATOR})),
    ("/codes", "Коды", frozenset({Role.COORDINATOR})),
    ("/protocol", "Протокол", frozenset({Role.COORDINATOR})),
    ("/results", "Результаты", frozenset({Role.COORDINATOR})),
    ("/upload", "Выгрузка", frozenset({Role.COORDINATOR})),
    ("/stations", "Станции и материалы", frozenset({Role.COORDINATOR, Role.TECHNICIAN})),
    ("/experts", "Оценивание", frozenset({Role.EXPERT, Role.LEAD_EXPERT})),
    ("/scoring", "Оценивание", frozenset({Role.COORDINATOR})),
    ("/analytics", "Аналитика", frozenset({Role.COORDINATOR})),
    ("/kiosk", "Киоск результатов", frozenset({Role.COORDINATOR})),
    ("/users", "Учётные записи", frozenset({Role.COORDINATOR})),
    ("/journal", "Журнал действий", frozenset({Role.COORDINATOR})),
]


@dataclass
class Console:
    data_dir: Path
    store: ConsoleStore
    sessions: Sessions
    throttle: LoginThrottle
    templates: Jinja2Templates


def make_console(data_dir: Path) -> Console:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    templates = Jinja2Templates(env=env)
    templates.env.globals.update(MENU=MENU, Role=Role)
    templates.env.filters["local_time"] = local_time
    templates.env.globals["protocol_ready"] = protocol_ready
    return Console(Path(data_dir), ConsoleStore(data_dir), Sessions(), LoginThrottle(), templates)


def protocol_ready(request: Request) -> bool:
    """Whether the school's protocol has its passphrase (vault) yet."""
    from coordinator.school import vault
    from coordinator.school.store import SchoolStore

    with SchoolStore(request.app.state.data_dir) as school:
        return vault.is_initialized(school)


def console_of(request: Request) -> Console:
    return request.app.state.console


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def local_time(utc_iso: str | None, tz: str | None = None, with_moscow: bool = False) -> str:
    """``2026-04-15T05:30:00+00:00`` -> ``15.04.2026 10:30`` in the school's zone (and
    Moscow time beside it when asked and different)."""
    if not utc_iso:
        return "—"
    try:
        dt = datetime.fromisoformat(str(utc_iso))
    except ValueError:
        return str(utc_iso)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    zone = ZoneInfo(tz) if tz else datetime.now().astimezone().tzinfo
    text = dt.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    if with_moscow and dt.astimezone(zone).utcoffset() != dt.astimezone(MOSCOW).utcoffset():
        text += f" (МСК {dt.astimezone(MOSCOW):%H:%M})"
    return text


# -- sessions and permissions ---------------------------------------------------------------
def session_of(request: Request) -> Session | None:
    return console_of(request).sessions.get(request.cookies.get(COOKIE))


def require(request: Request, *roles: Role) -> Session:
    """The signed-in session with one of ``roles`` (any role when none given). Raises
    :class:`LoginRequiredError` or :class:`ForbiddenError`."""
    session = session_of(request)
    if session is None:
        raise LoginRequiredError("no session")
    if roles and session.account.role not in roles:
        raise ForbiddenError(f"{session.account.login} ({session.account.role.value}) not in {roles}")
    return session


async def check_csrf(request: Request, session: Session) -> None:
    """A state-changing request must carry the session's CSRF token (the header htmx
    sends, or the form field of a plain form). Raises :class:`CsrfError`."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded",
                                                                          "multipart/form-data")):
        sent = (await request.form()).get(CSRF_FIELD)
    if not sent or not hmac.compare_digest(str(sent), session.csrf):
        raise CsrfError(f"{request.method} {request.url.path} without a valid CSRF token")


async def acting(request: Request, *roles: Role) -> Session:
    """``require`` + ``check_csrf``: the start of every route that changes data."""
    session = require(request, *roles)
    await check_csrf(request, session)
    return session


def log_action(request: Request, session: Session, action: str, target: str = "", detail: str = "") -> None:
    """One audit entry for a data change made by ``session``."""
    audit.record(console_of(request).store, session.account.login, session.account.role.value,
                 client_address(request), action, target, detail)


# -- rendering -----------------------------------------------------------------------------
def render(request: Request, template: str, session: Session | None = None, status_code: int = 200,
           **context) -> HTMLResponse:
    console = console_of(request)
    return console.templates.TemplateResponse(request, template, dict(context, session=session),
                                              status_code=status_code)


def flash(request: Request, message: str, remedy: str = "", kind: str = "ok", status_code: int = 200,
          session: Session | None = None) -> HTMLResponse:
    """A message for the page's message area (htmx puts it there, ``HX-Retarget``)."""
    resp = render(request, "_flash.html", session, status_code=status_code, message=message, remedy=remedy,
                  kind=kind)
    resp.headers["HX-Retarget"] = "#flash"
    resp.headers["HX-Reswap"] = "innerHTML"
    return resp


def confirm_box(request: Request, session: Session, warnings: list[str], action: str,
                fields: list[tuple[str, str]]) -> HTMLResponse:
    """The reasons an action needs the coordinator's consent, with a «подтверждаю» button
    that sends the same fields again with ``confirm=1`` (into the message area)."""
    resp = render(request, "_confirm.html", session, warnings=warnings, action=action, fields=fields)
    resp.headers["HX-Retarget"] = "#flash"
    resp.headers["HX-Reswap"] = "innerHTML"
    return resp


def error_page(request: Request, exc: VprError) -> Response:
    """How the console answers a failure: to htmx a message in the message area, to a
    page load a page with the message; a missing session goes to the login page."""
    status = getattr(exc, "http_status", 400)
    if isinstance(exc, LoginRequiredError):
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}" if target != "/" else "/login", status_code=303)
    session = session_of(request)
    if is_htmx(request):
        return flash(request, exc.message_ru, exc.remedy_ru, kind="error", status_code=status, session=session)
    return render(request, "error.html", session, status_code=status, message=exc.message_ru,
                  remedy=exc.remedy_ru)


__all__ = ["Console", "WebError", "acting", "check_csrf", "client_address", "console_of", "error_page", "flash",
           "log_action", "make_console", "render", "require", "session_of"]
