"""«Станции и материалы»: the pairing code (large, with a QR code of the node's
address), the exam package, releasing its password, and the station list with
revoking. Calls the same node functions as ``vpr-node pair-code / set-package /
release-password / stations / revoke``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import anyio
import segno
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from coordinator.node import content
from coordinator.node.board import build_board
from coordinator.node.errors import NotFoundError, UnknownStationError
from coordinator.node.pairing import CODE_TTL_S, new_pair_code
from coordinator.node.tls import format_fingerprint, lan_addresses
from coordinator.web.accounts import Role
from coordinator.web.console import acting, flash, log_action, render, require
from coordinator.web.errors import WebError

router = APIRouter()
ROLES = (Role.COORDINATOR, Role.TECHNICIAN)


def _node_urls(request: Request) -> list[str]:
    port = request.url.port or 443
    return [f"https://{host}:{port}" for host in lan_addresses()]


def _exam_info(store):
    try:
        return content.exam_package(store)
    except NotFoundError:
        return None


async def _page(request: Request, session, **extra):
    store = request.app.state.store
    board = await anyio.to_thread.run_sync(build_board, store)
    urls = _node_urls(request)
    return render(request, "stations.html", session, board=board, urls=urls,
                  qr=segno.make(urls[0], error="m").svg_data_uri(scale=4) if urls else "",
                  fingerprint=format_fingerprint(request.app.state.fingerprint),
                  exam=await anyio.to_thread.run_sync(_exam_info, store),
                  password_released=bool(store.get_meta("password_released_at")),
                  password_saved=bool(store.get_meta("exam_password")), **extra)


@router.get("/stations")
async def stations_page(request: Request):
    return await _page(request, require(request, *ROLES))


@router.post("/stations/pair-code")
async def pair_code(request: Request):
    session = await acting(request, *ROLES)
    code, expires = await anyio.to_thread.run_sync(new_pair_code, request.app.state.store, CODE_TTL_S)
    log_action(request, session, "код подключения станции", detail=f"на {CODE_TTL_S // 60} мин")
    return render(request, "_pair_code.html", session, code=f"{code[:4]}-{code[4:]}", minutes=CODE_TTL_S // 60,
                  expires=expires)


@router.post("/stations/package")
async def upload_package(request: Request):
    session = await acting(request, *ROLES)
    form = await request.form()
    upload = form.get("package")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise WebError("no file", message_ru="Файл пакета не выбран.", remedy_ru="Выберите файл .zip с материалами.")
    password = str(form.get("password") or "").strip()
    with tempfile.TemporaryDirectory(prefix="vpr-upload-") as tmp:
        path = Path(tmp) / Path(upload.filename).name
        with open(path, "wb") as fh:
            await anyio.to_thread.run_sync(shutil.copyfileobj, upload.file, fh, 1024 * 1024)
        store = request.app.state.store
        info = await anyio.to_thread.run_sync(content.set_exam_package, store, path)
        if password:
            await anyio.to_thread.run_sync(lambda: content.set_password(store, password, release=False))
    log_action(request, session, "экзаменационный пакет загружен", info.name, f"{info.size} байт")
    return flash(request, f"Пакет «{info.name}» загружен.",
                 "Пароль сохранён, станциям откроется по кнопке «Открыть пароль»." if password else
                 "Пароль к нему введите в день проведения.", session=session)


@router.post("/stations/release-password")
async def release(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    password = str(form.get("password") or "").strip() or None
    await anyio.to_thread.run_sync(content.release_password, request.app.state.store, password)
    log_action(request, session, "пароль к материалам открыт станциям")
    return flash(request, "Пароль открыт станциям.", "Станции получат его при следующем обращении к узлу.",
                 session=session)


@router.post("/stations/{station_id}/revoke")
async def revoke(station_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    store = request.app.state.store
    if await anyio.to_thread.run_sync(store.get_station, station_id) is None:
        raise UnknownStationError(station_id)
    await anyio.to_thread.run_sync(store.revoke_station, station_id)
    log_action(request, session, "станция отключена", station_id)
    return flash(request, f"Станция {station_id} отключена.", "Её запросы и пакеты больше не принимаются.",
                 session=session)


__all__ = ["router", "format_fingerprint"]
