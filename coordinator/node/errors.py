"""Typed errors of the node service. Each carries the HTTP status the API answers
with, and a Russian message and remedy for the coordinator or the station screen."""

from __future__ import annotations

from sync.errors import AuthError, PackageError
from sync.protocol import Reason
from vpr_common.errors import VprError, error_body


class NodeError(VprError):
    """Base of the node's errors."""

    code = "node"
    http_status = 500
    message_ru = "Ошибка узла координатора."
    remedy_ru = "Повторите; при повторении сообщите техническому специалисту."


class NodeDataError(NodeError):
    """The node's data directory or database cannot be used."""

    code = "node_data"
    message_ru = "Не удалось открыть данные узла координатора."
    remedy_ru = "Проверьте путь --data, права доступа и свободное место на диске."


class NodeDiskFullError(NodeError):
    """No space left for incoming data (files or database)."""

    code = Reason.NODE_DISK_FULL
    http_status = 507
    message_ru = "На диске узла координатора закончилось место; ответы не приняты, но сохранены на станциях."
    remedy_ru = "Освободите место на диске узла; станции досылают ответы автоматически."


class NotFoundError(NodeError):
    code = "not_found"
    http_status = 404
    message_ru = "Запрошенные данные на узле не найдены."
    remedy_ru = "Проверьте, что координатор загрузил их на узел."


class ConflictError(NodeError):
    """The request does not fit the current state (wrong offset, incomplete upload...).

    ``extra`` is merged into the JSON error body (e.g. the committed ``offset``).
    """

    code = "conflict"
    http_status = 409
    message_ru = "Запрос не соответствует текущему состоянию на узле."
    remedy_ru = "Станция повторит передачу автоматически."

    def __init__(self, detail: str = "", *, code: str | None = None, message_ru: str | None = None,
                 remedy_ru: str | None = None, extra: dict | None = None) -> None:
        self.extra = dict(extra or {})
        super().__init__(detail, code=code, message_ru=message_ru, remedy_ru=remedy_ru)


class BadRequestError(NodeError):
    code = "bad_request"
    http_status = 400
    message_ru = "Узел получил неверный запрос."
    remedy_ru = "Станция повторит передачу автоматически."


class BodyTooLargeError(NodeError):
    """A request body over the node's limit (declared, or counted as it streams)."""

    code = Reason.BODY_TOO_LARGE
    http_status = 413
    message_ru = "Слишком большой запрос."
    remedy_ru = "Уменьшите размер файла или отправляемых данных."


class PairCodeError(NodeError):
    """A pairing attempt with a wrong, used or expired code."""

    code = "pair_code"
    http_status = 403
    message_ru = "Код подключения неверен, уже использован или устарел."
    remedy_ru = "Получите новый код командой vpr-node pair-code на компьютере координатора."


class UnknownStationError(NodeError):
    code = Reason.UNKNOWN_STATION
    http_status = 404
    message_ru = "Станция с таким номером не подключена к узлу."
    remedy_ru = "Проверьте номер станции: vpr-node stations."


def http_status_for(exc: VprError) -> int:
    if isinstance(exc, NodeError) or isinstance(getattr(exc, "http_status", None), int):
        return exc.http_status
    if isinstance(exc, AuthError):
        return 403 if exc.reason == Reason.REVOKED_STATION else 401
    if isinstance(exc, PackageError):
        return 422
    return 400


def error_response(exc: VprError) -> tuple[int, dict]:
    """The HTTP status and JSON body (:func:`vpr_common.errors.error_body`) the node
    answers an error with."""
    return http_status_for(exc), error_body(exc)
