"""Nobody in without credentials: every operation of the node's OpenAPI document and
every other route of the app (the console's pages are not in the document) is called
on a real node (uvicorn, TLS, SQLite in a subprocess) without credentials; only the
explicit allow-lists below may answer. A new route is refused by default or fails
here until it is added to an allow-list on purpose."""

from __future__ import annotations

import re

import pytest
import requests

from coordinator.app import create_app

#: Station API operations anyone on the LAN may call (docs/sync-protocol.md, section 3).
PUBLIC_API = {("GET", "/api/v1/time"), ("POST", "/api/v1/pair")}
#: Console routes a person without a session may reach: the login form and its post,
#: the vendored static files, the benchmark's cheapest answer, the API document.
PUBLIC_ROUTES = {("GET", "/login"), ("POST", "/login"), ("GET", "/ping"), ("GET", "/openapi.json"),
                 ("HEAD", "/openapi.json")}
PUBLIC_MOUNTS = {"/static"}
#: Bodies that parse for the operations that take one (an unsigned request must be
#: refused for want of credentials, not for its body).
VALID_BODIES = {("PUT", "/api/v1/uploads/{package_id}"): {"size": 1000},
                ("POST", "/api/v1/heartbeat"): {"readiness": {}, "live": {}},
                ("POST", "/api/v1/uploads/{package_id}/complete"): {}}
PACKAGE_ID = "ab" * 32


def _flat_routes(routes, prefix: str = ""):
    """Every route of the app with its full path, routers included into routers too."""
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI >= 0.130 keeps included routers
        if included is not None:
            yield from _flat_routes(included.routes, prefix + (route.include_context.prefix or ""))
        elif hasattr(route, "routes") and not getattr(route, "methods", None) and getattr(route, "path", "") \
                and route.path not in PUBLIC_MOUNTS:
            yield from _flat_routes(route.routes, prefix + route.path)  # a mounted sub-app
        else:
            yield prefix + getattr(route, "path", ""), route


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: PACKAGE_ID if m.group(0) == "{package_id}" else "x1", path)


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("walk") / "node")
    return list(_flat_routes(app.routes)), app.openapi()


def test_every_signed_operation_refuses_a_request_without_credentials(node, app_routes):
    _, doc = app_routes
    called = []
    with requests.Session() as http:
        for path, ops in doc["paths"].items():
            for method in ops:
                op = (method.upper(), path)
                if op in PUBLIC_API:
                    continue
                url = node.url + _concrete(path) + ("?offset=0" if method == "patch" else "")
                for body in ({}, {"json": VALID_BODIES[op]} if op in VALID_BODIES else None):
                    if body is None:
                        continue
                    data = {"data": b"x" * 10} if method == "patch" else body
                    r = http.request(method.upper(), url, verify=False, timeout=20, **data)
                    assert r.status_code == 401, (op, r.status_code, r.text)
                    err = r.json()["error"]
                    assert err["reason"] == "missing_credentials" and err["message_ru"] and err["remedy_ru"], op
                called.append(op)
    assert len(called) == sum(len(ops) for ops in doc["paths"].values()) - len(PUBLIC_API) >= 10
    assert PUBLIC_API <= {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}


def test_public_operations_answer_without_credentials(node):
    assert requests.get(node.url + "/api/v1/time", verify=False, timeout=20).status_code == 200
    r = requests.post(node.url + "/api/v1/pair", json={"public_key": "A" * 43 + "=", "name": "x", "proof": "0" * 64},
                      verify=False, timeout=20)
    assert r.status_code == 403 and r.json()["error"]["code"] == "pair_code"  # answered: a wrong code


def test_every_api_route_is_in_the_openapi_document(app_routes):
    routes, doc = app_routes
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    hidden = [(m, p) for p, r in routes for m in sorted(getattr(r, "methods", None) or ())
              if p.startswith("/api/") and m != "HEAD" and (m, p) not in documented]
    assert hidden == []  # so the walk above covers every route a station could call


def test_every_console_route_sends_a_stranger_to_the_login(node, app_routes):
    routes, _ = app_routes
    checked = []
    with requests.Session() as http:
        for path, route in routes:
            if path.startswith("/api/") or any(path.startswith(m) for m in PUBLIC_MOUNTS):
                continue
            for method in sorted(getattr(route, "methods", None) or ()):
                if (method, path) in PUBLIC_ROUTES or method == "HEAD":
                    continue
                url = node.url + _concrete(path)
                r = http.request(method, url, verify=False, timeout=20, allow_redirects=False,
                                 data={"login": "x"} if method == "POST" else None)
                assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path,
                                                                                               r.status_code)
                htmx = http.request(method, url, verify=False, timeout=20, allow_redirects=False,
                                    headers={"HX-Request": "true"})
                assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login", (method, path)
                checked.append((method, path))
    assert len(checked) >= 14 and ("POST", "/users") in checked and ("GET", "/journal") in checked


def test_public_console_routes_answer_without_a_session(node):
    for path in ("/login", "/ping", "/static/console.css", "/openapi.json"):
        assert requests.get(node.url + path, verify=False, timeout=20).status_code == 200, path


def test_405_names_the_allowed_methods_in_the_one_error_shape(node):
    for path, allowed in (("/api/v1/time", "GET"), ("/api/v1/whoami", "GET"), ("/api/v1/pair", "POST")):
        r = requests.delete(node.url + path, verify=False, timeout=20)
        assert r.status_code == 405 and r.headers["Allow"] == allowed, (path, r.headers)
        assert r.json()["ok"] is False and r.json()["error"]["message_ru"]
