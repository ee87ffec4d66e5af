"""«Оценивание» for experts and the lead expert (``/experts``): the worklist by task,
the scoring page (one response at a time; the next opens after a submit), the audio
(FLAC with HTTP range requests, no file name or time in the headers) and task photos
by opaque names, the qualification and practice sets; for the lead expert the
adjudication queue, definitive scores, changing a final with a reason, and resuming a
paused expert. Blind by construction: see :mod:`coordinator.scoring.views`."""

from __future__ import annotations

import re

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse

from coordinator.school.store import SchoolStore
from coordinator.school.subjects import list_subjects
from coordinator.scoring import flow, views, work
from coordinator.scoring.errors import NothingToScoreError, QualificationRequiredError, ScoringError
from coordinator.scoring.store import ScoringStore
from coordinator.web.accounts import Role
from coordinator.web.console import acting, log_action, render, require

router = APIRouter()
EXPERTS = (Role.EXPERT, Role.LEAD_EXPERT)
_ID = re.compile(r"^[0-9a-f]{16}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _scoring(request: Request) -> ScoringStore:
    """The app's one scoring store (its connections are per thread and reused)."""
    store = getattr(request.app.state, "scoring", None)
    if store is None:
        store = request.app.state.scoring = ScoringStore(request.app.state.data_dir)
    return store


def _titles(request: Request) -> dict[str, str]:
    with SchoolStore(request.app.state.data_dir) as school:
        return {s.id: s.title for s in list_subjects(school)}


def _rid(rid: str) -> str:
    if not _ID.match(rid):
        raise ScoringError(f"bad id {rid!r}", message_ru="Такого ответа нет.", remedy_ru="Вернитесь к списку заданий.")
    return rid


@router.get("/experts")
async def worklist(request: Request):
    session = require(request, *EXPERTS, Role.COORDINATOR)
    store = _scoring(request)
    tasks = await anyio.to_thread.run_sync(views.worklist, store, _titles(request))
    quals = {}
    for subject in {t.subject_id for t in tasks}:
        quals[subject] = await anyio.to_thread.run_sync(work.evaluate_qualification, store, subject,
                                                        session.account.login)
    lead = session.account.role is Role.LEAD_EXPERT
    queue = {s: len(await anyio.to_thread.run_sync(work.adjudication_queue, store, s)) for s in quals} if lead else {}
    return render(request, "experts.html", session, tasks=tasks, quals=quals, lead=lead, queue=queue)


def _score_page(request: Request, session, subject_id: str, assignment: work.Assignment, feedback=None,
                back: str = "/experts"):
    store = _scoring(request)
    view = views.expert_view(store, assignment.response_id, assignment.purpose.value)
    return render(request, "score.html", session, v=view, subject_id=subject_id, feedback=feedback, back=back,
                  lead=session.account.role is Role.LEAD_EXPERT, flags=work.FLAG_RU,
                  action=f"/experts/{subject_id}/submit")


@router.get("/experts/{subject_id}/task/{task_number}")
async def score_next(subject_id: str, task_number: str, request: Request):
    session = require(request, *EXPERTS)
    lead = session.account.role is Role.LEAD_EXPERT
    try:
        a = await anyio.to_thread.run_sync(lambda: work.next_response(_scoring(request), subject_id,
                                                                      session.account.login, task_number, lead=lead))
    except QualificationRequiredError:
        return RedirectResponse(f"/experts/{subject_id}/set/qualification", status_code=303)
    except NothingToScoreError as exc:
        return render(request, "experts_done.html", session, message=exc.message_ru, remedy=exc.remedy_ru)
    return _score_page(request, session, subject_id, a, back="/experts")


@router.get("/experts/{subject_id}/set/{kind}")
async def score_set(subject_id: str, kind: str, request: Request):
    """The qualification or practice set, one response after another; at the end of
    the qualification, the result with feedback on each difference."""
    session = require(request, *EXPERTS)
    purpose = {"qualification": work.Purpose.QUALIFICATION, "practice": work.Purpose.PRACTICE}.get(kind)
    if purpose is None:
        raise ScoringError(f"bad set {kind}", message_ru="Такого набора нет.", remedy_ru="Вернитесь к списку заданий.")
    store = _scoring(request)
    a = await anyio.to_thread.run_sync(work.next_set_response, store, subject_id, session.account.login, purpose)
    if a is None:
        qual = await anyio.to_thread.run_sync(work.evaluate_qualification, store, subject_id, session.account.login)
        return render(request, "qualification.html", session, q=qual, subject_id=subject_id, kind=kind)
    return _score_page(request, session, subject_id, a, back="/experts")


def _points_from(form, rubric) -> dict:
    return {c.id: str(form.get(f"c_{c.id}", "")).strip() for c in rubric.criteria}


@router.post("/experts/{subject_id}/submit")
async def submit(subject_id: str, request: Request):
    session = await acting(request, *EXPERTS)
    form = await request.form()
    rid = _rid(str(form.get("response_id", "")))
    store = _scoring(request)
    login = session.account.login
    rubric = await anyio.to_thread.run_sync(work.rubric_for, store, rid)
    points = _points_from(form, rubric)
    definitive = str(form.get("definitive") or "")
    if definitive and session.account.role is Role.LEAD_EXPERT:
        total = await anyio.to_thread.run_sync(work.set_definitive, store, subject_id, login, rid, points,
                                               work.Set(definitive))
        await anyio.to_thread.run_sync(work.release, store, login, rid)
        log_action(request, session, "эталонная оценка", f"ответ {rid}", f"{definitive}, {total} б.")
        return RedirectResponse(f"/experts/{subject_id}/task/{form.get('task', '')}", status_code=303)
    result = await anyio.to_thread.run_sync(lambda: work.submit(
        store, subject_id, login, rid, points, comment=str(form.get("comment") or ""), flag=str(form.get("flag") or "")))
    if result.outcome == "final":
        await anyio.to_thread.run_sync(_to_results, request, store, subject_id, rid)
    purpose = str(form.get("purpose") or "")
    if purpose in ("qualification", "practice"):
        if purpose == "practice" and result.feedback:
            a = await anyio.to_thread.run_sync(work.next_set_response, store, subject_id, login,
                                               work.Purpose.PRACTICE)
            return render(request, "practice_feedback.html", session, fb=result.feedback, subject_id=subject_id,
                          rubric=rubric, mine=points, more=a is not None)
        return RedirectResponse(f"/experts/{subject_id}/set/{purpose}", status_code=303)
    return RedirectResponse(f"/experts/{subject_id}/task/{form.get('task', '')}", status_code=303)


def _to_results(request: Request, store: ScoringStore, subject_id: str, rid: str) -> None:
    code = store.one("SELECT participant_code FROM responses WHERE id=?", (rid,))
    with SchoolStore(request.app.state.data_dir) as school:
        flow.to_results(store, school, subject_id, {code[0]} if code else set())


@router.post("/experts/{subject_id}/retake")
async def retake(subject_id: str, request: Request):
    session = await acting(request, *EXPERTS)
    await anyio.to_thread.run_sync(work.retake_qualification, _scoring(request), subject_id, session.account.login)
    return RedirectResponse(f"/experts/{subject_id}/set/qualification", status_code=303)


@router.post("/experts/{subject_id}/release/{rid}")
async def release(subject_id: str, rid: str, request: Request):
    session = await acting(request, *EXPERTS)
    await anyio.to_thread.run_sync(work.release, _scoring(request), session.account.login, _rid(rid))
    return RedirectResponse("/experts", status_code=303)


@router.get("/experts/audio/{rid}")
async def audio(rid: str, request: Request):
    session = require(request, *EXPERTS)
    store = _scoring(request)
    rid = _rid(rid)
    lead = session.account.role is Role.LEAD_EXPERT
    held = store.one("SELECT 1 FROM leases WHERE response_id=? AND login=?", (rid, session.account.login))
    row = store.one("SELECT audio FROM responses WHERE id=?", (rid,))
    if row is None or not row["audio"] or not (held or lead):
        raise ScoringError("audio not available", message_ru="Запись этого ответа вам сейчас недоступна.",
                           remedy_ru="Откройте ответ из списка заданий.")
    resp = FileResponse(store.audio_dir / row["audio"], media_type="audio/flac", stat_result=None)
    for header in ("last-modified", "etag", "content-disposition"):  # no time, no name: blind
        if header in resp.headers:
            del resp.headers[header]
    return resp


@router.get("/experts/media/{sha}")
async def media(sha: str, request: Request):
    require(request, *EXPERTS)
    if not _SHA.match(sha):
        raise ScoringError("bad media", message_ru="Такого изображения нет.")
    path = _scoring(request).media_dir / sha
    if not path.exists():
        raise ScoringError("no media", message_ru="Такого изображения нет.")
    resp = FileResponse(path, media_type=_image_type(path))
    for header in ("last-modified", "etag", "content-disposition"):
        if header in resp.headers:
            del resp.headers[header]
    return resp


def _image_type(path) -> str:
    head = path.read_bytes()[:8]
    return "image/png" if head.startswith(b"\x89PNG") else "image/jpeg"


# -- the lead expert ------------------------------------------------------------------------
@router.get("/experts/lead/{subject_id}")
async def lead_page(subject_id: str, request: Request):
    session = require(request, Role.LEAD_EXPERT)
    store = _scoring(request)
    from coordinator.scoring import stats

    queue = await anyio.to_thread.run_sync(work.adjudication_queue, store, subject_id)
    return render(request, "lead.html", session, subject_id=subject_id, queue=[
        (rid, store.one("SELECT task_number FROM responses WHERE id=?", (rid,))[0]) for rid in queue],
        definitive=work.definitive_list(store, subject_id), experts=stats.experts(store, subject_id),
        progress=stats.progress(store, subject_id))


@router.get("/experts/lead/{subject_id}/response/{rid}")
async def lead_response(subject_id: str, rid: str, request: Request):
    session = require(request, Role.LEAD_EXPERT)
    store = _scoring(request)
    rid = _rid(rid)
    view = await anyio.to_thread.run_sync(views.expert_view, store, rid, "adjudication")
    final = store.one("SELECT criteria_json, total, source FROM finals WHERE response_id=?", (rid,))
    return render(request, "lead_response.html", session, v=view, subject_id=subject_id, final=final,
                  readings=work.readings_of(store, rid), flags=work.FLAG_RU, lead=True,
                  action=f"/experts/lead/{subject_id}/response/{rid}")


@router.post("/experts/lead/{subject_id}/response/{rid}")
async def lead_decide(subject_id: str, rid: str, request: Request):
    session = await acting(request, Role.LEAD_EXPERT)
    form = await request.form()
    store = _scoring(request)
    rid = _rid(rid)
    rubric = await anyio.to_thread.run_sync(work.rubric_for, store, rid)
    points = _points_from(form, rubric)
    reason = str(form.get("reason") or "")
    if store.one("SELECT 1 FROM finals WHERE response_id=?", (rid,)):
        total = await anyio.to_thread.run_sync(work.change_final, store, session.account.login, rid, points, reason)
        log_action(request, session, "итоговый балл изменён", f"ответ {rid}", f"{total} б.: {reason}")
    else:
        total = await anyio.to_thread.run_sync(work.adjudicate, store, subject_id, session.account.login, rid,
                                               points, str(form.get("comment") or ""))
        log_action(request, session, "решение ведущего эксперта", f"ответ {rid}", f"{total} б.")
    await anyio.to_thread.run_sync(_to_results, request, store, subject_id, rid)
    return RedirectResponse(f"/experts/lead/{subject_id}", status_code=303)


@router.post("/experts/lead/{subject_id}/resume/{login}")
async def resume(subject_id: str, login: str, request: Request):
    session = await acting(request, Role.LEAD_EXPERT)
    await anyio.to_thread.run_sync(work.resume_expert, _scoring(request), subject_id, login)
    log_action(request, session, "эксперт допущен снова", login)
    return RedirectResponse(f"/experts/lead/{subject_id}", status_code=303)
