"""The node's FastAPI application and its uvicorn server.

:func:`create_app` builds the app on a data directory and mounts the sync routes;
other node modules add their own ``APIRouter`` s through ``extra_routers``.
:func:`serve` creates the TLS certificate on first start and runs uvicorn with it.
Every :class:`VprError` becomes a JSON error body with a Russian message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Iterable

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from coordinator.node.api import router as api_router
from coordinator.node.api_docs import finish_openapi
from coordinator.node.errors import BadRequestError, BodyTooLargeError, NodeError, error_response
from coordinator.node.storage import NodeStore
from coordinator.node.tls import NodeTls, ensure_certificate, format_fingerprint, lan_addresses
from sync.protocol import Reason
from coordinator.node.upload_api import VERIFY_AT_ONCE, clean_incoming
from coordinator.node.upload_api import router as upload_router
from coordinator.web.console import error_page
from coordinator.web.mount import is_console_path, mount_console, signed_in
from vpr_common.errors import VprError, error_body

log = logging.getLogger(__name__)
API_VERSION = "1"


async def _vpr_error(request: Request, exc: VprError):
    status, body = error_response(exc)
    log.info("%s %s -> %s %s %s", request.method, request.url.path, status, exc.code, exc.detail)
    if is_console_path(request.url.path):
        return error_page(request, exc)
    return JSONResponse(body, status_code=status)


_HTTP_RU = {400: ("Узел получил неверно составленный запрос: его не удалось прочитать.",
                  "Проверьте, что станция и узел одной версии, и повторите."),
            404: ("Такой страницы или данных на узле нет.", "Проверьте адрес."),
            405: ("Так к этому адресу обращаться нельзя.", "Проверьте адрес и способ запроса."),
            413: ("Слишком большой запрос.", "Уменьшите размер файла или отправляемых данных.")}


try:
    _GROUP: type | tuple = BaseExceptionGroup  # Python >= 3.11
except NameError:  # pragma: no cover - Python 3.10: anyio's backport
    from exceptiongroup import BaseExceptionGroup as _GROUP


def _vpr_cause(exc: BaseException | None) -> VprError | None:
    """Our own error inside what the framework wrapped it in (its 400 "error parsing the
    body", a task group's ``ExceptionGroup``), so it keeps its status and message."""
    while exc is not None:
        if isinstance(exc, VprError):
            return exc
        if isinstance(exc, _GROUP):
            return next((c for c in map(_vpr_cause, exc.exceptions) if c is not None), None)
        exc = exc.__cause__
    return None


async def _http_error(request: Request, exc: StarletteHTTPException):
    """The framework's own refusals (unknown path, wrong method ...) in the one Russian shape."""
    cause = _vpr_cause(exc.__cause__)
    if cause is not None:  # e.g. the body limit, hit while FastAPI read the body
        return await _vpr_error(request, cause)
    message, remedy = _HTTP_RU.get(exc.status_code, ("Запрос не выполнен.", "Проверьте адрес и повторите."))
    code = "invalid_request" if exc.status_code == 400 else f"http_{exc.status_code}"  # as _validation_error
    err = NodeError(f"HTTP {exc.status_code}: {exc.detail}", code=code, message_ru=message, remedy_ru=remedy)
    err.http_status = exc.status_code
    if is_console_path(request.url.path):
        resp = error_page(request, err)
    else:
        resp = JSONResponse(error_body(err), status_code=exc.status_code)
    for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
        resp.headers[name] = value
    return resp


async def _internal_error(request: Request, exc: Exception):
    """Anything unexpected: the traceback goes to the log, the client gets the one
    Russian error shape with status 500 (never a bare "Internal Server Error")."""
    log.error("%s %s -> 500: unexpected error", request.method, request.url.path, exc_info=exc)
    err = NodeError(f"internal error: {exc!r}"[:500], code="internal",
                    message_ru="Внутренняя ошибка узла координатора; данные не изменены.",
                    remedy_ru="Повторите. Если ошибка повторяется, сообщите техническому специалисту: "
                              "подробности в журнале узла.")
    if is_console_path(request.url.path):
        return error_page(request, err)
    return JSONResponse(error_body(err), status_code=500)


async def _validation_error(request: Request, exc: RequestValidationError):
    """A request that does not parse (bad JSON, a missing field) in the one Russian shape."""
    where = "; ".join(".".join(str(x) for x in e.get("loc", ())) for e in exc.errors()[:5])
    err = BadRequestError(f"invalid request: {where}", code="invalid_request",
                          message_ru="Узел получил неверно составленный запрос.",
                          remedy_ru=f"Проверьте поля запроса: {where}." if where else "Проверьте запрос.")
    return await _vpr_error(request, err)


#: Largest body of any request except an upload chunk (JSON: pairing, heartbeat ...)
#: and a file a signed-in console user sends.
MAX_JSON_BODY = 256 * 1024
#: Largest file a signed-in console user may send (an exam package with its media).
MAX_CONSOLE_FILE = 1024**3


class BodyLimit:
    """ASGI middleware: refuses (413) a non-chunk request whose body exceeds
    :data:`MAX_JSON_BODY` (:data:`MAX_CONSOLE_FILE` for a file form of a signed-in
    console session), counting the bytes as they arrive (also for chunked transfer
    encoding), so no unauthenticated request can fill the node's memory or disk.
    Upload chunks (``PATCH``) are limited by their own route."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] == "PATCH":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        limit = MAX_JSON_BODY
        if headers.get(b"content-type", b"").startswith(b"multipart/form-data") and signed_in(scope):
            limit = MAX_CONSOLE_FILE
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            return await _too_large(send, limit)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLargeError(f"body over {limit} bytes")  # 413, as a declared one
            return message

        return await self.app(scope, limited_receive, send)


async def _too_large(send, limit: int) -> None:
    status, body = error_response(BodyTooLargeError(f"body over {limit} bytes"))
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})


#: How often the running node drops abandoned partial uploads (also once at start).
HOUSEKEEPING_INTERVAL_S = 3600


async def _housekeeping(store: NodeStore) -> None:
    while True:
        try:
            report = await clean_incoming(store)
            if report.dropped or report.orphan_files:
                log.info("housekeeping: dropped %d abandoned uploads, %d orphan part files, freed %d bytes",
                         len(report.dropped), len(report.orphan_files), report.freed_bytes)
        except Exception:  # noqa: BLE001 - housekeeping must never stop the node
            log.exception("housekeeping failed; trying again later")
        await asyncio.sleep(HOUSEKEEPING_INTERVAL_S)


#: How often the running node prepares newly delivered answers for scoring.
SCORING_INTERVAL_S = 5


async def _scoring(data_dir: Path) -> None:
    from coordinator.scoring import service

    while True:
        try:
            await anyio.to_thread.run_sync(service.tick, data_dir)
        except Exception:  # noqa: BLE001 - scoring preparation must never stop the node
            log.exception("scoring preparation failed; trying again later")
        await asyncio.sleep(SCORING_INTERVAL_S)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(_housekeeping(app.state.store)), asyncio.create_task(_scoring(app.state.data_dir))]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()


def node_routers(data_dir: Path) -> list[APIRouter]:
    """The JSON routers of the node: the station API, the upload and the results kiosk's
    look-up (the console's pages are mounted by :func:`coordinator.web.mount.mount_console`)."""
    from coordinator.kiosk.api import router as kiosk_router

    return [api_router, upload_router, kiosk_router]


def create_app(data_dir: Path, extra_routers: Iterable[APIRouter] = (), tls: NodeTls | None = None) -> FastAPI:
    """Build the node app on ``data_dir`` (creating storage and, unless given, the
    TLS certificate whose fingerprint pairing uses) with every node router and
    ``extra_routers`` (tests). While served, the app drops abandoned partial uploads
    at start and hourly (:mod:`coordinator.node.housekeeping`)."""
    data_dir = Path(data_dir)
    tls = tls or ensure_certificate(data_dir / "tls")
    app = FastAPI(title="VPR school coordinator node", version=API_VERSION, lifespan=_lifespan,
                  description="Pairing, content hand-out and response-package upload; see docs/sync-protocol.md",
                  docs_url=None, redoc_url=None)  # their pages load scripts from a CDN: not on a school node
    app.state.store = NodeStore(data_dir)
    app.state.fingerprint = tls.fingerprint
    app.state.verify_slots = anyio.Semaphore(VERIFY_AT_ONCE)
    app.state.data_dir = data_dir
    app.add_exception_handler(VprError, _vpr_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
    for router in [*node_routers(data_dir), *extra_routers]:
        app.include_router(router)
    mount_console(app, data_dir)
    app.add_middleware(BodyLimit)
    plain_openapi = app.openapi
    app.openapi = lambda: finish_openapi(plain_openapi())
    return app


ENV_DATA = "VPR_NODE_SERVE_DATA"


def app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes (``--workers N``): the data dir comes
    from the environment the parent set."""
    return create_app(Path(os.environ[ENV_DATA]))


def _check_port_free(host: str, port: int) -> None:
    """Raises :class:`NodeError` (``port_busy``) with a Russian message if the port is taken."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            if os.name == "posix":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise NodeError(f"cannot listen on {host}:{port}: {exc}", code="port_busy",
                        message_ru=f"Не удалось открыть порт {port}: он занят другой программой "
                                   "(возможно, узел уже запущен) или адрес неверен.",
                        remedy_ru="Закройте вторую копию узла или укажите другой порт: "
                                  f"vpr-node serve --port {port + 10}.") from exc


def serve(data_dir: Path, host: str, port: int, workers: int = 1) -> None:
    """Run the node on one HTTPS port until interrupted (blocks). Raises
    :class:`NodeDataError`, or :class:`NodeError` (``port_busy``).

    With ``workers > 1`` uvicorn runs that many processes on the same socket; the
    upload path stays correct across processes (offsets are committed with a
    conditional update, every package is verified in full before it is accepted),
    and each worker costs about 75 MB of memory.
    """
    import uvicorn  # imported here: the other vpr-node commands start faster without it

    tls = ensure_certificate(Path(data_dir) / "tls")
    _check_port_free(host, port)
    if workers > 1:
        NodeStore(data_dir)  # create the schema once, before the workers race for it
        os.environ[ENV_DATA] = str(Path(data_dir).resolve())
        target = "coordinator.app:app_from_env"
    else:
        target = create_app(data_dir, tls=tls)
    shown = lan_addresses() if host in ("0.0.0.0", "::") else [host]
    print("Узел координатора: " + ", ".join(f"https://{h}:{port}" for h in shown), flush=True)
    print(f"Отпечаток сертификата: {format_fingerprint(tls.fingerprint)}", flush=True)
    print(f"Данные: {data_dir}. Остановка: Ctrl+C.", flush=True)
    uvicorn.run(target, factory=workers > 1, workers=workers if workers > 1 else None, host=host, port=port,
                ssl_certfile=str(tls.cert_path), ssl_keyfile=str(tls.key_path), log_level="warning",
                access_log=False, timeout_keep_alive=30, timeout_graceful_shutdown=3)
