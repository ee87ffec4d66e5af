"""The live board of the school day (the console's «Сегодня» page): every station with
its state, the participant code on it (never a name), the age of its last contact, its
last readiness result with the remedy, packages delivered and pending; per class the
counts of expected, present, absent, delivered and missing participants (absentees are
not missing); and the day's deadlines. Reads the node and school databases only; safe
while the node serves."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from coordinator.node.storage import NodeStore, Station
from coordinator.school import codes as school_codes
from coordinator.school import results as school_results
from coordinator.school import schedule as school_schedule
from coordinator.school.settings import get_info
from coordinator.school.store import DB_NAME as SCHOOL_DB
from coordinator.school.store import SchoolStore, class_sort_key
from coordinator.school.subjects import list_subjects
from sync.protocol import Activity

#: A station that has not been heard from for this long is shown offline (stations send
#: a heartbeat at least every 10 s and at once when their state changes).
OFFLINE_AFTER_S = 35.0


class StationState(str, Enum):
    READY = "ready"
    SOUND_CHECK = "sound_check"
    IN_TASK = "in_task"
    DONE = "done"
    FAULT = "fault"
    OFFLINE = "offline"
    REVOKED = "revoked"


STATE_RU = {StationState.READY: "готова", StationState.SOUND_CHECK: "проверка звука",
            StationState.IN_TASK: "идёт работа", StationState.DONE: "работа сдана",
            StationState.FAULT: "нужна помощь", StationState.OFFLINE: "нет связи",
            StationState.REVOKED: "отключена"}
#: The look of each state on the board (the word is always shown too).
STATE_TONE = {StationState.READY: "ok", StationState.SOUND_CHECK: "busy", StationState.IN_TASK: "busy",
              StationState.DONE: "ok", StationState.FAULT: "bad", StationState.OFFLINE: "off",
              StationState.REVOKED: "off"}
_READINESS_TONE = {"pass": "ok", "warn": "warn", "fail": "bad"}
_READINESS_RU = {"pass": "готова", "warn": "есть замечания", "fail": "не готова"}


@dataclass(frozen=True)
class StationCard:
    station_id: str
    name: str
    state: StationState
    state_ru: str
    tone: str
    detail_ru: str
    code: str
    seconds_since_contact: int | None
    readiness_tone: str
    readiness_ru: str
    readiness_remedy: str
    delivered: int
    pending: int


@dataclass(frozen=True)
class ClassCount:
    class_name: str
    expected: int
    present: int
    absent: int
    delivered: int

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.absent - self.delivered)


@dataclass(frozen=True)
class Deadline:
    label_ru: str
    at_utc: str
    seconds_left: int


@dataclass(frozen=True)
class Board:
    now_utc: str
    tz: str
    subject_id: str
    subject_title: str
    subjects: tuple[tuple[str, str], ...]
    stations: tuple[StationCard, ...]
    classes: tuple[ClassCount, ...]
    deadlines: tuple[Deadline, ...]

    @property
    def totals(self) -> ClassCount:
        return ClassCount("Всего", *(sum(getattr(c, f) for c in self.classes)
                                     for f in ("expected", "present", "absent", "delivered")))


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def station_card(st: Station, delivered: int, now: float) -> StationCard:
    live = st.live or {}
    age = int(now - st.last_seen) if st.last_seen else None
    code = str(live.get("code") or "")
    detail = ""
    if st.revoked_at is not None:
        state = StationState.REVOKED
    elif age is None or age > OFFLINE_AFTER_S:
        state = StationState.OFFLINE
        detail = "станция не выходила на связь" if age is None else f"нет связи {_clock(age)}"
    else:
        try:
            activity = Activity(live.get("activity", Activity.READY))
        except ValueError:
            activity = Activity.READY
        state = {Activity.READY: StationState.READY, Activity.SOUND_CHECK: StationState.SOUND_CHECK,
                 Activity.IN_TASK: StationState.IN_TASK, Activity.DONE: StationState.DONE,
                 Activity.FAULT: StationState.FAULT}[activity]
        if state is StationState.IN_TASK and live.get("task"):
            detail = f"задание {live.get('task')} из {live.get('tasks', '?')}"
            if live.get("remaining_s") is not None and st.live_at:
                detail += f", осталось {_clock(float(live['remaining_s']) - (now - st.live_at))}"
        elif state is StationState.FAULT:
            detail = str(live.get("fault") or "")[:200]
    readiness = st.readiness or {}
    status = str(readiness.get("status", ""))
    remedy = next((c.get("remedy_ru", "") for c in readiness.get("checks", [])
                   if c.get("status") in ("fail", "warn") and c.get("remedy_ru")), "")
    return StationCard(st.station_id, st.name, state, STATE_RU[state], STATE_TONE[state], detail, code, age,
                       _READINESS_TONE.get(status, "off"), _READINESS_RU.get(status, "проверка не проводилась"),
                       remedy, delivered, int(live.get("pending") or 0))


def _deadlines(item, now: datetime) -> tuple[Deadline, ...]:
    out = []
    for label, at in (("Критерии опубликованы", item.criteria_utc), ("Загрузка результатов до 23:00 МСК",
                                                                        item.deadline_utc)):
        left = int((at - now).total_seconds())
        out.append(Deadline(label, at.isoformat(), left))
    return tuple(out)


def build_board(store: NodeStore, subject_id: str | None = None, now: float | None = None) -> Board:
    """The board for ``subject_id`` (default: the subject whose work date is today in
    the school's zone, else the first scheduled one)."""
    now = time.time() if now is None else now
    now_dt = datetime.fromtimestamp(now, timezone.utc)
    delivered_codes: dict[str, int] = {}
    by_station: dict[str, int] = {}
    for p in store.list_packages():
        delivered_codes[p["participant_code"]] = delivered_codes.get(p["participant_code"], 0) + 1
        by_station[p["station_id"]] = by_station.get(p["station_id"], 0) + 1
    stations = tuple(station_card(st, by_station.get(st.station_id, 0), now) for st in store.list_stations())
    on_stations = {c.code for c in stations if c.code and c.state in (StationState.IN_TASK, StationState.SOUND_CHECK,
                                                                       StationState.FAULT, StationState.DONE)}
    tz, title, classes, deadlines, subjects = "Europe/Moscow", "", (), (), ()
    if (store.data_dir / SCHOOL_DB).exists():
        with SchoolStore(store.data_dir) as school:
            tz = get_info(school).tz or tz
            items = school_schedule.list_items(school)
            all_subjects = list_subjects(school)
            subjects = tuple((s.id, s.title) for s in all_subjects)
            today = now_dt.astimezone(ZoneInfo(tz)).date()
            chosen = _choose(subject_id, items, all_subjects, today)
            absent: set[str] = set()
            if chosen is not None:
                subject_id, title = chosen.id, chosen.title
                absent = {r.code for r in school_results.list_results(school, chosen)
                          if r.status is school_results.ResultStatus.ABSENT}
                item = next((i for i in items if i.subject_id == chosen.id), None)
                deadlines = _deadlines(item, now_dt) if item else ()
            per_class: dict[str, list[str]] = {}
            for info in school_codes.active_codes(school):
                per_class.setdefault(info.class_name, []).append(info.code)
            classes = tuple(
                ClassCount(name, len(cs), sum(1 for c in cs if c in on_stations or c in delivered_codes),
                           sum(1 for c in cs if c in absent), sum(1 for c in cs if c in delivered_codes and c not in absent))
                for name, cs in sorted(per_class.items(), key=lambda kv: class_sort_key(kv[0])))
    return Board(now_dt.isoformat(timespec="seconds"), tz, subject_id or "", title, subjects, stations, classes,
                 deadlines)


def _choose(subject_id, items, subjects, today: date):
    by_id = {s.id: s for s in subjects}
    if subject_id and subject_id in by_id:
        return by_id[subject_id]
    for item in items:
        if item.work_date == today and item.subject_id in by_id:
            return by_id[item.subject_id]
    for item in items:
        if item.subject_id in by_id:
            return by_id[item.subject_id]
    return subjects[0] if subjects else None


__all__ = ["Board", "ClassCount", "Deadline", "StationCard", "StationState", "build_board"]
