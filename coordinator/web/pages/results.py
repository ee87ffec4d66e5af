"""«Результаты» (coordinator): per subject and class a grid - code, variant, points per
task with the maximum in the header, «X» for not done - whose every cell is checked as
it is typed (the same rules as the xlsx import: ``results.check_points`` /
``check_variant``); a row is stored through ``results.record_results`` (the time gates:
before the criteria time or after the deadline it asks for confirmation). Also the
xlsx form to fill, its import with each error on its row, and the export in the federal
individual-results layout."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from coordinator.school import forms, results, roster, subjects
from coordinator.school.errors import ConfirmationRequiredError, ResultsValidationError
from coordinator.web.accounts import Role
from coordinator.web.console import acting, confirm_box, flash, log_action, render, require
from coordinator.web.errors import WebError
from coordinator.web.pages.school import school_store

router = APIRouter()
PENDING = "console-imports"  # an imported file waiting for the coordinator's confirmation


def _choice(request: Request, s):
    all_subjects = subjects.list_subjects(s)
    sid = request.query_params.get("subject") or (all_subjects[0].id if all_subjects else None)
    subject = next((x for x in all_subjects if x.id == sid), None)
    classes = roster.list_classes(s)
    cls = request.query_params.get("class") or (classes[0].name if classes else None)
    return subject, cls, all_subjects, classes


@router.get("/results")
async def results_page(request: Request):
    session = require(request, Role.COORDINATOR)

    def data():
        with school_store(request) as s:
            subject, cls, all_subjects, classes = _choice(request, s)
            rows = []
            if subject and cls:
                have = {r.code: r for r in results.list_results(s, subject, cls)}
                from coordinator.school.codes import active_codes

                rows = [(c.code, have.get(c.code)) for c in active_codes(s, cls)]
            return {"subjects": all_subjects, "subject": subject, "classes": classes, "cls": cls, "rows": rows}

    return render(request, "results.html", session, **await anyio.to_thread.run_sync(data))


@router.post("/results/check")
async def check_cell(request: Request):
    """One cell as it is typed: an empty answer when it is fine, else the reason."""
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    with school_store(request) as s:
        subject = subjects.get_subject(s, str(form.get("subject", "")))
    field = str(form.get("field", ""))
    raw = str(form.get(field, "")).strip()
    if field == "variant":
        _, why = results.check_variant(raw, subject)
    else:
        task = subject.task(field.removeprefix("p_"))
        if task is None:
            raise WebError(f"bad field {field}", message_ru="Такого задания в предмете нет.")
        _, why = results.check_points(raw, task)
    _ = session
    return HTMLResponse(f'<span class="err-text">{why}</span>' if why else "")


@router.post("/results/{subject_id}/row")
async def save_row(subject_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    code = str(form.get("code", ""))
    confirmed = form.get("confirm") == "1"

    def run():
        with school_store(request) as s:
            subject = subjects.get_subject(s, subject_id)
            payload = {"code": code, "variant": str(form.get("variant", "")).strip(),
                       "points": {t.number: str(form.get(f"p_{t.number}", "")).strip() for t in subject.tasks}}
            entry = results.validate_api_entry(s, subject, payload)
            return results.record_results(s, subject, [entry], results.Source.API, confirmed=confirmed)

    try:
        rec = await anyio.to_thread.run_sync(run)
    except ConfirmationRequiredError as exc:
        return confirm_box(request, session, exc.warnings, f"/results/{subject_id}/row", list(form.multi_items()))
    except ResultsValidationError as exc:
        return flash(request, f"Строка кода {code} не сохранена.",
                     " ".join(f"{i.where}: {i.message_ru}" for i in exc.issues), kind="error", status_code=422,
                     session=session)
    log_action(request, session, "результат внесён", subject_id, code)
    return flash(request, f"Сохранено: код {code}.", " ".join(rec.warnings), session=session)


@router.get("/results/{subject_id}/template.xlsx")
async def template(subject_id: str, request: Request):
    session = require(request, Role.COORDINATOR)
    cls = request.query_params.get("class") or None
    out = Path(tempfile.mkdtemp(prefix="vpr-form-")) / f"форма-{subject_id}{'-' + cls if cls else ''}.xlsx"

    def run():
        with school_store(request) as s:
            forms.write_template(s, subjects.get_subject(s, subject_id), out, cls, key=session.protocol_key)

    await anyio.to_thread.run_sync(run)
    return FileResponse(out, filename=out.name)


@router.get("/results/{subject_id}/export.xlsx")
async def export(subject_id: str, request: Request):
    session = require(request, Role.COORDINATOR)
    cls = request.query_params.get("class") or None
    out = Path(tempfile.mkdtemp(prefix="vpr-export-")) / f"результаты-{subject_id}{'-' + cls if cls else ''}.xlsx"

    def run():
        with school_store(request) as s:
            return forms.export_results(s, subjects.get_subject(s, subject_id), out, cls, key=session.protocol_key)

    await anyio.to_thread.run_sync(run)
    log_action(request, session, "результаты выгружены в файл", subject_id, cls or "вся школа")
    return FileResponse(out, filename=out.name)


@router.post("/results/{subject_id}/import")
async def import_form(subject_id: str, request: Request):
    """A filled xlsx form: all or nothing; every error with its row; a confirmation when
    the time gates ask for one (the file waits in the node's data folder meanwhile)."""
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    pending_dir = Path(request.app.state.data_dir) / PENDING
    token = str(form.get("token") or "")
    upload = form.get("file")
    if token:
        path = pending_dir / f"{token}.xlsx"
        if not token.isalnum() or not path.exists():
            raise WebError("pending file gone", message_ru="Файл для подтверждения не найден.",
                           remedy_ru="Загрузите форму ещё раз.")
    elif isinstance(upload, UploadFile) and upload.filename:
        pending_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(8)
        path = pending_dir / f"{token}.xlsx"
        path.write_bytes(await upload.read())
    else:
        raise WebError("no file", message_ru="Файл формы не выбран.", remedy_ru="Выберите заполненный файл .xlsx.")

    def run():
        with school_store(request) as s:
            return forms.import_form(s, subjects.get_subject(s, subject_id), path, confirmed=form.get("confirm") == "1")

    try:
        rep = await anyio.to_thread.run_sync(run)
    except ConfirmationRequiredError as exc:
        return confirm_box(request, session, exc.warnings, f"/results/{subject_id}/import", [("token", token)])
    except ResultsValidationError as exc:
        path.unlink(missing_ok=True)
        return flash(request, exc.message_ru.splitlines()[0] if exc.message_ru else "Форма не принята.",
                     "\n".join(f"{i.where}: {i.message_ru}" for i in exc.issues[:40]), kind="error",
                     status_code=422, session=session)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)
    log_action(request, session, "форма результатов загружена", subject_id, f"{rep.stored} строк")
    return flash(request, f"Принято строк: {rep.stored}" + (f", отсутствующих: {rep.absent_marked}" if rep.absent_marked
                                                            else "") + ".", " ".join(rep.warnings), session=session)
