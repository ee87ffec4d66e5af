"""School details printed on forms and used for local time: name, the school's code
in ФИС ОКО, municipality and the IANA time zone (Russia spans eleven zones)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coordinator.school.errors import ScheduleError
from coordinator.school.store import SchoolStore

DEFAULT_TZ = "Europe/Moscow"


@dataclass(frozen=True)
class SchoolInfo:
    name: str
    code: str
    municipality: str
    tz: str


def check_tz(tz: str) -> ZoneInfo:
    """Raises ScheduleError for an unknown zone name."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown zone {tz!r}",
            message_ru=f"Неизвестный часовой пояс «{tz}».",
            remedy_ru="Укажите пояс в формате IANA, например Asia/Yekaterinburg или Europe/Kaliningrad.",
        ) from None


def get_info(store: SchoolStore) -> SchoolInfo:
    return SchoolInfo(
        name=store.get_meta("school_name") or "",
        code=store.get_meta("school_code") or "",
        municipality=store.get_meta("school_municipality") or "",
        tz=store.get_meta("school_tz") or DEFAULT_TZ,
    )


def set_info(store: SchoolStore, *, name: str | None = None, code: str | None = None,
             municipality: str | None = None, tz: str | None = None) -> SchoolInfo:
    if tz is not None:
        check_tz(tz)
    with store.tx():
        for key, value in (("school_name", name), ("school_code", code),
                           ("school_municipality", municipality), ("school_tz", tz)):
            if value is not None:
                store.set_meta(key, value.strip())
    return get_info(store)
