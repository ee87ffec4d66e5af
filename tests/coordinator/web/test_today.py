"""«Сегодня» in a real browser: a station's state change reaches the open page by
itself within 2 seconds; the station card shows the participant code, never a name."""

from __future__ import annotations

import time

from sync.protocol import Activity
from tests.coordinator.web.browser import Visit
from tests.coordinator.web.conftest import COORD
from tests.sync.harness import pair_station


def test_live_station_state_appears_on_its_own(console_node, browser, tmp_path):
    station = pair_station(console_node, tmp_path / "st", name="Кабинет 12, ПК 3")
    client = station.client()
    client.heartbeat({"status": "pass", "summary": "готова", "checks": []}, {"activity": Activity.READY})
    visit = Visit(browser, console_node.url)
    try:
        page = visit.login(*COORD)
        card = page.locator(".station", has_text="Кабинет 12, ПК 3")
        card.wait_for(timeout=5000)
        assert "готова" in card.inner_text()
        visit.shot("today_ready")
        t0 = time.monotonic()
        client.heartbeat({"status": "pass", "summary": "готова", "checks": []},
                         {"activity": Activity.IN_TASK, "task": 3, "tasks": 6, "remaining_s": 75, "code": "48213"})
        page.locator(".station", has_text="48213").wait_for(timeout=4000)
        shown_after = time.monotonic() - t0
        text = page.locator(".station", has_text="Кабинет 12, ПК 3").inner_text()
        assert "идёт работа" in text and "задание 3 из 6" in text and "осталось 1:1" in text
        assert shown_after <= 2.5, shown_after  # polled every 1.5 s; a little slack for a busy CI machine
        visit.shot("today_in_task")
        client.heartbeat({"status": "fail", "summary": "микрофон не работает",
                          "checks": [{"status": "fail", "remedy_ru": "Подключите гарнитуру заново."}]},
                         {"activity": Activity.FAULT, "fault": "Микрофон перестал работать", "code": "48213"})
        page.locator(".station", has_text="нужна помощь").wait_for(timeout=4000)
        text = page.locator(".station", has_text="Кабинет 12, ПК 3").inner_text()
        assert "Микрофон перестал работать" in text and "не готова" in text
        assert visit.foreign_requests() == [] and not visit.console_errors
    finally:
        visit.close()
        client.close()
