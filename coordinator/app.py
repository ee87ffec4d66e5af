"""The node's FastAPI application and its uvicorn server.

:func:`create_app` builds the app on a data directory and mounts the sync routes;
other node modules add their own ``APIRouter`` s through ``extra_routers``.
:func:`serve` creates the TLS certificate on first start and runs uvicorn with it.
Every :class:`VprError` becomes a JSON error body with a Russian message.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Iterable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from coordinator.api import router as api_router
from coordinator.errors import NodeError
from coordinator.storage import NodeStore
from coordinator.tls import NodeTls, ensure_certificate, format_fingerprint
from coordinator.upload_api import router as upload_router
from sync.errors import AuthError, PackageError
from vpr_common.errors import VprError

log = logging.getLogger(__name__)
API_VERSION = "1"


def http_status_for(exc: VprError) -> int:
    if isinstance(exc, NodeError):
        return exc.http_status
    if isinstance(exc, AuthError):
        return 403 if exc.reason == "revoked_station" else 401
    if isinstance(exc, PackageError):
        return 422
    return 400


async def _vpr_error(request: Request, exc: VprError) -> JSONResponse:
    status = http_status_for(exc)
    body = {"error": dict(exc.as_dict(), reason=getattr(exc, "reason", exc.code))}
    body.update(getattr(exc, "extra", {}))
    log.info("%s %s -> %s %s %s", request.method, request.url.path, status, exc.code, exc.detail)
    return JSONResponse(body, status_code=status)


def create_app(data_dir: Path, extra_routers: Iterable[APIRouter] = (), tls: NodeTls | None = None) -> FastAPI:
    """Build the node app on ``data_dir`` (creating storage and, unless given, the
    TLS certificate whose fingerprint pairing uses)."""
    data_dir = Path(data_dir)
    tls = tls or ensure_certificate(data_dir / "tls")
    app = FastAPI(title="VPR school coordinator node", version=API_VERSION,
                  description="Pairing, content hand-out and response-package upload; see docs/sync-protocol.md")
    app.state.store = NodeStore(data_dir)
    app.state.fingerprint = tls.fingerprint
    app.state.data_dir = data_dir
    app.add_exception_handler(VprError, _vpr_error)
    app.include_router(api_router)
    app.include_router(upload_router)
    for router in extra_routers:
        app.include_router(router)
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


def serve(data_dir: Path, host: str, port: int, extra_routers: Iterable[APIRouter] = ()) -> None:
    """Run the node until interrupted (blocks). Raises :class:`NodeDataError`."""
    import uvicorn  # imported here: the other vpr-node commands start faster without it

    tls = ensure_certificate(Path(data_dir) / "tls")
    app = create_app(data_dir, extra_routers, tls)
    shown = lan_addresses() if host in ("0.0.0.0", "::") else [host]
    print("Узел координатора: " + ", ".join(f"https://{h}:{port}" for h in shown), flush=True)
    print(f"Отпечаток сертификата: {format_fingerprint(tls.fingerprint)}", flush=True)
    print(f"Данные: {data_dir}. Остановка: Ctrl+C.", flush=True)
    uvicorn.run(app, host=host, port=port, ssl_certfile=str(tls.cert_path), ssl_keyfile=str(tls.key_path),
                log_level="warning", access_log=False, timeout_keep_alive=30,
                timeout_graceful_shutdown=3)
