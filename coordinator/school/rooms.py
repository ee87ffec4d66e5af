"""Rooms and the adults in them: rooms with their seats and, for the computer (oral)
part, their stations; which class sits a subject in which room; the classroom
organizers, public observers and technical specialists assigned per room and day; and
the room sheet (``RoomSheet``) the organizer takes into the room - who is where, at
which station and in which round.

The seeds: the school coordinator «назначает организаторов в каждую аудиторию»,
«распределяет по аудиториям» organizers, technicians and observers and hands each
organizer «списки участников по аудиториям». Participants appear here by code and
class; names only on request with the coordinator's key (``protocol``). Adults' names
(organizers, observers) are kept as typed - they are not participants' data - and are
never logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from enum import Enum

from coordinator.school import codes, protocol, results, schedule
from coordinator.school.errors import RoomsError, UnknownClassError
from coordinator.school.store import SchoolStore, class_sort_key, utc_now_iso
from coordinator.school.subjects import Subject
from coordinator.school.vault import VaultKey
from vpr_common.text import checked_text, clean_text, shown

log = logging.getLogger(__name__)
MAX_SEATS = 200


class StaffRole(str, Enum):
    ORGANIZER = "organizer"
    OBSERVER = "observer"
    TECHNICIAN = "technician"


ROLE_RU = {StaffRole.ORGANIZER: "организатор в аудитории", StaffRole.OBSERVER: "общественный наблюдатель",
           StaffRole.TECHNICIAN: "технический специалист"}


@dataclass(frozen=True)
class Room:
    id: int
    name: str
    capacity: int
    stations: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Seat:
    n: int
    code: str
    class_name: str
    station: str   # "" in a room without stations
    round: int     # 1.. when participants take the stations in turns; 0 otherwise
    absent: bool   # already marked absent for this subject
    name: str = ""  # only with the coordinator's key


@dataclass(frozen=True)
class RoomSheet:
    room: Room
    subject_title: str
    day: date | None
    classes: tuple[str, ...]
    staff: dict[StaffRole, tuple[str, ...]]
    seats: tuple[Seat, ...]
    reserve_day: bool


def _room_row(r) -> Room:
    return Room(int(r[0]), r[1], int(r[2]), tuple(json.loads(r[3] or "[]")), r[4] or "")


def get_room(store: SchoolStore, name: str) -> Room:
    """Raises RoomsError for an unknown room."""
    r = store.conn.execute("SELECT id, name, capacity, stations_json, note FROM rooms WHERE name=?",
                           (clean_text(name),)).fetchone()
    if r is None:
        raise RoomsError(f"unknown room {name!r}", message_ru=f"Аудитория «{shown(name)}» не найдена.",
                         remedy_ru="Список аудиторий: vpr-node rooms list; добавить: vpr-node rooms add НАЗВАНИЕ "
                                   "--seats ЧИСЛО.")
    return _room_row(r)


def list_rooms(store: SchoolStore) -> list[Room]:
    return [_room_row(r) for r in store.conn.execute(
        "SELECT id, name, capacity, stations_json, note FROM rooms ORDER BY name")]


def save_room(store: SchoolStore, name: str, capacity: int, stations: list[str] | None = None,
              note: str = "") -> Room:
    """Add a room or change its seats / stations. Raises RoomsError."""
    name = checked_text(name, "Название аудитории", max_len=100, error=RoomsError)
    clean = [checked_text(s, "Станция", max_len=60, error=RoomsError) for s in (stations or []) if s.strip()]
    note = checked_text(note, "Примечание", max_len=300, error=RoomsError)
    if not name:
        raise RoomsError("no name", message_ru="Укажите название аудитории (например: 12 или «Кабинет информатики»).")
    if not 1 <= capacity <= MAX_SEATS:
        raise RoomsError("bad capacity", message_ru=f"Число мест в аудитории - от 1 до {MAX_SEATS}.")
    if len(set(clean)) != len(clean):
        raise RoomsError("station twice", message_ru="Одна и та же станция указана дважды.")
    if len(clean) > capacity:
        raise RoomsError("more stations than seats", message_ru=f"Станций ({len(clean)}) больше, чем мест "
                         f"({capacity}).", remedy_ru="Проверьте число мест и список станций.")
    with store.tx():
        store.conn.execute(
            "INSERT INTO rooms(name, capacity, stations_json, note, created_utc) VALUES(?, ?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET capacity=excluded.capacity, stations_json=excluded.stations_json, "
            "note=excluded.note", (name, capacity, json.dumps(clean, ensure_ascii=False), note.strip(), utc_now_iso()))
    return get_room(store, name)


def remove_room(store: SchoolStore, name: str) -> None:
    """Raises RoomsError for an unknown room or one that still has classes placed."""
    room = get_room(store, name)
    placed = [r[0] for r in store.conn.execute("SELECT DISTINCT class_name FROM room_classes WHERE room_id=?",
                                               (room.id,))]
    if placed:
        raise RoomsError("room in use", message_ru=f"В аудитории «{room.name}» размещены классы: "
                         f"{', '.join(sorted(placed, key=class_sort_key))}.",
                         remedy_ru="Сначала разместите их в другой аудитории: vpr-node rooms place.")
    with store.tx():
        store.conn.execute("DELETE FROM room_staff WHERE room_id=?", (room.id,))
        store.conn.execute("DELETE FROM rooms WHERE id=?", (room.id,))


def _class_size(store: SchoolStore, class_name: str) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM participants WHERE class_name=? AND code IS NOT NULL",
                                  (class_name,)).fetchone()[0])


def place_class(store: SchoolStore, subject: Subject, class_name: str, room_name: str) -> int:
    """Seat ``class_name`` in a room for ``subject`` (moving it from another room);
    returns how many participants the room now holds for the subject. In a room
    without stations the seats must suffice; in a room with stations participants take
    them in turns. Raises UnknownClassError, RoomsError."""
    room = get_room(store, room_name)
    if store.conn.execute("SELECT 1 FROM classes WHERE name=?", (class_name,)).fetchone() is None:
        raise UnknownClassError(class_name)
    others = [r[0] for r in store.conn.execute(
        "SELECT class_name FROM room_classes WHERE subject_id=? AND room_id=? AND class_name<>?",
        (subject.id, room.id, class_name))]
    total = _class_size(store, class_name) + sum(_class_size(store, c) for c in others)
    if not room.stations and total > room.capacity:
        raise RoomsError("room too small", message_ru=f"В аудитории «{room.name}» {room.capacity} мест, а участников "
                         f"будет {total} (класс {class_name}" + (f" и {', '.join(others)}" if others else "") + ").",
                         remedy_ru="Разместите класс в другой аудитории или разделите классы по аудиториям.")
    with store.tx():
        store.conn.execute("INSERT INTO room_classes(subject_id, class_name, room_id) VALUES(?, ?, ?) "
                           "ON CONFLICT(subject_id, class_name) DO UPDATE SET room_id=excluded.room_id",
                           (subject.id, class_name, room.id))
    return total


def assign_staff(store: SchoolStore, room_name: str, day: str, role: StaffRole, person: str) -> None:
    """Put an adult in a room for a day. The same person cannot be in two rooms on the
    same day. Raises RoomsError, ScheduleError (bad date)."""
    room = get_room(store, room_name)
    d = schedule.parse_date(day, "День").isoformat()
    who = checked_text(person, f"ФИО ({ROLE_RU[role]})", max_len=150, error=RoomsError)
    if not who:
        raise RoomsError("no person", message_ru=f"Укажите ФИО: {ROLE_RU[role]}.")
    elsewhere = store.conn.execute(
        "SELECT r.name FROM room_staff s JOIN rooms r ON r.id = s.room_id WHERE s.day=? AND s.person=? "
        "AND s.room_id<>?", (d, who, room.id)).fetchone()
    if elsewhere:
        raise RoomsError("person twice", message_ru=f"{who} уже назначен(а) в аудиторию «{elsewhere[0]}» на "
                         f"{schedule.ru_date(d)}.", remedy_ru="Один человек - одна аудитория в день.")
    with store.tx():
        store.conn.execute("INSERT OR IGNORE INTO room_staff(room_id, day, role, person) VALUES(?, ?, ?, ?)",
                           (room.id, d, role.value, who))


def remove_staff(store: SchoolStore, room_name: str, day: str, person: str) -> int:
    room = get_room(store, room_name)
    d = schedule.parse_date(day, "День").isoformat()
    with store.tx():
        cur = store.conn.execute("DELETE FROM room_staff WHERE room_id=? AND day=? AND person=?",
                                 (room.id, d, clean_text(person)))
    return cur.rowcount


def staff_on(store: SchoolStore, room: Room, day: str) -> dict[StaffRole, tuple[str, ...]]:
    out: dict[StaffRole, list[str]] = {r: [] for r in StaffRole}
    for role, person in store.conn.execute("SELECT role, person FROM room_staff WHERE room_id=? AND day=? ORDER BY id",
                                           (room.id, day)):
        out[StaffRole(role)].append(person)
    return {r: tuple(p) for r, p in out.items()}


def placements(store: SchoolStore, subject: Subject) -> dict[str, str]:
    """{class: room name} for a subject."""
    return {r[0]: r[1] for r in store.conn.execute(
        "SELECT c.class_name, r.name FROM room_classes c JOIN rooms r ON r.id = c.room_id WHERE c.subject_id=?",
        (subject.id,))}


def room_sheet(store: SchoolStore, room_name: str, subject: Subject, day: str | None = None,
               key: VaultKey | None = None) -> RoomSheet:
    """What the organizer needs in the room: adults, classes, and every participant by
    code (names only with ``key``) with their station and round. ``day`` defaults to
    the work date; a reserve day lists only that day's participants. Raises RoomsError,
    ScheduleError."""
    room = get_room(store, room_name)
    item = schedule.get_item(store, subject.id)
    d = schedule.parse_date(day, "День") if day else (item.work_date if item else None)
    reserve = bool(item and d in item.reserve_dates)
    classes = sorted((c for c, r in placements(store, subject).items() if r == room.name), key=class_sort_key)
    if not classes:
        raise RoomsError("no classes", message_ru=f"В аудитории «{room.name}» нет классов по предмету "
                         f"«{subject.title}».", remedy_ru=f"Разместите класс: vpr-node rooms place --subject "
                         f"{subject.id} --class 8А --room «{room.name}».")
    status = {r.code: r for r in results.list_results(store, subject)}
    wanted = set(results.reserve_codes(store, subject, d.isoformat())) if reserve and d else None
    names = {}
    if key is not None:
        by_id = protocol.read_names(store, key)
        names = {c.code: by_id.get(c.participant_id, "") for c in codes.active_codes(store)}
    people = []
    for cls in classes:
        for c in codes.active_codes(store, cls):
            if wanted is not None and c.code not in wanted:
                continue
            r = status.get(c.code)
            absent = bool(r and r.status is results.ResultStatus.ABSENT and not reserve)
            people.append((c.code, cls, absent))
    seats = []
    present = [p for p in people if not p[2]]
    k = len(room.stations)
    for i, (code, cls, _) in enumerate(present):
        seats.append(Seat(i + 1, code, cls, room.stations[i % k] if k else "", i // k + 1 if k else 0, False,
                          names.get(code, "")))
    for code, cls, _ in (p for p in people if p[2]):
        seats.append(Seat(len(seats) + 1, code, cls, "", 0, True, names.get(code, "")))
    staff = staff_on(store, room, d.isoformat()) if d else {r: () for r in StaffRole}
    return RoomSheet(room, subject.title, d, tuple(classes), staff, tuple(seats), reserve)
