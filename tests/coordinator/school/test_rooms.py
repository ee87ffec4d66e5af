"""Rooms and people (issue 21): rooms with seats and stations, classes placed per
subject, organizers / observers / technicians per room and day, and the printable
room sheet with stations in rounds - codes only unless the coordinator unlocks names."""

from __future__ import annotations

from datetime import datetime

import pytest

from coordinator.school import codes, results, roster, rooms, schedule
from coordinator.school.errors import RoomsError
from coordinator.school.pdf_rooms import write_room_sheet
from tests.coordinator.school.conftest import NAMES
from tests.coordinator.school.test_pdf import pdf_text, render_png


@pytest.fixture()
def planned(store, eng8, school):
    roster.add_counts(store, {"8В": 9})
    codes.generate(store)
    schedule.set_item(store, "eng8", "2026-04-15", None, ["2026-04-22"])
    return eng8


def test_rooms_places_and_capacity(store, planned):
    rooms.save_room(store, "12", 10)
    rooms.save_room(store, "Кабинет информатики", 12, ["ПК-1", "ПК-2", "ПК-3", "ПК-4"])
    assert [(r.name, r.capacity, r.stations) for r in rooms.list_rooms(store)] == [
        ("12", 10, ()), ("Кабинет информатики", 12, ("ПК-1", "ПК-2", "ПК-3", "ПК-4"))]
    assert rooms.place_class(store, planned, "8А", "12") == 2
    assert rooms.place_class(store, planned, "8Б", "12") == 5
    with pytest.raises(RoomsError) as e:
        rooms.place_class(store, planned, "8В", "12")
    assert e.value.user_text == ("В аудитории «12» 10 мест, а участников будет 14 (класс 8В и 8А, 8Б). Разместите "
                                 "класс в другой аудитории или разделите классы по аудиториям.")
    # a computer room: participants take the stations in turns, seats do not limit them
    assert rooms.place_class(store, planned, "8В", "Кабинет информатики") == 9
    assert rooms.placements(store, planned) == {"8А": "12", "8Б": "12", "8В": "Кабинет информатики"}
    with pytest.raises(RoomsError) as e:
        rooms.remove_room(store, "12")
    assert e.value.message_ru == "В аудитории «12» размещены классы: 8А, 8Б."
    with pytest.raises(RoomsError) as e:
        rooms.save_room(store, "13", 2, ["ПК-1", "ПК-2", "ПК-3"])
    assert e.value.message_ru == "Станций (3) больше, чем мест (2)."


def test_staff_per_room_and_day(store, planned):
    rooms.save_room(store, "12", 30)
    rooms.save_room(store, "14", 30)
    rooms.assign_staff(store, "12", "15.04.2026", rooms.StaffRole.ORGANIZER, "Смирнова  Ольга Ивановна")
    rooms.assign_staff(store, "12", "2026-04-15", rooms.StaffRole.OBSERVER, "Кузьмин Олег Петрович")
    with pytest.raises(RoomsError) as e:
        rooms.assign_staff(store, "14", "15.04.2026", rooms.StaffRole.ORGANIZER, "Смирнова Ольга Ивановна")
    assert e.value.user_text == ("Смирнова Ольга Ивановна уже назначен(а) в аудиторию «12» на 15.04.2026. Один "
                                 "человек - одна аудитория в день.")
    rooms.assign_staff(store, "14", "16.04.2026", rooms.StaffRole.ORGANIZER, "Смирнова Ольга Ивановна")
    staff = rooms.staff_on(store, rooms.get_room(store, "12"), "2026-04-15")
    assert staff[rooms.StaffRole.ORGANIZER] == ("Смирнова Ольга Ивановна",)
    assert staff[rooms.StaffRole.OBSERVER] == ("Кузьмин Олег Петрович",)
    with pytest.raises(RoomsError) as e:
        rooms.assign_staff(store, "99", "15.04.2026", rooms.StaffRole.ORGANIZER, "Кто-то")
    assert e.value.message_ru == "Аудитория «99» не найдена."


def test_room_sheet_with_stations_rounds_and_absentees(store, planned, key, tmp_path):
    rooms.save_room(store, "Кабинет информатики", 12, ["ПК-1", "ПК-2", "ПК-3", "ПК-4"])
    rooms.place_class(store, planned, "8Б", "Кабинет информатики")
    rooms.place_class(store, planned, "8В", "Кабинет информатики")
    rooms.assign_staff(store, "Кабинет информатики", "15.04.2026", rooms.StaffRole.ORGANIZER, "Смирнова Ольга Ивановна")
    rooms.assign_staff(store, "Кабинет информатики", "15.04.2026", rooms.StaffRole.TECHNICIAN, "Иванов Пётр Сергеевич")
    absent = codes.active_codes(store, "8В")[0].code
    results.mark_absent(store, planned, absent, "болезнь", "2026-04-22",
                        now_utc=datetime.fromisoformat("2026-04-15T06:00:00+00:00"))
    sheet = rooms.room_sheet(store, "Кабинет информатики", planned)
    assert sheet.classes == ("8Б", "8В") and sheet.day.isoformat() == "2026-04-15" and not sheet.reserve_day
    present = [s for s in sheet.seats if not s.absent]
    assert len(present) == 11 and [s.code for s in sheet.seats if s.absent] == [absent]
    assert [(s.station, s.round) for s in present[:6]] == [("ПК-1", 1), ("ПК-2", 1), ("ПК-3", 1), ("ПК-4", 1),
                                                            ("ПК-1", 2), ("ПК-2", 2)]
    assert present[-1].round == 3 and all(s.name == "" for s in sheet.seats)
    out = tmp_path / "room.pdf"
    write_room_sheet(out, sheet, "МАОУ СОШ №4")
    text = pdf_text(out)
    for needle in ("Лист аудитории «Кабинет информатики»", "ВПР 2026 Английский язык 8 класс", "Дата: 15.04.2026",
                   "Организатор в аудитории: Смирнова Ольга Ивановна", "Технический специалист: Иванов Пётр",
                   "Общественный наблюдатель: ______", "ПК-4", f"{absent} (8В)", "Смена"):
        assert needle in text, needle
    assert not any(n in text for n in NAMES)
    assert render_png(out, "room")
    # on the reserve day only that day's participants, same codes
    reserve = rooms.room_sheet(store, "Кабинет информатики", planned, "22.04.2026")
    assert reserve.reserve_day and [s.code for s in reserve.seats] == [absent] and not reserve.seats[0].absent
    # names only with the coordinator's key
    named = rooms.room_sheet(store, "Кабинет информатики", planned, key=key)
    assert {s.name for s in named.seats} <= set(NAMES) | {""} and any(s.name for s in named.seats)


def test_room_sheet_cli(tmp_path, store, planned):
    from tests.coordinator.school.test_cli import run  # the same data folder as ``store``
    rooms.save_room(store, "12", 30)
    sheet = ["rooms", "sheet", str(tmp_path / "s.pdf"), "--room", "12", "--subject", "eng8"]
    p = run(sheet, tmp_path)
    assert p.returncode == 1 and p.stderr.strip() == (
        "Ошибка: В аудитории «12» нет классов по предмету «ВПР 2026 Английский язык 8 класс». Разместите класс: "
        "vpr-node rooms place --subject eng8 --class 8А --room «12».")
    p = run(["rooms", "place", "--subject", "eng8", "--class", "8А", "--room", "12"], tmp_path)
    assert p.stdout.strip() == "Класс 8А пишет «ВПР 2026 Английский язык 8 класс» в аудитории «12» (участников в ней: 2)."
    p = run(["rooms", "staff", "12", "--day", "15.04.2026", "--organizer", "Смирнова Ольга Ивановна"], tmp_path)
    assert p.stdout.strip() == "Аудитория «12», 15.04.2026:\n  организатор в аудитории: Смирнова Ольга Ивановна"
    p = run(sheet, tmp_path)
    assert p.returncode == 0 and p.stdout.strip() == f"Лист аудитории сохранён: {tmp_path / 's.pdf'} (участников: 2)."
