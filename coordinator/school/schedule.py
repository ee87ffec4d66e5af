"""The schedule: per subject the work date, reserve days, the criteria release (14:00
Moscow on the work day) and the upload deadline (23:00 Moscow on the upload day).
Stored in UTC; shown in Moscow time and in the school's own zone (``timefmt``),
because a school five zones east of Moscow meets 23:00 МСК at 04:00 the next morning.
Dates are typed as ``15.04.2026`` or ``2026-04-15``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from coordinator.school import changes, timefmt
from coordinator.school.errors import ScheduleError
from coordinator.school.settings import check_tz, get_info
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import get_subject
from vpr_common.text import shown

MOSCOW = timefmt.MOSCOW
CRITERIA_TIME = time(14, 0)
DEADLINE_TIME = time(23, 0)
WARN_BEFORE = timedelta(hours=72)
URGENT_BEFORE = timedelta(hours=6)


class WarningLevel(str, Enum):
    INFO = "info"
    URGENT = "urgent"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class ScheduleItem:
    subject_id: str
    title: str
    work_date: date
    reserve_dates: tuple[date, ...]
    criteria_utc: datetime
    deadline_utc: datetime


@dataclass(frozen=True)
class DeadlineWarning:
    subject_id: str
    level: WarningLevel
    message_ru: str


def parse_date(text: str, what: str) -> date:
    """``15.04.2026`` or ``2026-04-15``. Raises ScheduleError with the Russian reason."""
    t = text.strip()
    try:
        if "." in t:
            return datetime.strptime(t, "%d.%m.%Y").date()
        return date.fromisoformat(t)
    except ValueError:
        raise ScheduleError(f"bad date {text!r}", message_ru=f"{what}: «{shown(text)}» - не дата.",
                            remedy_ru="Укажите дату так: 15.04.2026.") from None


def ru_date(d: date | str) -> str:
    """``15.04.2026``."""
    return (date.fromisoformat(d) if isinstance(d, str) else d).strftime("%d.%m.%Y")


def moscow_to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=MOSCOW).astimezone(timezone.utc)


def fmt(dt: datetime, tz: ZoneInfo) -> str:
    return timefmt.fmt(dt, tz)


def describe(dt_utc: datetime, school_tz: str) -> str:
    """``15.04.2026 23:00 МСК (у вас 16.04.2026 01:00, время Екатеринбурга)``."""
    check_tz(school_tz)
    return timefmt.moscow_first(dt_utc, school_tz)


def set_item(store: SchoolStore, subject_id: str, work_date: str, upload_date: str | None = None,
             reserve_dates: list[str] | None = None) -> ScheduleItem:
    """Add or replace a subject's schedule. Raises UnknownSubjectError, ScheduleError."""
    get_subject(store, subject_id)
    wd = parse_date(work_date, "Дата проведения")
    ud = parse_date(upload_date, "Дата загрузки результатов") if upload_date else wd
    if ud < wd:
        raise ScheduleError("upload before work", message_ru=f"Дата загрузки {ru_date(ud)} раньше даты "
                            f"проведения {ru_date(wd)}.", remedy_ru="Проверьте даты по плану-графику.")
    reserves = sorted(parse_date(r, "Резервный день") for r in (reserve_dates or []))
    for r in reserves:
        if r <= wd:
            raise ScheduleError("reserve before work", message_ru=f"Резервный день {ru_date(r)} должен быть "
                                f"позже даты проведения {ru_date(wd)}.", remedy_ru="Проверьте даты по плану-графику.")
    criteria = moscow_to_utc(wd, CRITERIA_TIME)
    deadline = moscow_to_utc(ud, DEADLINE_TIME)
    with store.tx():
        store.conn.execute(
            "INSERT INTO schedule(subject_id, work_date, reserve_dates_json, criteria_utc, deadline_utc) "
            "VALUES(?, ?, ?, ?, ?) ON CONFLICT(subject_id) DO UPDATE SET work_date=excluded.work_date, "
            "reserve_dates_json=excluded.reserve_dates_json, criteria_utc=excluded.criteria_utc, "
            "deadline_utc=excluded.deadline_utc",
            (subject_id, wd.isoformat(), json.dumps([r.isoformat() for r in reserves]),
             criteria.isoformat(), deadline.isoformat()),
        )
    return get_item(store, subject_id)  # type: ignore[return-value]


def _row_to_item(store: SchoolStore, r) -> ScheduleItem:
    return ScheduleItem(
        subject_id=r[0], title=get_subject(store, r[0]).title, work_date=date.fromisoformat(r[1]),
        reserve_dates=tuple(date.fromisoformat(x) for x in json.loads(r[2])),
        criteria_utc=datetime.fromisoformat(r[3]), deadline_utc=datetime.fromisoformat(r[4]),
    )


def get_item(store: SchoolStore, subject_id: str) -> ScheduleItem | None:
    r = store.conn.execute("SELECT * FROM schedule WHERE subject_id=?", (subject_id,)).fetchone()
    return None if r is None else _row_to_item(store, r)


def list_items(store: SchoolStore) -> list[ScheduleItem]:
    rows = store.conn.execute("SELECT * FROM schedule ORDER BY deadline_utc, subject_id").fetchall()
    return [_row_to_item(store, r) for r in rows]


def warnings(store: SchoolStore, now_utc: datetime | None = None) -> list[DeadlineWarning]:
    """Deadline warnings for subjects not uploaded, or changed after the last upload:
    within 72 h (info), within 6 h (urgent) and past the deadline (overdue)."""
    now = now_utc or datetime.now(timezone.utc)
    tz = get_info(store).tz
    out: list[DeadlineWarning] = []
    for item in list_items(store):
        state = changes.upload_status(store, item.subject_id).state
        if state is changes.UploadState.UPLOADED:
            continue
        again = " ещё раз (результаты изменены после загрузки)" if state is changes.UploadState.CHANGED_AFTER_UPLOAD \
            else ""
        left = item.deadline_utc - now
        when = describe(item.deadline_utc, tz)
        if left <= timedelta(0):
            out.append(DeadlineWarning(item.subject_id, WarningLevel.OVERDUE,
                                       f"{item.title}: срок загрузки результатов истёк ({when}). "
                                       "Срочно свяжитесь с муниципальным координатором."))
        elif left <= WARN_BEFORE or again:
            level = WarningLevel.URGENT if left <= URGENT_BEFORE or again else WarningLevel.INFO
            out.append(DeadlineWarning(item.subject_id, level,
                                       f"{item.title}: загрузите результаты{again} до {when} - осталось "
                                       f"{timefmt.countdown(left)}."))
    return out


def item_view(item: ScheduleItem, school_tz: str) -> dict:
    """A JSON-friendly view with UTC, Moscow and local times."""
    return {
        "subject": item.subject_id,
        "title": item.title,
        "work_date": item.work_date.isoformat(),
        "work_date_ru": ru_date(item.work_date),
        "reserve_dates": [d.isoformat() for d in item.reserve_dates],
        "reserve_dates_ru": [ru_date(d) for d in item.reserve_dates],
        "criteria_utc": item.criteria_utc.isoformat(),
        "criteria": describe(item.criteria_utc, school_tz),
        "deadline_utc": item.deadline_utc.isoformat(),
        "deadline": describe(item.deadline_utc, school_tz),
        "deadline_local": item.deadline_utc.astimezone(ZoneInfo(school_tz)).isoformat(),
    }
