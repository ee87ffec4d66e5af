"""The whole day of a paper subject in a real browser, from an empty node with one
coordinator account (made by ``vpr-node users add``): the school and its time zone,
the subject and its dates, the protocol's passphrase, a class list exported from an
electronic journal (CSV in Windows-1251), codes and their slips, an absentee, results
typed in the grid (a wrong cell shown at once) and imported from the filled form, the
upload checklist, the upload recorded, a change after it flagged - no terminal. Every
page is photographed; every request goes to the node."""

from __future__ import annotations

import io
import sys
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from coordinator.school import results
from coordinator.school.store import SchoolStore
from coordinator.school.subjects import get_subject
from tests.coordinator.web.browser import Visit
from tests.sync.harness import NodeProcess, run_node_cli

LOGIN, PASSWORD = "Смирнова", "пароль-координатора-2026"
JOURNAL_CSV = (
    "Список учащихся 8 «А» класса;;;;\n"
    "Выгружено из электронного журнала 01.04.2026;;;;\n"
    "№ п/п;Фамилия;Имя;Отчество;Дата рождения\n"
    "1;Алексеев;Пётр;Иванович;12.03.2012\n"
    "2;Белова;Алёна;Сергеевна;05.11.2011\n"
    "3;Васильев;Семён;Андреевич;21.07.2012\n"
    "4;Ёлкина;Дарья;Олеговна;02.02.2012\n"
    "5;Григорьев;Фёдор;Ильич;30.09.2011\n"
)


@pytest.fixture()
def empty_node(tmp_path):
    data = tmp_path / "node"
    stdin, sys.stdin = sys.stdin, io.StringIO(PASSWORD + "\n")
    try:
        rc, _, err = run_node_cli("users", "add", "--role", "coordinator", "--login", LOGIN, "--password-stdin",
                                  "--data", str(data))
    finally:
        sys.stdin = stdin
    assert rc == 0, err
    node = NodeProcess(data).start()
    yield node, data
    node.stop()


def _say(page) -> str:
    page.wait_for_timeout(300)
    return page.inner_text("#flash")


def test_a_paper_subject_from_nothing_to_uploaded_in_the_browser(empty_node, browser, tmp_path):
    node, data = empty_node
    v = Visit(browser, node.url)
    try:
        v.login(LOGIN, PASSWORD)
        # the school
        page = v.go("/school")
        page.fill("#s-name", "МБОУ «Школа № 7»")
        page.fill("#s-code", "390007")
        page.select_option("#s-tz", "Asia/Yekaterinburg")
        with page.expect_navigation():
            page.click("text=Сохранить >> nth=0")
        assert page.input_value("#s-name") == "МБОУ «Школа № 7»"
        # the subject and its dates: yesterday's work, upload by tomorrow
        page.check("input[name=subject][value=rus8]")
        with page.expect_navigation():
            page.click("text=Сохранить список предметов")
        yesterday, tomorrow = date.today() - timedelta(days=1), date.today() + timedelta(days=1)
        page.fill("input[name=date]", yesterday.isoformat())
        page.fill("input[name=upload_date]", tomorrow.isoformat())
        with page.expect_navigation():
            page.click("form[action='/school/schedule/rus8'] button")
        assert "23:00" in page.inner_text("main") or "МСК" in page.inner_text("main")
        # the protocol's passphrase, then the class list as the journal exported it
        page.fill("#pp1", "вишнёвый сад у старой школы")
        page.fill("#pp2", "вишнёвый сад у старой школы")
        with page.expect_navigation():
            page.click("form[action='/protocol/init'] button")
        csv_file = tmp_path / "8А из журнала.csv"
        csv_file.write_bytes(JOURNAL_CSV.encode("cp1251"))
        page.set_input_files("#c-file", str(csv_file))
        page.click("form[hx-post='/school/classes'] button")
        assert "Загружено учеников: 5" in _say(page)
        v.shot("day_school")
        # codes and their slips
        page = v.go("/codes")
        page.click("text=Выдать коды всем, у кого их нет")
        assert "Выдано новых кодов: 5" in _say(page)
        page = v.go("/codes")
        codes = [c.strip() for c in page.locator("td b").all_inner_texts()]
        assert len(codes) == 5
        slips = page.request.get(node.url + "/codes/slips.pdf")
        assert slips.ok and slips.body().startswith(b"%PDF")
        v.shot("day_codes")
        # an absentee, marked on the protocol page (names shown: the protocol is open)
        page = v.go("/protocol?subject=rus8&class=8А")
        assert "Белова Алёна Сергеевна" in page.inner_text("main")
        page.check(f"input[name=code][value='{codes[0]}']")
        page.click("text=Отметить отсутствующих")
        assert codes[0] in _say(page)
        v.shot("day_protocol")
        # a row typed in the grid: a cell over its maximum is shown at once
        page = v.go("/results?subject=rus8&class=8А")
        cell = page.locator(f"input[form='row-{codes[1]}'][name='p_1']")
        cell.fill("99")
        page.locator(f"input[form='row-{codes[1]}'][name='p_1'] + .err").wait_for(state="visible", timeout=5000)
        page.wait_for_timeout(800)
        assert page.locator(f"input[form='row-{codes[1]}'][name='p_1'] + .err").inner_text().strip()
        cell.fill("5")
        page.locator(f"input[form='row-{codes[1]}'][name='variant']").fill("1")
        for inp in page.locator(f"input[form='row-{codes[1]}'][name^='p_']").all()[1:]:
            inp.fill("1")
        page.click(f"button[form='row-{codes[1]}']")
        assert f"Сохранено: код {codes[1]}" in _say(page)
        v.shot("day_results_grid")
        # the rest from the form to fill (downloaded, filled as a teacher would, uploaded)
        blank = page.request.get(node.url + "/results/rus8/template.xlsx?class=8А")
        wb = load_workbook(io.BytesIO(blank.body()))
        ws = wb.active
        header = next(r for r in range(1, 30) if ws.cell(r, 4).value == "Код участника")
        for r in range(header + 1, ws.max_row + 1):
            code = str(ws.cell(r, 4).value or "")
            if code in codes[2:]:
                ws.cell(r, 6, 2)
                for c in range(7, 7 + 12):
                    ws.cell(r, c, 1)
        filled = tmp_path / "форма заполненная.xlsx"
        wb.save(filled)
        page.set_input_files("#r-file", str(filled))
        page.click("text=Загрузить форму")
        assert "Принято строк: 3" in _say(page)
        # the upload: checklist green, file prepared, upload recorded
        page = v.go("/upload")
        text = page.inner_text("main")
        assert "результатов 4, отсутствуют 1" in text
        page.click("text=Подготовить файл")
        assert "Файл готов" in _say(page)
        form = page.request.get(node.url + "/upload/rus8/file")
        assert form.ok and form.body()[:2] == b"PK"
        page.click("text=Я загрузил этот файл")
        assert "Загрузка отмечена" in _say(page)
        page = v.go("/upload")
        assert "загружено" in page.inner_text("main")
        v.shot("day_upload")
        # a change after the upload is flagged until uploaded again
        page = v.go("/results?subject=rus8&class=8А")
        page.locator(f"input[form='row-{codes[1]}'][name='p_1']").fill("4")
        page.click(f"button[form='row-{codes[1]}']")
        assert "Сохранено" in _say(page)
        page = v.go("/upload")
        assert "изменено после загрузки" in page.inner_text("main")
        v.shot("day_upload_changed")
        journal = v.go("/journal").inner_text("main")
        for action in ("сведения о школе", "список класса загружен", "коды выданы", "отмечены отсутствующие",
                       "результат внесён", "форма результатов загружена", "загрузка в ФИС ОКО отмечена"):
            assert action in journal, action
        assert v.foreign_requests() == [] and not v.console_errors, v.console_errors
    finally:
        v.close()
    with SchoolStore(data) as school:
        rows = results.list_results(school, get_subject(school, "rus8"))
    assert sorted((r.status.value for r in rows)) == ["absent", "done", "done", "done", "done"]
