"""«Протокол» (coordinator): per class and subject the code <-> pupil table (names only
with the protocol unlocked in this session), an «отсутствовал» mark per pupil (with the
reason and, when there is one, the reserve day), and the paper protocol to print
(blank, or filled in with the names). ``vpr-node protocol / results absent`` underneath."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from coordinator.school import codes, protocol, results, roster, schedule, subjects
from coordinator.school.errors import ConfirmationRequiredError
from coordinator.school.pdf_protocol import render_protocol_pdf
from coordinator.school.settings import get_info
from coordinator.web.accounts import Role
from coordinator.web.console import acting, confirm_box, flash, log_action, render, require
from coordinator.web.pages.school import school_store

router = APIRouter()


def _choice(request: Request, s) -> tuple[subjects.Subject | None, str | None, list]:
    all_subjects = subjects.list_subjects(s)
    sid = request.query_params.get("subject") or (all_subjects[0].id if all_subjects else None)
    classes = roster.list_classes(s)
    cls = request.query_params.get("class") or (classes[0].name if classes else None)
    subject = next((x for x in all_subjects if x.id == sid), None)
    return subject, cls, all_subjects


@router.get("/protocol")
async def protocol_page(request: Request):
    session = require(request, Role.COORDINATOR)

    def data():
        with school_store(request) as s:
            subject, cls, all_subjects = _choice(request, s)
            names = {}
            if session.protocol_unlocked and cls:
                names = {e.code: e.name for e in protocol.entries(s, session.protocol_key, cls) if e.code}
            state = {}
            if subject is not None:
                state = {r.code: r for r in results.list_results(s, subject, cls)}
            item = schedule.get_item(s, subject.id) if subject else None
            return {"subjects": all_subjects, "subject": subject, "classes": roster.list_classes(s), "cls": cls,
                    "rows": codes.active_codes(s, cls) if cls else [], "names": names, "state": state,
                    "reserves": [(d.isoformat(), schedule.ru_date(d)) for d in item.reserve_dates] if item else []}

    return render(request, "protocol.html", session, **await anyio.to_thread.run_sync(data))


@router.post("/protocol/absent")
async def absent(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    codes_ = [c for c in form.getlist("code") if c]
    reason = str(form.get("reason") or "").strip()
    reserve = str(form.get("reserve_day") or "").strip() or None
    confirmed = form.get("confirm") == "1"

    def run():
        with school_store(request) as s:
            subject = subjects.get_subject(s, str(form.get("subject", "")))
            return results.mark_absent_many(s, subject, codes_, reason, reserve, source=results.Source.API,
                                            confirmed=confirmed)

    try:
        done = await anyio.to_thread.run_sync(run)
    except ConfirmationRequiredError as exc:
        return confirm_box(request, session, exc.warnings, "/protocol/absent", [("subject", form.get("subject", "")), ("reason", reason),
            ("reserve_day", reserve or "")] + [("code", c) for c in codes_])
    log_action(request, session, "отмечены отсутствующие", str(form.get("subject", "")), ", ".join(done))
    return flash(request, f"Отмечены отсутствующими: {', '.join(done)}.",
                 "Их не считают «без ответов»." + (" Резервный день назначен." if reserve else ""), session=session)


@router.get("/protocol/paper.pdf")
async def paper(request: Request):
    session = require(request, Role.COORDINATOR)
    with_names = request.query_params.get("names") == "1" and session.protocol_unlocked

    def run() -> bytes:
        with school_store(request) as s:
            subject, cls, _ = _choice(request, s)
            if with_names:
                rows = [(e.class_name, e.code, e.name) for e in protocol.entries(s, session.protocol_key, cls) if e.code]
            else:
                rows = [(c.class_name, c.code, "") for c in codes.active_codes(s, cls)]
            item = schedule.get_item(s, subject.id)
            return render_protocol_pdf(rows, subject, get_info(s).name or "",
                                       item.work_date.strftime("%d.%m.%Y") if item else "")

    pdf = await anyio.to_thread.run_sync(run)
    if with_names:
        log_action(request, session, "протокол с фамилиями напечатан", request.query_params.get("class", ""))
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": "inline; filename=protocol.pdf"})
