"""«Выгрузка» (coordinator): per subject the checklist before the results go to ФИС ОКО
(every participant has results or is absent; the criteria time has passed; before
23:00 Moscow time), the file to upload (the federal form, prepared into the node's data
folder), «Я загрузил» to record it with its checksum, and the receipts; a subject
whose results changed after an upload says so until it is uploaded again.
``vpr-node upload prepare / confirm / status`` underneath."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from coordinator.school import changes, results, schedule, subjects, timefmt, upload
from coordinator.school.settings import get_info
from coordinator.web.accounts import Role
from coordinator.web.console import acting, flash, log_action, render, require
from coordinator.web.errors import WebError
from coordinator.web.pages.school import school_store

router = APIRouter()
FOLDER = "uploads"


def checklist(s, subject, now: datetime, tz: str) -> dict:
    """The checklist of one subject (the same facts as ``vpr-node upload status``)."""
    done, absent, missing = results.progress(s, subject)
    item = schedule.get_item(s, subject.id)
    status = changes.upload_status(s, subject.id)
    return {"subject": subject, "missing": missing, "done": done, "absent": absent,
            "criteria_passed": bool(item and item.criteria_utc <= now),
            "criteria": timefmt.local_and_moscow(item.criteria_utc, tz) if item else None,
            "deadline": timefmt.local_and_moscow(item.deadline_utc, tz) if item else None,
            "before_deadline": bool(item and now < item.deadline_utc),
            "left": timefmt.countdown(item.deadline_utc - now) if item and now < item.deadline_utc else None,
            "status": status, "state_ru": status.text_ru}


@router.get("/upload")
async def upload_page(request: Request):
    session = require(request, Role.COORDINATOR)

    def data():
        now = datetime.now(timezone.utc)
        with school_store(request) as s:
            tz = get_info(s).tz or "Europe/Moscow"
            return {"items": [checklist(s, x, now, tz) for x in subjects.list_subjects(s)],
                    "receipts": upload.receipts(s), "tz": tz}

    return render(request, "upload.html", session, **await anyio.to_thread.run_sync(data))


def _folder(request: Request, subject_id: str) -> Path:
    return Path(request.app.state.data_dir) / FOLDER / subject_id


@router.post("/upload/{subject_id}/prepare")
async def prepare(subject_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)

    def run():
        folder = _folder(request, subject_id)
        folder.mkdir(parents=True, exist_ok=True)
        with school_store(request) as s:
            return upload.prepare(s, subjects.get_subject(s, subject_id), folder, key=session.protocol_key)

    p = await anyio.to_thread.run_sync(run)
    log_action(request, session, "файл для ФИС ОКО подготовлен", subject_id, f"{p.participants} участников")
    return flash(request, f"Файл готов: {p.xlsx.name} ({p.participants} участников с результатами).",
                 "Скачайте его кнопкой «Скачать файл», загрузите в личный кабинет ФИС ОКО и нажмите «Я загрузил».",
                 session=session)


@router.get("/upload/{subject_id}/file")
async def download(subject_id: str, request: Request):
    require(request, Role.COORDINATOR)
    files = sorted(_folder(request, subject_id).glob("*.xlsx"))
    if not files:
        raise WebError("not prepared", message_ru="Файл ещё не подготовлен.", remedy_ru="Нажмите «Подготовить файл».")
    return FileResponse(files[-1], filename=files[-1].name)


@router.post("/upload/{subject_id}/confirm")
async def confirm(subject_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)

    def run():
        with school_store(request) as s:
            return upload.confirm_manual(s, subjects.get_subject(s, subject_id))

    sha = await anyio.to_thread.run_sync(run)
    log_action(request, session, "загрузка в ФИС ОКО отмечена", subject_id, sha[:16])
    return flash(request, "Загрузка отмечена.", "Если результаты изменятся, страница напомнит загрузить их снова.",
                 session=session)



