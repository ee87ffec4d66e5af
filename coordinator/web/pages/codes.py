"""«Коды» (coordinator): give every participant a code, print the slips (PDF: the school,
a class, or one slip), and revoke or replace a code after a confirmation that says what
happens to its results (they move to the new code). ``vpr-node codes`` underneath."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from coordinator.school import codes, roster
from coordinator.school.pdf_codes import render_codes_pdf
from coordinator.school.settings import get_info
from coordinator.web.accounts import Role
from coordinator.web.console import acting, flash, log_action, render, require
from coordinator.web.pages.school import school_store

router = APIRouter()


@router.get("/codes")
async def codes_page(request: Request):
    session = require(request, Role.COORDINATOR)

    wanted = request.query_params.get("class", "")
    find = "".join(ch for ch in request.query_params.get("find", "") if ch.isdigit())[:5]

    def data():
        # one class at a time (a school's 2,000 codes on one page were 1.4 MB); a code
        # typed into «Найти код» is looked up across the school
        with school_store(request) as s:
            classes = roster.list_classes(s)
            shown = next((c.name for c in classes if c.name == wanted), classes[0].name if classes else "")
            if find:
                rows = [c for c in codes.active_codes(s) if c.code == find]
            else:
                rows = codes.active_codes(s, shown) if shown else []
            return {"classes": classes, "codes": rows, "issued": codes.issued_count(s),
                    "shown": "" if find else shown, "find": find}

    return render(request, "codes.html", session, **await anyio.to_thread.run_sync(data))


@router.post("/codes/generate")
async def generate(request: Request):
    session = await acting(request, Role.COORDINATOR)

    def run():
        with school_store(request) as s:
            return codes.generate(s)

    n = await anyio.to_thread.run_sync(run)
    log_action(request, session, "коды выданы", detail=str(n))
    return flash(request, f"Выдано новых кодов: {n}." if n else "Все участники уже с кодами.",
                 "Обновите страницу, чтобы увидеть список; листки - кнопкой «Листки с кодами».", session=session)


@router.get("/codes/slips.pdf")
async def slips(request: Request):
    require(request, Role.COORDINATOR)
    cls = request.query_params.get("class") or None
    one = request.query_params.get("code") or None

    def run() -> bytes:
        with school_store(request) as s:
            items = codes.active_codes(s, cls)
            if one:
                wanted = codes.clean_code(one)
                items = [c for c in items if c.code == wanted]
            return render_codes_pdf(items, get_info(s).name or "")

    pdf = await anyio.to_thread.run_sync(run)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": "inline; filename=codes.pdf"})


@router.post("/codes/{code}/revoke")
async def revoke(code: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    reason = str(form.get("reason") or "").strip() or "листок утерян или выдан дважды"
    replace = form.get("replace", "1") != "0"

    def run():
        with school_store(request) as s:
            return codes.revoke(s, code, reason, replace=replace)

    out = await anyio.to_thread.run_sync(run)
    log_action(request, session, "код отозван", code, f"новый {out.new_code or '—'}; {reason}")
    moved = f" Результаты по предметам ({', '.join(out.moved_subjects)}) перенесены на новый код." \
        if out.moved_subjects else ""
    return flash(request, f"Код {out.code} отозван" + (f", новый код: {out.new_code}." if out.new_code else "."),
                 moved + (f" Напечатайте листок: «Листок» у кода {out.new_code}." if out.new_code else ""),
                 session=session)
