"""Signing in to the console, in a real browser and over plain HTTPS: sessions, the
CSRF token on every state-changing request, failed-login limits that never lock the
coordinator out from another computer, the audit of every change, no CDN."""

from __future__ import annotations

import http.client
import re
import ssl
import urllib.parse

import requests

from tests.coordinator.web.browser import Visit
from tests.coordinator.web.conftest import COORD


def _post_login(node, login: str, password: str, source: str) -> int:
    """A login from the client address ``source`` (a loopback alias): fetch the form
    (its double-submit token), post it; returns the HTTP status."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", node.port, context=ctx, source_address=(source, 0), timeout=20)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    html = resp.read().decode()
    cookie = resp.getheader("set-cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                       "Cookie": cookie})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def _session(node) -> tuple[requests.Session, str]:
    """A signed-in ``requests`` session and its CSRF token (read from the page)."""
    s = requests.Session()
    s.verify = False
    s.trust_env = False  # else a CA bundle named in the environment overrides verify=False
    page = s.get(node.url + "/login", timeout=20).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = s.post(node.url + "/login", data={"login": COORD[0], "password": COORD[1], "csrf_token": token},
               timeout=20, allow_redirects=False)
    assert r.status_code == 303
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', s.get(node.url + "/", timeout=20).text).group(1)
    return s, csrf


def test_login_then_pages_and_logout_in_a_browser(console_node, browser):
    visit = Visit(browser, console_node.url)
    try:
        page = visit.go("/")
        assert page.url.endswith("/login")  # not signed in: the login page
        assert page.locator("input[name=login]").count() == 1 and page.locator("input[name=password]").count() == 1
        visit.shot("login")
        visit.login(COORD[0], "неверный пароль")
        assert "Неверный логин или пароль" in page.content()
        visit.login(*COORD)
        assert page.url.rstrip("/") == console_node.url and "Сегодня" in page.title()
        assert COORD[0] in page.inner_text("header")
        page.click("text=Выйти")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/login")
        assert visit.go("/").url.endswith("/login")  # the session is gone
        assert visit.foreign_requests() == []
    finally:
        visit.close()


def test_state_change_without_csrf_token_is_refused_and_changes_nothing(console_node):
    s, csrf = _session(console_node)
    codes_before = console_node.store().active_pair_codes()
    r = s.post(console_node.url + "/stations/pair-code", timeout=20)
    assert r.status_code == 403 and "Запрос отклонён" in r.text
    r = s.post(console_node.url + "/stations/pair-code", headers={"X-CSRF-Token": "someone-elses-token"}, timeout=20)
    assert r.status_code == 403
    assert console_node.store().active_pair_codes() == codes_before
    r = s.post(console_node.url + "/stations/pair-code", headers={"X-CSRF-Token": csrf}, timeout=20)
    assert r.status_code == 200 and len(console_node.store().active_pair_codes()) == len(codes_before) + 1
    # the login form itself needs its own token
    r = requests.post(console_node.url + "/login", data={"login": COORD[0], "password": COORD[1]}, verify=False,
                      timeout=20, allow_redirects=False)
    assert r.status_code == 403


def test_wrong_passwords_from_one_address_never_lock_out_another(console_node, browser):
    statuses = [_post_login(console_node, COORD[0], f"не тот {i}", "127.0.0.2") for i in range(10)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}  # that computer has to wait
    assert _post_login(console_node, COORD[0], COORD[1], "127.0.0.2") == 429  # even with the right one
    assert _post_login(console_node, COORD[0], COORD[1], "127.0.0.1") == 303  # the coordinator elsewhere: in
    visit = Visit(browser, console_node.url)
    try:
        page = visit.login(*COORD)  # the browser (127.0.0.1) signs in as usual
        assert "Сегодня" in page.title()
    finally:
        visit.close()


def test_every_change_is_in_the_audit_log(console_node):
    s, csrf = _session(console_node)
    s.post(console_node.url + "/stations/pair-code", headers={"X-CSRF-Token": csrf}, timeout=20)
    page = s.get(console_node.url + "/journal", timeout=20).text
    assert "код подключения станции" in page and "вход" in page and COORD[0] in page


def test_api_pages_are_not_served_and_openapi_stays(console_node):
    assert requests.get(console_node.url + "/docs", verify=False, timeout=20).status_code == 404
    assert requests.get(console_node.url + "/redoc", verify=False, timeout=20).status_code == 404
    spec = requests.get(console_node.url + "/openapi.json", verify=False, timeout=20).json()
    assert "/api/v1/uploads/{package_id}" in spec["paths"] and "/login" not in spec["paths"]


def test_console_pages_carry_no_cache_and_a_strict_policy(console_node):
    s, _ = _session(console_node)
    r = s.get(console_node.url + "/", timeout=20)
    assert r.headers["Cache-Control"] == "no-store" and "default-src 'self'" in r.headers["Content-Security-Policy"]
    cookie = next(c for c in s.cookies if c.name == "vpr_console")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
