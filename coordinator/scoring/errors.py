"""Typed errors of scoring, with the HTTP status the console answers with and a plain
Russian message and remedy for the expert or the coordinator."""

from __future__ import annotations

from vpr_common.errors import VprError


class ScoringError(VprError):
    code = "scoring"
    http_status = 400
    message_ru = "Оценивание: действие не выполнено."
    remedy_ru = "Обновите страницу и повторите; при повторении сообщите координатору."


class NotLinkedError(ScoringError):
    code = "scoring_not_linked"
    http_status = 409
    message_ru = "Предмет ещё не связан с экзаменационными материалами."
    remedy_ru = "Координатор: vpr-node scoring link --subject ПРЕДМЕТ (или страница «Оценивание»)."


class NothingToScoreError(ScoringError):
    code = "scoring_nothing"
    http_status = 404
    message_ru = "Ответов для оценивания по этому заданию сейчас нет."
    remedy_ru = "Все ответы уже оценены или заняты другими экспертами; загляните позже."


class LeaseLostError(ScoringError):
    code = "scoring_lease_lost"
    http_status = 409
    message_ru = "Этот ответ больше не закреплён за вами (прошло слишком много времени)."
    remedy_ru = "Откройте следующий ответ; этот вернулся в общий список."


class PausedError(ScoringError):
    code = "scoring_paused"
    http_status = 403
    message_ru = "Оценивание для вас приостановлено."


class QualificationRequiredError(ScoringError):
    code = "scoring_qualification"
    http_status = 403
    message_ru = "Сначала пройдите квалификацию: оцените контрольные ответы."
    remedy_ru = "Откройте «Квалификация» на странице эксперта."


class BadScoreError(ScoringError):
    code = "scoring_bad_score"
    http_status = 422
    message_ru = "Баллы указаны неверно."
