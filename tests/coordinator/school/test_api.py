"""The school router on a real uvicorn server: station-facing endpoints carry codes
only; names and results need a coordinator session opened with the passphrase."""

from __future__ import annotations

import pytest
import requests
from fastapi import FastAPI

from coordinator.school.api import SESSION_HEADER, school_router
from tests.coordinator.school.conftest import NAMES, PASSPHRASE, LiveServer


@pytest.fixture()
def server(data_dir, school, store):
    app = FastAPI()
    app.include_router(school_router(data_dir))
    with LiveServer(app) as srv:
        yield srv


@pytest.fixture()
def session(server):
    r = requests.post(f"{server.url}/school/session", json={"passphrase": PASSPHRASE}, timeout=10)
    assert r.status_code == 200
    return {SESSION_HEADER: r.json()["token"]}


def test_station_endpoints_carry_codes_only(server, school):
    r = requests.get(f"{server.url}/school/codes/valid", timeout=10)
    assert r.status_code == 200 and sorted(r.json()["codes"]) == sorted(c.code for c in school)
    r = requests.get(f"{server.url}/school/subjects", timeout=10)
    eng = [s for s in r.json()["subjects"] if s["id"] == "eng8"][0]
    assert eng["title"] == "ВПР 2026 Английский язык 8 класс" and eng["max_total"] == 30
    r = requests.get(f"{server.url}/school/schedule", timeout=10)
    assert r.status_code == 200 and r.json()["items"] == []


def test_name_bearing_endpoints_need_a_session(server):
    for method, path in (("get", "/school/protocol"), ("get", "/school/results/eng8"),
                         ("post", "/school/results/eng8"), ("post", "/school/results/eng8/absent")):
        r = getattr(requests, method)(f"{server.url}{path}", json={}, headers={SESSION_HEADER: "forged"}, timeout=10)
        assert r.status_code == 401, path
        err = r.json()["error"]
        assert err["message_ru"] == "Эти данные доступны только координатору после ввода парольной фразы."
        assert not any(n in r.text for n in NAMES)


def test_wrong_passphrase_and_lockout(server):
    for _ in range(5):
        r = requests.post(f"{server.url}/school/session", json={"passphrase": "не та фраза совсем"}, timeout=10)
        assert r.status_code == 401 and r.json()["error"]["message_ru"] == "Неверная парольная фраза координатора."
    # five wrong in a row: even the right passphrase waits a minute
    r = requests.post(f"{server.url}/school/session", json={"passphrase": PASSPHRASE}, timeout=10)
    assert r.status_code == 429
    assert r.json()["error"]["message_ru"] == "Слишком много неверных попыток ввода парольной фразы."


def test_protocol_with_session(server, session, school):
    r = requests.get(f"{server.url}/school/protocol", headers=session, timeout=10)
    assert r.status_code == 200
    assert sorted(e["name"] for e in r.json()["entries"]) == sorted(NAMES)
    r = requests.get(f"{server.url}/school/protocol", params={"class": "8А"}, headers=session, timeout=10)
    assert len(r.json()["entries"]) == 2
    requests.delete(f"{server.url}/school/session", headers=session, timeout=10)
    assert requests.get(f"{server.url}/school/protocol", headers=session, timeout=10).status_code == 401


def test_results_entry(server, session, school, store):
    from datetime import date, timedelta

    from coordinator.school import schedule
    today = date.today()
    schedule.set_item(store, "eng8", (today - timedelta(days=1)).isoformat(), None,
                      [(today + timedelta(days=7)).isoformat()])
    code = school[0].code
    body = {"code": code, "variant": 2, "points": {"1": 2, "2": "Х", "3": 5, "4": 6, "5": 6, "6": 6}}
    r = requests.post(f"{server.url}/school/results/eng8", json=body, headers=session, timeout=10)
    assert r.status_code == 409  # yesterday's deadline has passed: confirmation needed
    assert r.json()["error"]["warnings"][0].startswith("Срок загрузки результатов истёк")
    r = requests.post(f"{server.url}/school/results/eng8", json=dict(body, confirm=True), headers=session, timeout=10)
    assert r.status_code == 200
    res = r.json()["result"]
    assert (res["code"], res["primary"], res["mark"], res["points"][1]) == (code, 25, 4, None)
    bad = {"code": "00001", "variant": 7, "points": {"1": "много"}}
    r = requests.post(f"{server.url}/school/results/eng8", json=bad, headers=session, timeout=10)
    assert r.status_code == 422
    issues = r.json()["error"]["issues"]
    assert issues[:3] == [
        {"where": "code", "message_ru": "код 00001 не выдавался в этой школе."},
        {"where": "variant", "message_ru": "вариант 7 не входит в допустимые для предмета: 1, 2."},
        {"where": "points.1", "message_ru": "«много» - не число; за задание 1 допустимо 0-2, X или -."},
    ]
    r = requests.post(f"{server.url}/school/results/eng8/absent",
                      json={"codes": [school[1].code, school[2].code], "reason": "болезнь",
                            "reserve_day": (today + timedelta(days=7)).isoformat()},
                      headers=session, timeout=10)
    assert r.status_code == 200 and r.json()["absent"] == [school[1].code, school[2].code]
    r = requests.post(f"{server.url}/school/results/eng8/absent",
                      json={"code": school[3].code, "reason": "болезнь", "reserve_day": "2020-01-01"},
                      headers=session, timeout=10)
    assert r.status_code == 422 and r.json()["error"]["message_ru"].startswith("01.01.2020 нет среди резервных")
    r = requests.get(f"{server.url}/school/results/eng8", headers=session, timeout=10)
    rows = {x["code"]: x for x in r.json()["results"]}
    assert rows[school[1].code]["status"] == "absent" and rows[code]["mark"] == 4
    assert not any(n in r.text for n in NAMES)
    r = requests.get(f"{server.url}/school/results/geo9", headers=session, timeout=10)
    assert r.status_code == 404 and r.json()["error"]["message_ru"] == "Предмет «geo9» не найден."
