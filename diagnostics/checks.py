"""The value every diagnostic check produces: :class:`CheckResult` with a
:class:`Status`, the measured values, and a plain Russian message with the remedy.

Pure values; no I/O, no threads. The check ids are stable English strings (the node
and the report schema rely on them); the titles and messages are Russian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable


class Status(Enum):
    """Outcome of one check. Ordered: ``PASS < WARN < FAIL``."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"

    @property
    def rank(self) -> int:
        return {"pass": 0, "warn": 1, "fail": 2}[self.value]

    @property
    def label_ru(self) -> str:
        return {"pass": "норма", "warn": "внимание", "fail": "ошибка"}[self.value]


class CheckId(str, Enum):
    """Stable ids of the checks (also the keys the node sees in the report)."""

    OUTPUT_DEVICE = "output_device"
    INPUT_DEVICE = "input_device"
    INPUT_ALIVE = "input_alive"
    SPEECH_TEST = "speech_test"
    PLAYBACK_TEST = "playback_test"
    DISK = "disk"
    CLOCK = "clock"
    TIMEZONE = "timezone"
    SCREEN = "screen"
    EXAM_PACKAGE = "exam_package"
    NODE = "node"
    AUDIO_SYSTEM = "audio_system"


TITLES_RU = {
    CheckId.OUTPUT_DEVICE: "Наушники (вывод звука)",
    CheckId.INPUT_DEVICE: "Микрофон (ввод звука)",
    CheckId.INPUT_ALIVE: "Сигнал с микрофона",
    CheckId.SPEECH_TEST: "Пробная запись речи",
    CheckId.PLAYBACK_TEST: "Проверка наушников на слух",
    CheckId.DISK: "Свободное место на диске",
    CheckId.CLOCK: "Точность часов",
    CheckId.TIMEZONE: "Часовой пояс",
    CheckId.SCREEN: "Разрешение экрана",
    CheckId.EXAM_PACKAGE: "Пакет с заданиями",
    CheckId.NODE: "Связь с узлом координатора",
    CheckId.AUDIO_SYSTEM: "Звуковая подсистема",
}


def _clean(value: Any) -> Any:
    """JSON-friendly: non-finite floats become None, floats are rounded, tuples -> lists."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 4)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome. ``values`` are the measured figures (JSON-friendly after
    :meth:`as_dict`); ``message_ru`` says what was found, ``remedy_ru`` what to do
    (empty when nothing needs doing); ``interactive`` marks checks a person took part in."""

    check: CheckId
    status: Status
    message_ru: str
    remedy_ru: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    interactive: bool = False

    @property
    def title_ru(self) -> str:
        return TITLES_RU[self.check]

    @property
    def text_ru(self) -> str:
        """Message and remedy in one line, for a screen or a table."""
        return f"{self.message_ru} {self.remedy_ru}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.check.value,
            "title_ru": self.title_ru,
            "status": self.status.value,
            "message_ru": self.message_ru,
            "remedy_ru": self.remedy_ru,
            "values": _clean(dict(self.values)),
            "interactive": self.interactive,
        }


def worst(statuses: Iterable[Status]) -> Status:
    """The worst status of several (``PASS`` for none)."""
    out = Status.PASS
    for s in statuses:
        if s.rank > out.rank:
            out = s
    return out


def from_error(check: CheckId, exc: Exception, values: dict[str, Any] | None = None,
               status: Status = Status.FAIL) -> CheckResult:
    """A failed check from a typed project error (its Russian message and remedy) or,
    for anything else, a generic Russian text with the English detail in ``values``."""
    vals = dict(values or {})
    message = getattr(exc, "message_ru", None)
    remedy = getattr(exc, "remedy_ru", "") or ""
    code = getattr(exc, "code", None)
    vals["error"] = code or type(exc).__name__
    detail = getattr(exc, "detail", None) or str(exc)
    if detail:
        vals["detail"] = detail[:300]
    if not message:
        message = "Проверка не выполнена из-за непредвиденной ошибки."
        remedy = "Сообщите техническому специалисту; подробности записаны в журнал."
    return CheckResult(check, status, message, remedy, vals)
