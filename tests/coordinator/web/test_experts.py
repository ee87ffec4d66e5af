"""Expert scoring in a real browser against a real node: the lead expert makes the
qualification set, an expert qualifies, plays a response (the audio element's time
advances, its duration is the recording's) and scores it by keyboard; a second expert
double-marks it outside tolerance; the lead expert adjudicates; the final score is in
the results export. Everything the experts' browsers received is searched for every
participant code, class, station and date: nothing."""

from __future__ import annotations

import re
import sys

import pytest
from openpyxl import load_workbook

from coordinator.scoring import flow, responses, settings, work
from coordinator.scoring.store import ScoringStore
from coordinator.school.store import SchoolStore
from tests.coordinator.scoring.world import make_world
from tests.coordinator.web.browser import Visit
from tests.sync.harness import NodeProcess, run_node_cli

USERS = {"anna": "expert", "boris": "expert", "lena": "lead_expert"}


def _password(login: str) -> str:
    return f"пароль-{login}-2026"


@pytest.fixture(scope="module")
def scoring_node(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("experts")
    world = make_world(tmp, participants=6, silent_codes=1)
    responses.prepare(world.scoring, world.node, "eng8")
    settings.update(world.scoring, "eng8", double_share=1.0)
    import io
    for login, role in USERS.items():
        stdin, sys.stdin = sys.stdin, io.StringIO(_password(login) + "\n")
        try:
            rc, _, err = run_node_cli("users", "add", "--role", role, "--login", login, "--password-stdin",
                                      "--data", str(world.data))
        finally:
            sys.stdin = stdin
        assert rc == 0, err
    node = NodeProcess(world.data).start()
    yield node, world
    node.stop()


class Recorder:
    """Everything one browser context received: URL, headers and body of each answer."""

    def __init__(self, visit: Visit) -> None:
        self.items: list[tuple[str, bytes]] = []
        visit.page.on("response", self._keep)

    def _keep(self, response) -> None:
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - a redirect has no body
            body = b""
        head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.items.append((response.url, head.encode() + b"\n" + body))


def _press_points(page, points: int) -> None:
    """Give every criterion ``points``, or its maximum when that is lower, with the
    keyboard (a digit above a criterion's maximum is ignored by the page)."""
    page.locator("body").click(position={"x": 5, "y": 5})
    for group in page.locator(".criterion").all():
        top = max(int(i.get_attribute("value")) for i in group.locator("input[type=radio]").all())
        page.keyboard.press(str(min(points, top)))


def _score_by_keys(page, points: int) -> str:
    """Give ``points`` to every criterion (at most its maximum) with the keyboard and
    submit with Enter; returns the id of the response that was scored."""
    rid = page.input_value("input[name=response_id]")
    _press_points(page, points)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    return rid


def _qualify(visit: Visit, points: int) -> None:
    page = visit.go("/experts")
    assert "пройдите квалификацию" in page.inner_text("main")
    page.click("text=Начать квалификацию")
    page.wait_for_load_state("networkidle")
    while page.locator("input[name=response_id]").count():
        _score_by_keys(page, points)
    assert "Квалификация пройдена" in page.inner_text("main")


def test_blind_double_marked_scoring_from_qualification_to_the_results_form(scoring_node, browser, tmp_path):
    node, world = scoring_node
    store = ScoringStore(world.data)
    lead = Visit(browser, node.url)
    anna, boris = Visit(browser, node.url), Visit(browser, node.url)
    seen = {"anna": Recorder(anna), "boris": Recorder(boris)}
    try:
        # the lead expert makes one qualification response per task, definitive score 2
        lead.login("lena", _password("lena"))
        for task in ("2", "3"):
            page = lead.go(f"/experts/eng8/task/{task}")
            page.select_option("#definitive", "qualification")
            _score_by_keys(page, 2)
        assert len(work.qualification_set(store, "eng8")) == 2

        # anna qualifies by keyboard, then plays and scores a live response
        anna.login("anna", _password("anna"))
        _qualify(anna, 2)
        page = anna.go("/experts/eng8/task/3")
        rid = page.input_value("input[name=response_id]")
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press(" ")
        for _ in range(100):  # (wait_for_function evaluates a string: the page's CSP refuses that)
            if page.evaluate("() => document.getElementById('answer-audio').currentTime") > 1.0:
                break
            page.wait_for_timeout(100)
        assert page.evaluate("() => document.getElementById('answer-audio').currentTime") > 1.0
        duration = page.evaluate("document.getElementById('answer-audio').duration")
        recorded = store.one("SELECT duration_s FROM responses WHERE id=?", (rid,))["duration_s"]
        assert abs(duration - recorded) < 0.1
        page.keyboard.press(" ")  # pause
        anna.shot("expert_scoring")
        assert _score_by_keys(page, 7) == rid
        assert page.input_value("input[name=response_id]") != rid  # the next one opened by itself

        # boris qualifies, gets anna's response as its second reading, scores it far lower
        boris.login("boris", _password("boris"))
        _qualify(boris, 2)
        page = boris.go("/experts/eng8/task/3")
        assert page.input_value("input[name=response_id]") == rid and page.input_value("input[name=purpose]") == "second"
        _score_by_keys(page, 0)
        assert rid in work.adjudication_queue(store, "eng8")

        # the lead expert sees both readings and decides
        page = lead.go("/experts/lead/eng8")
        lead.shot("lead_page")
        page.click(f"a[href='/experts/lead/eng8/response/{rid}']")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("main")
        assert "anna" in text and "boris" in text
        lead.shot("lead_decision")
        _press_points(page, 5)  # the photo task's criteria: 3 + 1 + 1
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")
        final = store.one("SELECT total, source FROM finals WHERE response_id=?", (rid,))
        assert (final["total"], final["source"]) == (5, "lead")

        # the participant's other oral task gets its final too, then the results form has the row
        code = store.one("SELECT participant_code FROM responses WHERE id=?", (rid,))[0]
        other = store.one("SELECT id FROM responses WHERE participant_code=? AND task_number='2'", (code,))[0]
        if not store.one("SELECT 1 FROM finals WHERE response_id=?", (other,)):
            work.set_definitive(store, "eng8", "lena", other, {"К1": 1}, work.Set.PRACTICE)
        with SchoolStore(world.data) as school:
            flow.to_results(store, school, "eng8", {code})
        out = tmp_path / "results.xlsx"
        rc, _, err = run_node_cli("results", "export", str(out), "--subject", "eng8", "--data", str(world.data))
        assert rc == 0, err
        rows = [r for r in load_workbook(out).active.iter_rows(values_only=True) if code in [str(c) for c in r]]
        assert rows and 5 in rows[0]  # task 3's final score in the participant's row

        # blind: nothing an expert's browser received names a participant, class, station or day
        station = world.node.list_stations()[0]
        needles = [*world.codes, "8А", "8Б", station.station_id, station.name,
                   *[p["package_id"] for p in world.node.list_packages()]]
        for login, rec in seen.items():
            assert rec.items, login
            for url, blob in rec.items:
                for n in needles:
                    assert n.encode() not in blob and n.encode("utf-16-le") not in blob, (login, url, n)
                text = blob.decode("utf-8", "replace")
                assert not re.search(r"20\d\d-\d\d-\d\d|\d\d\.\d\d\.20\d\d", text), (login, url)
        assert anna.foreign_requests() == [] and boris.foreign_requests() == []
    finally:
        for v in (lead, anna, boris):
            v.close()
