"""HTTP API of the school side, as a FastAPI ``APIRouter`` the node mounts
(``app.include_router(school_router(data_dir))``).

Two audiences, kept apart on purpose:

* station-facing (no session): ``GET /school/codes/valid``, ``GET /school/subjects``,
  ``GET /school/schedule``. Codes only - never a name.
* coordinator-only (header ``X-Coordinator-Session`` from ``POST /school/session`` with
  the passphrase): the protocol (the only name-bearing answer), results entry and
  listing, absentees. Sessions live in this process's memory and expire.

Threads: FastAPI runs these sync handlers in its thread pool; each request opens its
own ``SchoolStore``; the session table is guarded by a lock.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from pathlib import Path

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse

from coordinator.school import codes, protocol, results, schedule, vault
from coordinator.school.errors import (
    ConfirmationRequiredError,
    ResultsValidationError,
    SchoolError,
    SessionRequiredError,
    WrongPassphraseError,
)
from coordinator.school.settings import get_info
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import get_subject, list_subjects
from coordinator.school.vault import VaultKey
from vpr_common.errors import VprError, error_body

log = logging.getLogger(__name__)
SESSION_HEADER = "X-Coordinator-Session"
SESSION_TTL_S = 30 * 60

_STATUS = {
    "coordinator_session_required": 401, "wrong_passphrase": 401, "passphrase_required": 400,
    "unknown_subject": 404, "unknown_class": 404, "results_invalid": 422, "vault_not_initialized": 409,
    "too_many_attempts": 429, "outside_schedule": 422, "confirmation_required": 409, "schedule": 422,
}


MAX_FAILURES = 5
LOCKOUT_S = 60.0


class TooManyAttemptsError(SchoolError):
    code = "too_many_attempts"
    message_ru = "Слишком много неверных попыток ввода парольной фразы."
    remedy_ru = "Подождите минуту и повторите."


class _Sessions:
    """Open sessions and a brute-force brake: after MAX_FAILURES wrong passphrases in a
    row, refuse every attempt for LOCKOUT_S seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[VaultKey, float]] = {}
        self._failures = 0
        self._locked_until = 0.0

    def check_allowed(self) -> None:
        with self._lock:
            if time.time() < self._locked_until:
                raise TooManyAttemptsError("session lockout")

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= MAX_FAILURES:
                self._failures = 0
                self._locked_until = time.time() + LOCKOUT_S

    def open(self, key: VaultKey) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        expires = time.time() + SESSION_TTL_S
        with self._lock:
            self._failures = 0
            self._items[token] = (key, expires)
        return token, expires

    def key(self, token: str | None) -> VaultKey:
        with self._lock:
            item = self._items.get(token or "")
            if item is None or item[1] < time.time():
                self._items.pop(token or "", None)
                raise SessionRequiredError("no or expired coordinator session")
            return item[0]

    def close(self, token: str | None) -> None:
        with self._lock:
            self._items.pop(token or "", None)


def error_response(exc: VprError) -> JSONResponse:
    body = error_body(exc)
    if isinstance(exc, ResultsValidationError):
        body["error"]["issues"] = [{"where": i.where, "message_ru": i.message_ru} for i in exc.issues]
    if isinstance(exc, ConfirmationRequiredError):
        body["error"]["warnings"] = list(exc.warnings)  # repeat with "confirm": true
    return JSONResponse(body, status_code=_STATUS.get(exc.code, 400))


def _result_view(r: results.Result) -> dict:
    return {"code": r.code, "class": r.class_name, "status": r.status.value, "variant": r.variant,
            "points": list(r.points), "primary": r.primary, "mark": r.mark, "journal_mark": r.journal_mark,
            "absent_reason": r.absent_reason, "reserve_date": r.reserve_date}


def school_router(data_dir: Path | str) -> APIRouter:
    """The router bound to the node data dir holding ``school.sqlite``."""
    data_dir = Path(data_dir)
    sessions = _Sessions()
    router = APIRouter(prefix="/school")

    def run(fn):
        try:
            with SchoolStore(data_dir) as store:
                return fn(store)
        except VprError as exc:
            log.info("school api refused: %s", exc.code)
            return error_response(exc)

    # -- station-facing: codes only -------------------------------------------------
    @router.get("/codes/valid")
    def valid_codes() -> object:
        return run(lambda s: {"codes": [c.code for c in codes.active_codes(s)]})

    @router.get("/subjects")
    def subjects() -> object:
        return run(lambda s: {"subjects": [x.to_json() | {"title": x.title, "max_total": x.max_total}
                                           for x in list_subjects(s)]})

    @router.get("/schedule")
    def schedule_view() -> object:
        def body(s: SchoolStore) -> dict:
            tz = get_info(s).tz
            return {"tz": tz, "items": [schedule.item_view(i, tz) for i in schedule.list_items(s)],
                    "warnings": [{"subject": w.subject_id, "level": w.level.value, "message_ru": w.message_ru}
                                 for w in schedule.warnings(s)]}
        return run(body)

    # -- coordinator session ------------------------------------------------------
    @router.post("/session")
    def open_session(payload: dict = Body(...)) -> object:
        def body(s: SchoolStore) -> object:
            sessions.check_allowed()
            try:
                key = vault.unlock(s, str(payload.get("passphrase") or ""))
            except WrongPassphraseError:
                sessions.failed()
                raise
            token, _expires = sessions.open(key)
            return {"token": token, "expires_in_s": SESSION_TTL_S}
        return run(body)

    @router.delete("/session")
    def close_session(x_coordinator_session: str | None = Header(default=None)) -> object:
        sessions.close(x_coordinator_session)
        return {"ok": True}

    # -- coordinator-only ---------------------------------------------------------
    @router.get("/protocol")
    def protocol_view(request: Request, x_coordinator_session: str | None = Header(default=None)) -> object:
        def body(s: SchoolStore) -> object:
            key = sessions.key(x_coordinator_session)
            cls = request.query_params.get("class")
            return {"entries": [{"code": e.code, "class": e.class_name, "name": e.name}
                                for e in protocol.entries(s, key, cls)]}
        return run(body)

    @router.post("/results/{subject_id}")
    def enter_result(subject_id: str, payload: dict = Body(...),
                     x_coordinator_session: str | None = Header(default=None)) -> object:
        def body(s: SchoolStore) -> object:
            sessions.key(x_coordinator_session)
            subject = get_subject(s, subject_id)
            entry = results.validate_api_entry(s, subject, payload)
            rec = results.record_results(s, subject, [entry], results.Source.API,
                                         confirmed=payload.get("confirm") is True)
            saved = [r for r in results.list_results(s, subject) if r.code == entry.code][0]
            return {"ok": True, "result": _result_view(saved), "warnings": list(rec.warnings)}
        return run(body)

    @router.get("/results/{subject_id}")
    def list_results(subject_id: str, request: Request,
                     x_coordinator_session: str | None = Header(default=None)) -> object:
        def body(s: SchoolStore) -> object:
            sessions.key(x_coordinator_session)
            subject = get_subject(s, subject_id)
            rows = results.list_results(s, subject, request.query_params.get("class"))
            return {"subject": subject.id, "title": subject.title, "results": [_result_view(r) for r in rows]}
        return run(body)

    @router.post("/results/{subject_id}/absent")
    def absent(subject_id: str, payload: dict = Body(...),
               x_coordinator_session: str | None = Header(default=None)) -> object:
        def body(s: SchoolStore) -> object:
            sessions.key(x_coordinator_session)
            subject = get_subject(s, subject_id)
            raw = payload.get("codes")
            codes_given = [str(c) for c in raw] if isinstance(raw, list) else [str(payload.get("code") or "")]
            done = results.mark_absent_many(s, subject, codes_given, str(payload.get("reason") or ""),
                                            payload.get("reserve_day"), source=results.Source.API,
                                            confirmed=payload.get("confirm") is True)
            return {"ok": True, "absent": done}
        return run(body)

    return router


__all__ = ["SESSION_HEADER", "school_router"]
