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
from fastapi.responses import JSONResponse

from coordinator.node.api import router as api_router
from coordinator.node.errors import BadRequestError, NodeError, error_response
from coordinator.node.storage import NodeStore
from coordinator.node.tls import NodeTls, ensure_certificate, format_fingerprint
from sync.protocol import Reason
from coordinator.node.upload_api import VERIFY_AT_ONCE, clean_incoming
from coordinator.node.upload_api import router as upload_router
from vpr_common.errors import VprError

log = logging.getLogger(__name__)
API_VERSION = "1"


async def _vpr_error(request: Request, exc: VprError) -> JSONResponse:
    status, body = error_response(exc)
    log.info("%s %s -> %s %s %s", request.method, request.url.path, status, exc.code, exc.detail)
    return JSONResponse(body, status_code=status)


#: Largest body of any request except an upload chunk (JSON: pairing, heartbeat ...).
MAX_JSON_BODY = 256 * 1024


class BodyLimit:
    """ASGI middleware: refuses (413) a non-chunk request whose body exceeds
    :data:`MAX_JSON_BODY`, counting the bytes as they arrive (also for chunked
    transfer encoding), so no unauthenticated request can fill the node's memory.
    Upload chunks (``PATCH``) are limited by their own route."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] == "PATCH":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > MAX_JSON_BODY:
            return await _too_large(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_JSON_BODY:
                raise BadRequestError(f"body over {MAX_JSON_BODY} bytes", code=Reason.BODY_TOO_LARGE)
            return message

        return await self.app(scope, limited_receive, send)


async def _too_large(send) -> None:
    status, body = error_response(BadRequestError(f"body over {MAX_JSON_BODY} bytes", code=Reason.BODY_TOO_LARGE,
                                                  message_ru="Слишком большой запрос."))
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


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    task = asyncio.create_task(_housekeeping(app.state.store))
    try:
        yield
    finally:
        task.cancel()


def node_routers(data_dir: Path) -> list[APIRouter]:
    """Every router of the node: the station API, the upload and the school API."""
    from coordinator.school.api import school_router

    return [api_router, upload_router, school_router(data_dir)]


def create_app(data_dir: Path, extra_routers: Iterable[APIRouter] = (), tls: NodeTls | None = None) -> FastAPI:
    """Build the node app on ``data_dir`` (creating storage and, unless given, the
    TLS certificate whose fingerprint pairing uses) with every node router and
    ``extra_routers`` (tests). While served, the app drops abandoned partial uploads
    at start and hourly (:mod:`coordinator.node.housekeeping`)."""
    data_dir = Path(data_dir)
    tls = tls or ensure_certificate(data_dir / "tls")
    app = FastAPI(title="VPR school coordinator node", version=API_VERSION, lifespan=_lifespan,
                  description="Pairing, content hand-out and response-package upload; see docs/sync-protocol.md")
    app.state.store = NodeStore(data_dir)
    app.state.fingerprint = tls.fingerprint
    app.state.verify_slots = anyio.Semaphore(VERIFY_AT_ONCE)
    app.state.data_dir = data_dir
    app.add_exception_handler(VprError, _vpr_error)
    for router in [*node_routers(data_dir), *extra_routers]:
        app.include_router(router)
    app.add_middleware(BodyLimit)
    return app


def lan_addresses() -> list[str]:
    """This PC's IPv4 addresses as stations would use them (no packet is sent)."""
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if info[4][0] not in found and not info[4][0].startswith("127."):
                found.append(info[4][0])
    except OSError:
        pass
    return found or ["127.0.0.1"]


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
