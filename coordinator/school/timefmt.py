"""How times are named and shown to people: the school's zone by a Russian city name or
"МСК+2" (the database keeps the zone's standard name, e.g. ``Asia/Yekaterinburg``),
local times with the zone named in Russian and Moscow time beside, countdowns in hours
and minutes. Never an ISO string or a UTC time on a screen.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MOSCOW = ZoneInfo("Europe/Moscow")

#: The Russian zones by the city people name them after (the genitive for "время ...").
_ZONES: dict[str, tuple[str, str]] = {
    "Europe/Kaliningrad": ("Калининград", "Калининграда"),
    "Europe/Moscow": ("Москва", "Москвы"),
    "Europe/Simferopol": ("Симферополь", "Симферополя"),
    "Europe/Kirov": ("Киров", "Кирова"),
    "Europe/Volgograd": ("Волгоград", "Волгограда"),
    "Europe/Samara": ("Самара", "Самары"),
    "Europe/Astrakhan": ("Астрахань", "Астрахани"),
    "Europe/Saratov": ("Саратов", "Саратова"),
    "Europe/Ulyanovsk": ("Ульяновск", "Ульяновска"),
    "Asia/Yekaterinburg": ("Екатеринбург", "Екатеринбурга"),
    "Asia/Omsk": ("Омск", "Омска"),
    "Asia/Novosibirsk": ("Новосибирск", "Новосибирска"),
    "Asia/Barnaul": ("Барнаул", "Барнаула"),
    "Asia/Tomsk": ("Томск", "Томска"),
    "Asia/Novokuznetsk": ("Новокузнецк", "Новокузнецка"),
    "Asia/Krasnoyarsk": ("Красноярск", "Красноярска"),
    "Asia/Irkutsk": ("Иркутск", "Иркутска"),
    "Asia/Chita": ("Чита", "Читы"),
    "Asia/Yakutsk": ("Якутск", "Якутска"),
    "Asia/Vladivostok": ("Владивосток", "Владивостока"),
    "Asia/Sakhalin": ("Южно-Сахалинск", "Южно-Сахалинска"),
    "Asia/Magadan": ("Магадан", "Магадана"),
    "Asia/Srednekolymsk": ("Среднеколымск", "Среднеколымска"),
    "Asia/Kamchatka": ("Петропавловск-Камчатский", "Петропавловска-Камчатского"),
    "Asia/Anadyr": ("Анадырь", "Анадыря"),
}
_BY_CITY = {city.lower().replace("ё", "е"): tz for tz, (city, _) in _ZONES.items()}
_BY_CITY.update({"камчатка": "Asia/Kamchatka", "сахалин": "Asia/Sakhalin", "крым": "Europe/Simferopol",
                 "мск": "Europe/Moscow", "москва": "Europe/Moscow", "спб": "Europe/Moscow",
                 "санкт-петербург": "Europe/Moscow", "пермь": "Asia/Yekaterinburg", "уфа": "Asia/Yekaterinburg",
                 "челябинск": "Asia/Yekaterinburg", "тюмень": "Asia/Yekaterinburg", "казань": "Europe/Moscow",
                 "хабаровск": "Asia/Vladivostok", "улан-удэ": "Asia/Irkutsk", "кемерово": "Asia/Novokuznetsk"})
#: "МСК+N" -> a zone with that offset (standard time; Russia keeps no summer time).
_BY_OFFSET = {-1: "Europe/Kaliningrad", 0: "Europe/Moscow", 1: "Europe/Samara", 2: "Asia/Yekaterinburg",
              3: "Asia/Omsk", 4: "Asia/Krasnoyarsk", 5: "Asia/Irkutsk", 6: "Asia/Yakutsk", 7: "Asia/Vladivostok",
              8: "Asia/Magadan", 9: "Asia/Kamchatka"}


def resolve_zone(text: str) -> str | None:
    """The zone's standard name for what a person typed - a city (``Екатеринбург``),
    ``МСК+2`` / ``мск-1`` or a standard name (``Asia/Yekaterinburg``); None when
    unknown."""
    t = " ".join(text.strip().split())
    key = t.lower().replace("ё", "е")
    if key in _BY_CITY:
        return _BY_CITY[key]
    compact = key.replace(" ", "").replace("−", "-")
    if compact.startswith("мск") and compact[3:4] in ("+", "-") and compact[4:].isdigit():
        return _BY_OFFSET.get(int(compact[3:]))
    if "/" in t:
        try:
            ZoneInfo(t)
        except (ZoneInfoNotFoundError, ValueError):
            return None
        return t
    return None


def msk_offset_hours(tz: str, at: datetime | None = None) -> int:
    at = at or datetime.now(timezone.utc)
    delta = at.astimezone(ZoneInfo(tz)).utcoffset() - at.astimezone(MOSCOW).utcoffset()  # type: ignore[operator]
    return int(delta.total_seconds() // 3600)


def zone_label(tz: str, at: datetime | None = None) -> str:
    """``время Екатеринбурга, МСК+2`` / ``московское время``."""
    off = msk_offset_hours(tz, at)
    if off == 0 and tz in ("Europe/Moscow", "Europe/Simferopol", "Europe/Kirov", "Europe/Volgograd"):
        return "московское время"
    city = _ZONES.get(tz, (None, None))[1]
    sign = f"МСК{off:+d}" if off else "МСК"
    return f"время {city}, {sign}" if city else sign


def zone_title(tz: str) -> str:
    """For ``school show``: ``Екатеринбург (МСК+2)``."""
    city = _ZONES.get(tz, (tz, tz))[0]
    off = msk_offset_hours(tz)
    return f"{city} (МСК{off:+d})" if off else f"{city} (МСК)"


def fmt(dt: datetime, tz: ZoneInfo | str) -> str:
    """``15.04.2026 23:00`` in ``tz``."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return dt.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def local_and_moscow(dt: datetime, school_tz: str) -> str:
    """``16.04.2026 01:00 (время Екатеринбурга, МСК+2; в Москве 15.04.2026 23:00)``, or
    ``15.04.2026 23:00 МСК`` for a school on Moscow time."""
    if msk_offset_hours(school_tz, dt) == 0:
        return f"{fmt(dt, MOSCOW)} МСК"
    return f"{fmt(dt, school_tz)} ({zone_label(school_tz, dt)}; в Москве {fmt(dt, MOSCOW)})"


def moscow_first(dt: datetime, school_tz: str) -> str:
    """Federal deadlines are said in Moscow time: ``15.04.2026 23:00 МСК (у вас
    16.04.2026 01:00, время Екатеринбурга)``."""
    text = f"{fmt(dt, MOSCOW)} МСК"
    if msk_offset_hours(school_tz, dt) != 0:
        city = _ZONES.get(school_tz, (None, None))[1]
        text += f" (у вас {fmt(dt, school_tz)}" + (f", время {city})" if city else ")")
    return text


def local(dt_or_iso: datetime | str, school_tz: str) -> str:
    """A stored UTC moment as the school's local time: ``15.04.2026 18:05``."""
    dt = datetime.fromisoformat(dt_or_iso) if isinstance(dt_or_iso, str) else dt_or_iso
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return fmt(dt, school_tz)


def countdown(left: timedelta) -> str:
    """``2 ч 05 мин`` / ``3 дн 4 ч`` / ``12 мин``."""
    minutes = max(0, int(left.total_seconds() // 60))
    days, rem = divmod(minutes, 24 * 60)
    h, m = divmod(rem, 60)
    if days:
        return f"{days} дн {h} ч"
    return f"{h} ч {m:02d} мин" if h else f"{m} мин"
