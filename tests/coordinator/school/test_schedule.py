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
    assert view["criteria"] == "15.04.2026 14:00 МСК (у вас 15.04.2026 16:00, Asia/Yekaterinburg)"
    assert view["deadline"] == "18.04.2026 23:00 МСК (у вас 19.04.2026 01:00, Asia/Yekaterinburg)"
    assert view["reserve_dates"] == ["2026-04-22"]
    assert schedule.describe(item.deadline_utc, "Europe/Moscow") == "18.04.2026 23:00 МСК"
    assert schedule.describe(item.deadline_utc, "Europe/Kaliningrad") == \
        "18.04.2026 23:00 МСК (у вас 18.04.2026 22:00, Europe/Kaliningrad)"
    assert schedule.describe(item.deadline_utc, "Asia/Kamchatka") == \
        "18.04.2026 23:00 МСК (у вас 19.04.2026 08:00, Asia/Kamchatka)"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def test_warnings_before_and_after_deadline(store, eng8, school, tmp_path):
    settings.set_info(store, tz="Asia/Novosibirsk")
    schedule.set_item(store, "eng8", "2026-04-15")
    assert schedule.warnings(store, _at("2026-04-12T12:00:00+03:00")) == []
    w = schedule.warnings(store, _at("2026-04-13T12:00:00+03:00"))
    assert [(x.level, x.message_ru) for x in w] == [(schedule.WarningLevel.INFO,
        "ВПР 2026 Английский язык 8 класс: до окончания загрузки результатов осталось 59 ч 00 мин - "
        "загрузить до 15.04.2026 23:00 МСК (у вас 16.04.2026 03:00, Asia/Novosibirsk).")]
    w = schedule.warnings(store, _at("2026-04-15T20:30:00+03:00"))
    assert w[0].level is schedule.WarningLevel.URGENT and "осталось 2 ч 30 мин" in w[0].message_ru
    w = schedule.warnings(store, _at("2026-04-15T23:00:00+03:00"))
    assert w[0].level is schedule.WarningLevel.OVERDUE
    assert w[0].message_ru == ("ВПР 2026 Английский язык 8 класс: срок загрузки результатов истёк "
                               "(15.04.2026 23:00 МСК (у вас 16.04.2026 03:00, Asia/Novosibirsk)). "
                               "Срочно свяжитесь с муниципальным координатором.")
    # once uploaded, no more warnings
    from coordinator.school import results
    e = results.validate_api_entry(store, eng8, {"code": school[0].code, "variant": 1,
                                                 "points": {t.number: 0 for t in eng8.tasks}})
    results.save_entries(store, eng8, [e], results.Source.API)
    upload.prepare(store, eng8, tmp_path / "up")
    upload.confirm_manual(store, eng8)
    assert schedule.warnings(store, _at("2026-04-15T20:30:00+03:00")) == []


@pytest.mark.parametrize("args, message", [
    (("2026-13-01",), "Дата проведения: «2026-13-01» - не дата."),
    (("2026-04-15", "18.04.2026"), "Дата загрузки результатов: «18.04.2026» - не дата."),
    (("2026-04-15", "2026-04-14"), "Дата загрузки 2026-04-14 раньше даты проведения 2026-04-15."),
    (("2026-04-15", None, ["2026-04-15"]), "Резервный день 2026-04-15 должен быть позже даты проведения 2026-04-15."),
])
def test_bad_dates(store, eng8, args, message):
    with pytest.raises(ScheduleError) as e:
        schedule.set_item(store, "eng8", *args)
    assert e.value.message_ru == message


def test_unknown_zone(store):
    with pytest.raises(ScheduleError) as e:
        settings.set_info(store, tz="Moscow")
    assert e.value.user_text == ("Неизвестный часовой пояс «Moscow». Укажите пояс в формате IANA, например "
                                 "Asia/Yekaterinburg или Europe/Kaliningrad.")
