"""Schedule: stored in UTC, Moscow criteria/deadline times, the school's local time,
warnings before the deadline."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from coordinator.school import schedule, settings, upload
from coordinator.school.errors import ScheduleError


def test_stored_in_utc_and_shown_in_local_time(store, eng8):
    settings.set_info(store, tz="Asia/Yekaterinburg")
    item = schedule.set_item(store, "eng8", "2026-04-15", "2026-04-18", ["2026-04-22"])
    row = store.conn.execute("SELECT criteria_utc, deadline_utc FROM schedule").fetchone()
    assert tuple(row) == ("2026-04-15T11:00:00+00:00", "2026-04-18T20:00:00+00:00")
    view = schedule.item_view(item, "Asia/Yekaterinburg")
    assert view["criteria"] == "15.04.2026 14:00 МСК (у вас 15.04.2026 16:00, время Екатеринбурга)"
    assert view["deadline"] == "18.04.2026 23:00 МСК (у вас 19.04.2026 01:00, время Екатеринбурга)"
    assert view["reserve_dates"] == ["2026-04-22"] and view["reserve_dates_ru"] == ["22.04.2026"]
    assert schedule.describe(item.deadline_utc, "Europe/Moscow") == "18.04.2026 23:00 МСК"
    assert schedule.describe(item.deadline_utc, "Europe/Kaliningrad") == \
        "18.04.2026 23:00 МСК (у вас 18.04.2026 22:00, время Калининграда)"
    assert schedule.describe(item.deadline_utc, "Asia/Kamchatka") == \
        "18.04.2026 23:00 МСК (у вас 19.04.2026 08:00, время Петропавловска-Камчатского)"


def test_zones_by_city_or_offset_and_said_in_russian(store):
    """Regression (issue 21): the zone was asked and shown as an IANA name, times as
    UTC ISO strings."""
    from coordinator.school import timefmt
    assert settings.set_info(store, tz="Екатеринбург").tz == "Asia/Yekaterinburg"
    assert settings.set_info(store, tz="мск+4").tz == "Asia/Krasnoyarsk"
    assert settings.set_info(store, tz="Europe/Kaliningrad").tz == "Europe/Kaliningrad"
    assert timefmt.zone_title("Asia/Yekaterinburg") == "Екатеринбург (МСК+2)"
    assert timefmt.zone_label("Europe/Moscow") == "московское время"
    at = _at("2026-04-15T10:05:00+00:00")
    assert timefmt.local_and_moscow(at, "Asia/Novosibirsk") == \
        "15.04.2026 17:05 (время Новосибирска, МСК+4; в Москве 15.04.2026 13:05)"
    assert timefmt.local_and_moscow(at, "Europe/Moscow") == "15.04.2026 13:05 МСК"
    assert timefmt.local("2026-04-15T10:05:00+00:00", "Asia/Omsk") == "15.04.2026 16:05"
    assert timefmt.countdown(_at("2026-04-16T10:00:00+00:00") - at) == "23 ч 55 мин"
    assert timefmt.countdown(_at("2026-04-19T12:00:00+00:00") - at) == "4 дн 1 ч"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_warnings_before_and_after_deadline(store, key, eng8, school, tmp_path):
    settings.set_info(store, tz="Asia/Novosibirsk")
    schedule.set_item(store, "eng8", "2026-04-15")
    assert schedule.warnings(store, _at("2026-04-12T12:00:00+03:00")) == []
    w = schedule.warnings(store, _at("2026-04-13T12:00:00+03:00"))
    assert [(x.level, x.message_ru) for x in w] == [(schedule.WarningLevel.INFO,
        "ВПР 2026 Английский язык 8 класс: загрузите результаты до 15.04.2026 23:00 МСК (у вас 16.04.2026 03:00, "
        "время Новосибирска) - осталось 2 дн 11 ч.")]
    w = schedule.warnings(store, _at("2026-04-15T20:30:00+03:00"))
    assert w[0].level is schedule.WarningLevel.URGENT and "осталось 2 ч 30 мин" in w[0].message_ru
    w = schedule.warnings(store, _at("2026-04-15T23:00:00+03:00"))
    assert w[0].level is schedule.WarningLevel.OVERDUE
    assert w[0].message_ru == ("ВПР 2026 Английский язык 8 класс: срок загрузки результатов истёк "
                               "(15.04.2026 23:00 МСК (у вас 16.04.2026 03:00, время Новосибирска)). "
                               "Срочно свяжитесь с муниципальным координатором.")
    # once uploaded, no more warnings
    from coordinator.school import results
    e = results.validate_api_entry(store, eng8, {"code": school[0].code, "variant": 1,
                                                 "points": {t.number: 0 for t in eng8.tasks}})
    results.save_entries(store, eng8, [e], results.Source.API)
    upload.prepare(store, eng8, tmp_path / "up", key=key)
    upload.confirm_manual(store, eng8)
    assert schedule.warnings(store, _at("2026-04-15T20:30:00+03:00")) == []
    # changed after the upload: asked to upload again, whatever the time left
    e = results.validate_api_entry(store, eng8, {"code": school[0].code, "variant": 2,
                                                 "points": {t.number: 0 for t in eng8.tasks}})
    results.save_entries(store, eng8, [e], results.Source.API)
    w = schedule.warnings(store, _at("2026-04-13T12:00:00+03:00"))
    assert [(x.level, x.message_ru) for x in w] == [(schedule.WarningLevel.URGENT,
        "ВПР 2026 Английский язык 8 класс: загрузите результаты ещё раз (результаты изменены после загрузки) до "
        "15.04.2026 23:00 МСК (у вас 16.04.2026 03:00, время Новосибирска) - осталось 2 дн 11 ч.")]


@pytest.mark.parametrize("args, message", [
    (("2026-13-01",), "Дата проведения: «2026-13-01» - не дата."),
    (("2026-04-15", "18/04/2026"), "Дата загрузки результатов: «18/04/2026» - не дата."),
    (("2026-04-15", "14.04.2026"), "Дата загрузки 14.04.2026 раньше даты проведения 15.04.2026."),
    (("15.04.2026", None, ["2026-04-15"]), "Резервный день 15.04.2026 должен быть позже даты проведения 15.04.2026."),
])
def test_bad_dates(store, eng8, args, message):
    with pytest.raises(ScheduleError) as e:
        schedule.set_item(store, "eng8", *args)
    assert e.value.message_ru == message


def test_unknown_zone(store):
    with pytest.raises(ScheduleError) as e:
        settings.set_info(store, tz="UTC+5")
    assert e.value.user_text == ("Неизвестный часовой пояс «UTC+5». Укажите город (например: Екатеринбург, "
                                 "Новосибирск, Калининград) или разницу с Москвой (например: МСК+2).")
