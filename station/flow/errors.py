"""Typed failures of the station flow, with the Russian text a student or an adult reads."""

from __future__ import annotations

from vpr_common.errors import VprError


class StationError(VprError):
    code = "station"
    message_ru = "Ошибка станции."
    remedy_ru = "Поднимите руку: к вам подойдёт организатор."


class InvalidCodeError(StationError):
    """The participant code was mistyped or is not on the list."""

    code = "invalid_code"
    message_ru = "Код участника введён неверно."
    remedy_ru = "Код - пять цифр с вашей карточки. Проверьте и введите ещё раз."


class SealingError(StationError):
    code = "sealing_failed"
    message_ru = "Не удалось упаковать ответы."
    remedy_ru = "Ответы сохранены на этом компьютере. Поднимите руку: технический специалист упакует их вручную."
