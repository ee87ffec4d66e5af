"""School details printed on forms and used for local time: name, the school's code
in ФИС ОКО, municipality and the time zone (Russia spans eleven zones; typed as a city
or "МСК+2", kept as the zone's standard name - see ``timefmt``)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coordinator.school import timefmt
from coordinator.school.errors import ScheduleError, SettingsError
from coordinator.school.store import SchoolStore
from vpr_common.text import checked_text, shown

DEFAULT_TZ = "Europe/Moscow"


@dataclass(frozen=True)
class SchoolInfo:
    name: str
    code: str
    municipality: str
    tz: str

    @property
    def fis_code(self) -> str:
        """The code as the federal files write it (``edu390001``); a code stored by an
        older version as bare digits gets its prefix here."""
        return f"edu{self.code}" if self.code.isdigit() else self.code


def resolve_tz(text: str) -> str:
    """The standard zone name for a city, "МСК+2" or a standard name. Raises
    ScheduleError for anything else."""
    tz = timefmt.resolve_zone(text)
    if tz is None:
        raise ScheduleError(
            f"unknown zone {text!r}",
            message_ru=f"Неизвестный часовой пояс «{shown(text)}».",
            remedy_ru="Укажите город (например: Екатеринбург, Новосибирск, Калининград) или разницу с Москвой "
                      "(например: МСК+2).",
        )
    return tz


def check_tz(tz: str) -> ZoneInfo:
    """Raises ScheduleError for an unknown zone name."""
    try:
        return ZoneInfo(resolve_tz(tz))
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - resolve_tz checked it
        raise ScheduleError(f"unknown zone {tz!r}", message_ru=f"Неизвестный часовой пояс «{shown(tz)}».") from None


def normalize_school_code(raw: str) -> str:
    """The school's login code in ФИС ОКО as the federal files write it: ``edu390001``
    (digits alone are accepted and prefixed). Raises SettingsError for anything else."""
    text = "".join(raw.split()).lower()
    if text.isdigit():
        text = "edu" + text
    if not (text.startswith("edu") and text[3:].isdigit() and 4 <= len(text[3:]) <= 8):
        raise SettingsError(f"bad school code {raw!r}", message_ru=f"«{shown(raw)}» не похоже на код ОО в ФИС ОКО.",
                            remedy_ru="Код ОО - это логин ОО в ФИС ОКО, например edu390001 (можно без «edu»).")
    return text


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
        tz = resolve_tz(tz)
    if code is not None:
        code = normalize_school_code(code)
    if name is not None:
        name = checked_text(name, "Название ОО", max_len=300, error=SettingsError)
    if municipality is not None:
        municipality = checked_text(municipality, "Муниципалитет", max_len=200, error=SettingsError)
    with store.tx():
        for key, value in (("school_name", name), ("school_code", code),
                           ("school_municipality", municipality), ("school_tz", tz)):
            if value is not None:
                store.set_meta(key, value.strip())
    return get_info(store)
