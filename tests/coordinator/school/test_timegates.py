"""Absence, reserve days and time gates (issue 21): results only on or after the day of
the work, a warning that needs confirmation before the criteria are published and
after the deadline, reserve days only from the schedule, absentees in bulk and in the
form, the deadline as a countdown."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from coordinator.school import changes, forms, results, schedule, settings, timegates
from coordinator.school.errors import (
    ConfirmationRequiredError,
    OutsideScheduleError,
    ResultsValidationError,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture()
def planned(store, eng8, school):
    """eng8 on 15.04.2026 (criteria 14:00 МСК), upload until 17.04 23:00 МСК, reserve 22.04;
    the school is in Yekaterinburg (МСК+2)."""
    settings.set_info(store, name="Школа", code="390001", tz="Екатеринбург")
    schedule.set_item(store, "eng8", "2026-04-15", "2026-04-17", ["2026-04-22"])
    return eng8


def entry(eng8, code, pts=1):
    return results.Entry(code, 1, tuple(pts for _ in eng8.tasks))


def test_results_before_the_work_day_are_refused(store, planned, school):
    """Regression (issue 21): results could be entered for dates outside the schedule."""
    # 15.04 01:00 in Yekaterinburg (still 14.04 in Moscow): the day is judged in the school's zone,
    # so this is not refused, only the criteria are not out yet
    with pytest.raises(ConfirmationRequiredError):
        results.record_results(store, planned, [entry(planned, school[0].code)], results.Source.CLI,
                               now_utc=at("2026-04-14T20:00:00+00:00"))
    with pytest.raises(OutsideScheduleError) as e:
        results.record_results(store, planned, [entry(planned, school[0].code)], results.Source.CLI,
                               now_utc=at("2026-04-14T12:00:00+00:00"))
    assert e.value.message_ru == ("Работа «ВПР 2026 Английский язык 8 класс» проводится 15.04.2026; сегодня "
                                  "14.04.2026. Результаты принимаются с дня проведения.")
    assert results.list_results(store, planned) == []


def test_before_criteria_warns_and_needs_confirmation(store, planned, school):
    """Regression (issue 21): results were accepted silently before the criteria (14:00 МСК)."""
    early = at("2026-04-15T09:30:00+00:00")  # 12:30 МСК, 14:30 in Yekaterinburg
    with pytest.raises(ConfirmationRequiredError) as e:
        results.record_results(store, planned, [entry(planned, school[0].code)], results.Source.CLI, now_utc=early)
    assert e.value.warnings == [
        "Критерии оценивания публикуются 15.04.2026 14:00 МСК (у вас 15.04.2026 16:00, время Екатеринбурга), сейчас "
        "15.04.2026 14:30 (время Екатеринбурга, МСК+2; в Москве 15.04.2026 12:30). Баллы, выставленные до публикации "
        "критериев, могут оказаться неверными."]
    assert e.value.user_text.endswith("\nЕсли всё верно, повторите команду с параметром --confirm.")
    rec = results.record_results(store, planned, [entry(planned, school[0].code)], results.Source.CLI,
                                 now_utc=early, confirmed=True)
    assert rec.stored == 1 and rec.warnings == tuple(e.value.warnings)
    rec = results.record_results(store, planned, [entry(planned, school[1].code)], results.Source.CLI,
                                 now_utc=at("2026-04-15T11:00:00+00:00"))  # 14:00 МСК: published
    assert rec.warnings == ()


def test_after_deadline_needs_confirmation(store, planned, school):
    late = at("2026-04-17T20:01:00+00:00")  # 23:01 МСК on the upload day
    with pytest.raises(ConfirmationRequiredError) as e:
        results.record_results(store, planned, [entry(planned, school[0].code)], results.Source.CLI, now_utc=late)
    assert e.value.warnings[0].startswith("Срок загрузки результатов истёк 17.04.2026 23:00 МСК (у вас 18.04.2026 "
                                          "01:00, время Екатеринбурга).")


def test_reserve_day_participant_only_on_or_after_that_day(store, planned, school):
    code = school[2].code
    results.mark_absent(store, planned, code, "болезнь", "22.04.2026", now_utc=at("2026-04-15T06:00:00+00:00"))
    with pytest.raises(OutsideScheduleError) as e:
        results.record_results(store, planned, [entry(planned, code)], results.Source.CLI,
                               now_utc=at("2026-04-16T06:00:00+00:00"))
    assert e.value.message_ru == (f"Код {code} пишет работу в резервный день 22.04.2026: его результаты принимаются "
                                  "с этого дня.")
    # on the reserve day: accepted without a criteria warning (published on the main day), and the
    # reserve-day deadline (23:00 МСК of that day) is later than the subject's
    rec = results.record_results(store, planned, [entry(planned, code, 2)], results.Source.CLI,
                                 now_utc=at("2026-04-22T10:00:00+00:00"))
    assert rec.warnings == ()
    row = {r.code: r for r in results.list_results(store, planned)}[code]
    assert row.status is results.ResultStatus.DONE and row.reserve_date == "2026-04-22"
    assert results.reserve_codes(store, planned, "2026-04-22") == [code]


def test_reserve_day_must_be_in_the_schedule_and_not_past(store, planned, school):
    with pytest.raises(OutsideScheduleError) as e:
        results.mark_absent(store, planned, school[0].code, "болезнь", "23.04.2026",
                            now_utc=at("2026-04-15T06:00:00+00:00"))
    assert e.value.user_text == ("23.04.2026 нет среди резервных дней по предмету «ВПР 2026 Английский язык 8 класс» "
                                 "(резервные дни: 22.04.2026). Добавьте резервный день в расписание: vpr-node "
                                 "schedule set --subject eng8 --date ДАТА --reserve 23.04.2026.")
    with pytest.raises(OutsideScheduleError) as e:
        results.mark_absent(store, planned, school[0].code, "болезнь", "22.04.2026",
                            now_utc=at("2026-04-23T06:00:00+00:00"))
    assert e.value.message_ru == "Резервный день 22.04.2026 уже прошёл."


def test_absent_in_bulk(store, planned, school):
    """Regression (issue 21): absence needed one command per absentee."""
    now = at("2026-04-15T12:00:00+00:00")
    codes = [school[0].code, f"{school[1].code[:2]} {school[1].code[2:]}"]
    assert results.mark_absent_many(store, planned, codes, "болезнь", "2026-04-22", now_utc=now) == \
        [school[0].code, school[1].code]
    with pytest.raises(ResultsValidationError) as e:
        results.mark_absent_many(store, planned, [school[2].code, "1234", school[2].code], "болезнь", None)
    assert [i.text for i in e.value.issues] == ["codes[2]: «1234» - код участника должен состоять из 5 цифр.",
                                                f"codes[3]: код {school[2].code} указан дважды."]
    # marking absent a participant with results needs confirmation
    results.record_results(store, planned, [entry(planned, school[3].code)], results.Source.CLI, now_utc=now)
    with pytest.raises(ConfirmationRequiredError):
        results.mark_absent_many(store, planned, [school[3].code], "ошибка", None, now_utc=now)


def test_absentees_marked_in_the_form(store, key, planned, school, tmp_path):
    now = at("2026-04-15T12:00:00+00:00")
    results.mark_absent(store, planned, school[4].code, "болезнь", None, now_utc=now)
    t = tmp_path / "t.xlsx"
    assert forms.write_template(store, planned, t, key=key) == 5
    wb = load_workbook(t)
    ws = wb.active
    rows = {ws.cell(r, 4).value: r for r in range(9, 14)}
    assert ws.cell(rows[school[4].code], 6).value == "отсутствовал"  # known absentee pre-marked
    for c in school[:3]:
        ws.cell(rows[c.code], 6, 1)
        for j in range(6):
            ws.cell(rows[c.code], 7 + j, 1)
    ws.cell(rows[school[3].code], 6, "отс")
    wb.save(tmp_path / "f.xlsx")
    rep = forms.import_form(store, planned, tmp_path / "f.xlsx", now_utc=now)
    assert (rep.stored, rep.absent_marked, rep.unfilled_rows) == (3, 1, 0)
    got = {r.code: r for r in results.list_results(store, planned)}
    assert got[school[3].code].status is results.ResultStatus.ABSENT
    assert got[school[3].code].absent_reason == "отмечено в форме результатов"
    assert got[school[4].code].absent_reason == "болезнь"  # kept
    ws.cell(rows[school[3].code], 7, 2)  # absent and points in one row
    wb.save(tmp_path / "g.xlsx")
    with pytest.raises(ResultsValidationError) as e:
        forms.import_form(store, planned, tmp_path / "g.xlsx", now_utc=now)
    assert [i.text for i in e.value.issues] == [
        f"Ячейка G{rows[school[3].code]}: в строке отмечено отсутствие, а баллы указаны: оставьте одно из двух."]


def test_template_for_a_reserve_day(store, key, planned, school, tmp_path):
    results.mark_absent_many(store, planned, [school[1].code, school[3].code], "болезнь", "2026-04-22",
                             now_utc=at("2026-04-15T12:00:00+00:00"))
    assert forms.write_template(store, planned, tmp_path / "r.xlsx", reserve_day="22.04.2026", key=key) == 2
    ws = load_workbook(tmp_path / "r.xlsx").active
    assert sorted(ws.cell(r, 4).value for r in (9, 10)) == sorted([school[1].code, school[3].code])
    assert ws.cell(9, 6).value is None  # to fill on the reserve day


def test_countdown_and_upload_state(store, planned, school, tmp_path):
    now = at("2026-04-17T15:00:00+00:00")  # 18:00 МСК on the upload day
    (c,) = timegates.countdowns(store, now)
    assert c.text_ru == ("ВПР 2026 Английский язык 8 класс: не загружено; до конца загрузки 5 ч 00 мин (до 17.04.2026 "
                         "23:00 МСК (у вас 18.04.2026 01:00, время Екатеринбурга)).")
    assert c.upload.state is changes.UploadState.NOT_UPLOADED
    (c,) = timegates.countdowns(store, at("2026-04-18T15:00:00+00:00"))
    assert c.text_ru.endswith("срок загрузки истёк 17.04.2026 23:00 МСК (у вас 18.04.2026 01:00, время "
                              "Екатеринбурга) - результаты не загружены.")


def test_no_schedule_is_said_not_refused(store, eng8, school):
    rec = results.record_results(store, eng8, [entry(eng8, school[0].code)], results.Source.CLI)
    assert rec.warnings == ("Даты по предмету «ВПР 2026 Английский язык 8 класс» не заданы - сроки не проверяются. "
                            "Задайте их: vpr-node schedule set --subject eng8 --date ДАТА.",)
