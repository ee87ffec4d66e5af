"""«Оценивание» for the coordinator (``/scoring``): which content each subject is scored
from, loading the node's exam package (with its answer key) for scoring, the quality
settings, progress, and the report files. The same functions as ``vpr-node scoring``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from fastapi.responses import FileResponse, RedirectResponse

from coordinator.node import content as node_content
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import list_subjects
from coordinator.scoring import content, report, settings, work
from coordinator.scoring.errors import ScoringError
from coordinator.web.accounts import Role
from coordinator.web.console import acting, flash, log_action, render, require
from coordinator.web.pages.experts import _scoring

router = APIRouter()
VIEW = (Role.COORDINATOR, Role.LEAD_EXPERT)


def _page_data(request: Request) -> dict:
    store = _scoring(request)
    with SchoolStore(request.app.state.data_dir) as school:
        subjects = list_subjects(school)
        links = {link.subject_id: link.content_subject for link in content.links(store)}
        status = {sid: report.status(store, school, sid) for sid in links if any(s.id == sid for s in subjects)}
    return {"subjects": subjects, "links": links, "contents": content.contents(store), "status": status,
            "qc": {sid: settings.get(store, sid) for sid in links}, "rules": list(settings.FinalRule)}


@router.get("/scoring")
async def scoring_page(request: Request):
    session = require(request, *VIEW)
    return render(request, "scoring.html", session, **await anyio.to_thread.run_sync(_page_data, request))


@router.post("/scoring/link")
async def link(request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    subject, lang = str(form.get("subject", "")), str(form.get("content", ""))
    await anyio.to_thread.run_sync(content.link, _scoring(request), subject, lang)
    log_action(request, session, "предмет связан с материалами", subject, lang)
    return RedirectResponse("/scoring", status_code=303)


@router.post("/scoring/load")
async def load(request: Request):
    """The node's exam package (and its stored password), with an answer key file."""
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    node = request.app.state.store
    info = await anyio.to_thread.run_sync(node_content.exam_package, node)
    password = str(form.get("password") or "").strip() or node.get_meta("exam_password") or ""
    if not password:
        raise ScoringError("no password", message_ru="Пароль к материалам неизвестен.",
                           remedy_ru="Введите пароль из личного кабинета в поле «Пароль».")
    answers = form.get("answers")
    with tempfile.TemporaryDirectory(prefix="vpr-key-") as tmp:
        key_path = None
        if isinstance(answers, UploadFile) and answers.filename:
            key_path = Path(tmp) / "key.answers.zip"
            key_path.write_bytes(await answers.read())
        loaded = await anyio.to_thread.run_sync(content.load, _scoring(request), info.path, password, key_path)
    log_action(request, session, "материалы загружены для оценивания", loaded.title,
               "с ключами" if loaded.has_key else "без ключей")
    return flash(request, f"Материалы «{loaded.title}» загружены для оценивания.",
                 "Ключи ответов загружены." if loaded.has_key else "Добавьте файл ключей (.answers.zip), чтобы "
                 "задания с выбором ответа проверялись автоматически.", session=session)


@router.post("/scoring/{subject_id}/settings")
async def update_settings(subject_id: str, request: Request):
    session = await acting(request, Role.COORDINATOR)
    form = await request.form()
    try:
        changes = {"double_share": float(str(form.get("double", "20")).replace(",", ".")) / 100,
                   "seed_every": int(form.get("seed_every", 20)),
                   "within_tolerance": str(form.get("rule", "mean_up"))}
    except ValueError as exc:
        raise ScoringError(str(exc), message_ru="Настройки должны быть числами.") from exc
    store = _scoring(request)
    await anyio.to_thread.run_sync(lambda: settings.update(store, subject_id, **changes))
    await anyio.to_thread.run_sync(work.settle, store, subject_id)
    log_action(request, session, "настройки оценивания", subject_id, str(changes))
    return RedirectResponse("/scoring", status_code=303)


@router.get("/scoring/{subject_id}/report.{ext}")
async def export(subject_id: str, ext: str, request: Request):
    require(request, *VIEW)
    if ext not in ("xlsx", "csv"):
        raise ScoringError(f"bad ext {ext}", message_ru="Отчёт бывает в формате xlsx или csv.")
    tmp = Path(tempfile.mkdtemp(prefix="vpr-report-")) / f"оценивание-{subject_id}.{ext}"

    def build() -> Path:
        with SchoolStore(request.app.state.data_dir) as school:
            return report.export(_scoring(request), school, subject_id, tmp)

    path = await anyio.to_thread.run_sync(build)
    return FileResponse(path, filename=path.name)
