"""«Школа и расписание» (coordinator): the school's name, code, municipality and time zone
(picked from the Russian zones by city), classes (class lists as schools export them from
their electronic journals - names go into the protocol, so it must be unlocked - or just
counts), the subjects of the plan-schedule picked from the list, and the dates with
reserve days. The same functions as ``vpr-node school / classes / subjects / schedule``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from fastapi.responses import RedirectResponse

from coordinator.school import roster, schedule, settings, subjects, timefmt
from coordinator.school.store import SchoolStore
from coordinator.web.accounts import Role
from coordinator.web.console import acting, flash, log_action, render, require
from coordinator.web.errors import WebError

router = APIRouter()


def school_store(request: Request) -> SchoolStore:
    return SchoolStore(request.app.state.data_dir)


def zones() -> list[tuple[str, str]]:
    """(zone, «Екатеринбург (МСК+2)») for every Russian zone, west to east."""
    items = [(tz, f"{timefmt.zone_title(tz)} ({timefmt.zone_label(tz)})") for tz in timefmt._ZONES]
    return sorted(items, key=lambda kv: timefmt.msk_offset_hours(kv[0]))


@router.get("/school")
async def school_page(request: Request):
    session = require(request, Role.COORDINATOR)

    def data():
        with school_store(request) as s:
            tz = settings.get_info(s).tz
            return {"info": settings.get_info(s), "classes": roster.list_classes(s),
                    "subjects": subjects.list_subjects(s),
                    "plan": subjects.read_subjects_file(subjects.demo_subjects_path()),
                    "items": {i.subject_id: schedule.item_view(i, tz) for i in schedule.list_items(s)}}

    return render(request, "school.html", session, zones=zones(), **await anyio.to_thread.run_sync(data))


@router.post("/school/info")
async def set_info(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()

    def save():
        with school_store(request) as s:
            return settings.set_info(s, name=str(form.get("name", "")).strip() or None,
                                     code=str(form.get("code", "")).strip() or None,
                                     municipality=str(form.get("municipality", "")).strip() or None,
                                     tz=str(form.get("tz", "")).strip() or None)

    info = await anyio.to_thread.run_sync(save)
    log_action(request, session, "сведения о школе", info.code or "", info.name or "")
    return RedirectResponse("/school", status_code=303)


@router.post("/school/classes")
async def import_classes(request: Request):
    """A class list file (xlsx / xls saved as xlsx / CSV) with names: the protocol must be
    unlocked in this session (the names are encrypted into it)."""
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise WebError("no file", message_ru="Файл списка не выбран.", remedy_ru="Выберите файл .xlsx или .csv.")
    if not session.protocol_unlocked:
        raise WebError("protocol locked", message_ru="Фамилии учеников хранятся в зашифрованном протоколе: "
                       "сначала откройте его.", remedy_ru="Введите парольную фразу протокола на этой странице.")
    data = await upload.read()
    allow = bool(form.get("allow_duplicates"))

    def run():
        with tempfile.TemporaryDirectory(prefix="vpr-list-") as tmp:
            path = Path(tmp) / Path(upload.filename).name
            path.write_bytes(data)
            with school_store(request) as s:
                return roster.import_class_list(s, path, session.protocol_key, allow_duplicates=allow)

    rep = await anyio.to_thread.run_sync(run)
    log_action(request, session, "список класса загружен",
               ", ".join(f"{c}: {n}" for c, n in rep.counts.items()))
    notes = [f"Загружено учеников: {rep.total} (" + ", ".join(f"{c} - {n}" for c, n in rep.counts.items()) + ")."]
    if rep.ignored_columns:
        notes.append("Не использованы столбцы: " + ", ".join(rep.ignored_columns) + ".")
    if rep.mark_columns:
        notes.append("Отметки по журналу взяты из столбцов: " + ", ".join(rep.mark_columns) + ".")
    notes += list(rep.warnings)
    return flash(request, notes[0], " ".join(notes[1:]), session=session)


@router.post("/school/counts")
async def add_counts(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    cls = str(form.get("class_name", "")).strip()
    try:
        n = int(str(form.get("count", "0")).strip())
    except ValueError as exc:
        raise WebError("bad count", message_ru="Число учеников - целое число.") from exc

    def run():
        with school_store(request) as s:
            return roster.add_counts(s, {cls: n})

    added = await anyio.to_thread.run_sync(run)
    log_action(request, session, "ученики без фамилий добавлены", cls, str(n))
    return flash(request, "Добавлено: " + ", ".join(f"{c} - {k}" for c, k in added.items()) + ".",
                 "Выдайте им коды на странице «Коды».", session=session)


@router.post("/school/subjects")
async def pick_subjects(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    wanted = set(form.getlist("subject"))

    def run():
        plan = [x for x in subjects.read_subjects_file(subjects.demo_subjects_path()) if x.id in wanted]
        with school_store(request) as s:
            subjects.save_subjects(s, plan)
        return plan

    plan = await anyio.to_thread.run_sync(run)
    log_action(request, session, "предметы выбраны", ", ".join(x.id for x in plan))
    return RedirectResponse("/school", status_code=303)


@router.post("/school/schedule/{subject_id}")
async def set_schedule(subject_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    reserves = [d.strip() for d in str(form.get("reserve", "")).replace(";", ",").split(",") if d.strip()]

    def run():
        with school_store(request) as s:
            return schedule.set_item(s, subject_id, str(form.get("date", "")).strip(),
                                     str(form.get("upload_date", "")).strip() or None, reserves)

    item = await anyio.to_thread.run_sync(run)
    log_action(request, session, "расписание", subject_id, schedule.ru_date(item.work_date))
    return RedirectResponse("/school", status_code=303)
