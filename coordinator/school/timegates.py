"""Time gates of the procedure, judged in the school's own zone with Moscow time beside:

* results are accepted only on or after the day the participant did the work - the
  subject's work date, or the reserve day of a participant marked absent with one
  (``OutsideScheduleError`` says which day and why);
* before the criteria are published (14:00 МСК on the work day) and after the upload
  deadline (23:00 МСК), entering results is possible but needs the coordinator's
  confirmation (``GateWarning.needs_confirmation``; ``require_confirmation`` raises
  ``ConfirmationRequiredError`` listing them);
* a reserve day must be one of the subject's reserve days in the schedule and not past;
* ``countdowns`` gives the deadline of every scheduled subject as a countdown with its
  upload state, for ``status`` screens.

Judgements only: nothing here writes. ``results`` and ``forms`` call these before they
store anything; the web console calls the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from zoneinfo import ZoneInfo

from coordinator.school import changes, schedule, timefmt
from coordinator.school.errors import ConfirmationRequiredError, OutsideScheduleError
from coordinator.school.settings import get_info
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import Subject

RESERVE_DEADLINE_TIME = time(23, 0)


class GateKind(str, Enum):
    NO_SCHEDULE = "no_schedule"
    BEFORE_CRITERIA = "before_criteria"
    AFTER_DEADLINE = "after_deadline"
    ABSENT_ENTERED = "absent_entered"


@dataclass(frozen=True)
class GateWarning:
    kind: GateKind
    message_ru: str
    needs_confirmation: bool


@dataclass(frozen=True)
class Countdown:
    subject_id: str
    title: str
    deadline_utc: datetime
    left: timedelta
    upload: changes.SubjectUploadStatus
    text_ru: str


def _now(now_utc: datetime | None) -> datetime:
    return now_utc or datetime.now(timezone.utc)


def local_today(store: SchoolStore, now_utc: datetime | None = None) -> date:
    return _now(now_utc).astimezone(ZoneInfo(get_info(store).tz)).date()


def _absences(store: SchoolStore, subject_id: str, codes: list[str]) -> dict[str, str]:
    """{code: reserve day ('' when none)} for the given codes marked absent."""
    if not codes:
        return {}
    marks = ",".join("?" * len(codes))
    rows = store.conn.execute(f"SELECT code, reserve_date FROM results WHERE subject_id=? AND status='absent' "
                              f"AND code IN ({marks})", (subject_id, *codes)).fetchall()
    return {r[0]: r[1] or "" for r in rows}


def check_entry(store: SchoolStore, subject: Subject, codes: list[str],
                now_utc: datetime | None = None) -> list[GateWarning]:
    """Judge entering results for ``codes`` now. Returns the warnings (some need
    confirmation). Raises OutsideScheduleError when the work has not happened yet for
    a participant (before the work date, or before their reserve day)."""
    now = _now(now_utc)
    info = get_info(store)
    item = schedule.get_item(store, subject.id)
    if item is None:
        return [GateWarning(GateKind.NO_SCHEDULE, f"Даты по предмету «{subject.title}» не заданы - сроки не "
                            f"проверяются. Задайте их: vpr-node schedule set --subject {subject.id} --date ДАТА.",
                            False)]
    today = local_today(store, now)
    absent = _absences(store, subject.id, codes)
    reserve_codes = {c: d for c, d in absent.items() if d}
    on_work_day = [c for c in codes if c not in reserve_codes]
    if on_work_day and today < item.work_date:
        raise OutsideScheduleError(
            f"{subject.id}: before work date",
            message_ru=f"Работа «{subject.title}» проводится {schedule.ru_date(item.work_date)}; сегодня "
                       f"{schedule.ru_date(today)}. Результаты принимаются с дня проведения.",
            remedy_ru="Проверьте дату в расписании (vpr-node schedule show) и дату на компьютере.")
    early = sorted((d, c) for c, d in reserve_codes.items() if today < date.fromisoformat(d))
    if early:
        day = early[0][0]
        listed = ", ".join(c for d, c in early if d == day)
        raise OutsideScheduleError(
            f"{subject.id}: before reserve day",
            message_ru=f"Коды {listed} пишут работу в резервный день {schedule.ru_date(day)}: их результаты "
                       "принимаются с этого дня." if len(early) > 1 else
                       f"Код {listed} пишет работу в резервный день {schedule.ru_date(day)}: его результаты "
                       "принимаются с этого дня.",
            remedy_ru="Внесите их в резервный день или позже.")
    out: list[GateWarning] = []
    if on_work_day and now < item.criteria_utc:
        out.append(GateWarning(
            GateKind.BEFORE_CRITERIA,
            f"Критерии оценивания публикуются {timefmt.moscow_first(item.criteria_utc, info.tz)}, сейчас "
            f"{timefmt.local_and_moscow(now, info.tz)}. Баллы, выставленные до публикации критериев, могут "
            "оказаться неверными.", True))
    deadline = item.deadline_utc
    for d in reserve_codes.values():
        deadline = max(deadline, schedule.moscow_to_utc(date.fromisoformat(d), RESERVE_DEADLINE_TIME))
    if now > deadline:
        out.append(GateWarning(
            GateKind.AFTER_DEADLINE,
            f"Срок загрузки результатов истёк {timefmt.moscow_first(deadline, info.tz)}. Внести результаты можно, "
            "но загрузить их в ФИС ОКО - только по согласованию с муниципальным координатором.", True))
    no_reserve = sorted(c for c, d in absent.items() if not d)
    if no_reserve:
        out.append(GateWarning(
            GateKind.ABSENT_ENTERED,
            ("Код " + no_reserve[0] + " отмечен как отсутствовавший" if len(no_reserve) == 1 else
             "Коды " + ", ".join(no_reserve) + " отмечены как отсутствовавшие")
            + " без резервного дня; результат заменит отметку об отсутствии.", True))
    return out


def require_confirmation(warnings: list[GateWarning], confirmed: bool) -> None:
    """Raises ConfirmationRequiredError when a warning needs confirmation and it was not
    given."""
    pending = [w for w in warnings if w.needs_confirmation]
    if pending and not confirmed:
        raise ConfirmationRequiredError([w.message_ru for w in pending])


def check_reserve_day(store: SchoolStore, subject: Subject, raw: str | None,
                      now_utc: datetime | None = None) -> str | None:
    """The reserve day for an absentee as ISO text, or None. Raises OutsideScheduleError
    when it is not one of the subject's reserve days or has passed, ScheduleError when
    it is not a date."""
    if not raw or not str(raw).strip():
        return None
    day = schedule.parse_date(str(raw), "Резервный день")
    item = schedule.get_item(store, subject.id)
    allowed = item.reserve_dates if item else ()
    if day not in allowed:
        listed = ", ".join(schedule.ru_date(d) for d in allowed)
        raise OutsideScheduleError(
            f"{subject.id}: {day} not a reserve day",
            message_ru=f"{schedule.ru_date(day)} нет среди резервных дней по предмету «{subject.title}»"
                       + (f" (резервные дни: {listed})." if listed else " - резервные дни не заданы."),
            remedy_ru=f"Добавьте резервный день в расписание: vpr-node schedule set --subject {subject.id} "
                      f"--date ДАТА --reserve {schedule.ru_date(day)}.")
    if day < local_today(store, now_utc):
        raise OutsideScheduleError(f"{subject.id}: reserve day {day} passed",
                                   message_ru=f"Резервный день {schedule.ru_date(day)} уже прошёл.",
                                   remedy_ru="Укажите резервный день, который ещё не наступил, или не указывайте "
                                             "резервный день.")
    return day.isoformat()


def countdowns(store: SchoolStore, now_utc: datetime | None = None) -> list[Countdown]:
    """Every scheduled subject with its deadline, the time left and its upload state."""
    now = _now(now_utc)
    tz = get_info(store).tz
    out = []
    for item in schedule.list_items(store):
        up = changes.upload_status(store, item.subject_id)
        left = item.deadline_utc - now
        when = timefmt.moscow_first(item.deadline_utc, tz)
        if up.state is changes.UploadState.UPLOADED:
            text = f"{item.title}: загружено ({timefmt.local(up.last_upload_utc or now, tz)})."
        elif left <= timedelta(0):
            text = f"{item.title}: срок загрузки истёк {when}" + (
                " - результаты изменены после загрузки." if up.state is changes.UploadState.CHANGED_AFTER_UPLOAD
                else " - результаты не загружены.")
        else:
            state = ("изменено после загрузки - загрузите ещё раз"
                     if up.state is changes.UploadState.CHANGED_AFTER_UPLOAD else "не загружено")
            text = f"{item.title}: {state}; до конца загрузки {timefmt.countdown(left)} (до {when})."
        out.append(Countdown(item.subject_id, item.title, item.deadline_utc, left, up, text))
    return out


@dataclass(frozen=True)
class Absentee:
    code: str
    subject_id: str
    reason: str
    reserve_date: str  # ISO or ""

    @property
    def text_ru(self) -> str:
        text = f"{self.subject_id}: {self.reason}"
        return text + (f", резервный день {schedule.ru_date(self.reserve_date)}" if self.reserve_date else "")


def not_expected(store: SchoolStore, now_utc: datetime | None = None) -> dict[str, Absentee]:
    """Codes marked absent whose reserve day (if any) has not come yet: no answer is
    expected from them, so status screens do not list them as missing. On its reserve
    day a participant is expected again."""
    today = local_today(store, now_utc).isoformat()
    out: dict[str, Absentee] = {}
    for code, subject_id, reason, reserve in store.conn.execute(
            "SELECT code, subject_id, absent_reason, reserve_date FROM results WHERE status='absent' "
            "ORDER BY subject_id, code"):
        if reserve and reserve <= today:
            continue
        out.setdefault(code, Absentee(code, subject_id, reason or "", reserve or ""))
    return out
