"""Typed failures of the station flow. Their Russian text (what a student or an adult
reads) is in :mod:`station.messages`; it is looked up when this module is imported,
because ``VprError`` keeps the text as a class attribute (one language for a run)."""

from __future__ import annotations

from station.messages import t
from vpr_common.errors import VprError


class StationError(VprError):
    code = "station"
    message_ru = t("error.station")
    remedy_ru = t("error.station_remedy")


class InvalidCodeError(StationError):
    """The participant code was mistyped or is not on the list."""

    code = "invalid_code"
    message_ru = t("error.invalid_code")
    remedy_ru = t("error.invalid_code_remedy")

