"""«Киоск результатов» (coordinator): which subjects students and parents may see at the
kiosk (a subject is shown only after it is marked final), and the access cards per
class with name, code and PIN (the protocol must be unlocked in this session; printing
a class again makes new PINs)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from coordinator.kiosk import access, cards
from coordinator.kiosk.api import _kiosk
from coordinator.school import codes as school_codes
from coordinator.school import protocol
from coordinator.school.roster import list_classes
from coordinator.school.settings import get_info
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import list_subjects
from coordinator.web.accounts import Role
from coordinator.web.console import acting, log_action, render, require
from coordinator.web.errors import WebError

router = APIRouter()


@router.get("/kiosk")
async def kiosk_page(request: Request):
    session = require(request, Role.COORDINATOR)
    with SchoolStore(request.app.state.data_dir) as school:
        subjects = list_subjects(school)
        classes = [c.name for c in list_classes(school)]
    return render(request, "kiosk.html", session, subjects=subjects, classes=classes,
                  released=access.released(_kiosk(request)))


@router.post("/kiosk/{subject_id}/{action}")
async def release(subject_id: str, action: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    store = _kiosk(request)
    if action == "release":
        await anyio.to_thread.run_sync(access.release, store, subject_id, session.account.login)
        log_action(request, session, "результаты открыты в киоске", subject_id)
    else:
        await anyio.to_thread.run_sync(access.withdraw, store, subject_id)
        log_action(request, session, "результаты скрыты в киоске", subject_id)
    return RedirectResponse("/kiosk", status_code=303)


@router.post("/kiosk-cards/{class_name}")
async def print_cards(class_name: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    if not session.protocol_unlocked:
        raise WebError("protocol locked", message_ru="Для карточек нужны фамилии: откройте протокол.",
                       remedy_ru="Введите парольную фразу протокола на этой странице.")

    def build() -> bytes:
        with SchoolStore(request.app.state.data_dir) as school:
            names = {e.code: e.name for e in protocol.entries(school, session.protocol_key, class_name) if e.code}
            codes = [c.code for c in school_codes.active_codes(school, class_name)]
            pins = access.issue_pins(_kiosk(request), codes)
            rows = sorted((class_name, names.get(c, ""), c, pins[c]) for c in codes)
            rows.sort(key=lambda r: r[1])
            return cards.render_cards(get_info(school).name or "", rows)

    pdf = await anyio.to_thread.run_sync(build)
    log_action(request, session, "карточки доступа напечатаны (новые PIN)", class_name)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": "attachment; filename=access-cards.pdf"})
