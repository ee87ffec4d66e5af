"""Regression tests for what fuzzing the node's API (test_fuzz.py) and probing its
headers found, one per finding, on a real node (uvicorn, TLS, SQLite) unless said.
Each answer is a typed refusal in the one Russian error shape, never a server error."""

from __future__ import annotations

import base64
import os

import requests
from fastapi import APIRouter
from fastapi.testclient import TestClient

from coordinator.app import create_app
from sync.signing import sign_request
from tests.sync.harness import pair_station, run_node_cli


def _error(r: requests.Response, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["ok"] is False and body["error"]["code"] == code, body
    assert body["error"]["message_ru"] and body["error"]["remedy_ru"], body
    return body["error"]


def test_finding_pair_with_a_malformed_public_key_answers_400_bad_public_key(node):
    """Fuzz finding: ``POST /pair`` with a public key that is not 32 bytes answered 401
    (undocumented) saying the station's *signature* and clock were wrong."""
    r = requests.post(node.url + "/api/v1/pair", json={"public_key": "", "name": "x", "proof": ""}, verify=False,
                      timeout=20)
    err = _error(r, 400, "bad_public_key")
    assert "ключ" in err["message_ru"] and "vpr-station pair" in err["remedy_ru"]


def test_finding_unreadable_json_body_answers_400_invalid_request_in_russian(node):
    """Fuzz finding: a body that is not UTF-8 JSON answered 400 (undocumented for the
    route) with the generic "Запрос не выполнен. Проверьте адрес"."""
    r = requests.post(node.url + "/api/v1/pair", data=b"U\xffK+\xfe", headers={"Content-Type": "application/json"},
                      verify=False, timeout=20)
    err = _error(r, 400, "invalid_request")
    assert "неверно составленный запрос" in err["message_ru"]


def test_finding_huge_timestamp_header_answers_401_not_a_server_error(node, tmp_path):
    """Probe beyond the fuzzer (which fills the signature headers with short random
    text): a 401-digit X-VPR-Timestamp overflowed a float and the node answered a bare
    500 "Internal Server Error"."""
    key = pair_station(node, tmp_path / "st").station_key()
    headers = sign_request(key, "GET", "/api/v1/whoami")
    headers["X-VPR-Timestamp"] = "1" + "0" * 400
    err = _error(requests.get(node.url + "/api/v1/whoami", headers=headers, verify=False, timeout=20), 401, "auth")
    assert err["reason"] == "malformed_credentials"
    headers["X-VPR-Signature"] = base64.b64encode(b"short").decode()
    headers["X-VPR-Timestamp"] = "1700000000"
    err = _error(requests.get(node.url + "/api/v1/whoami", headers=headers, verify=False, timeout=20), 401, "auth")
    assert err["reason"] == "malformed_credentials"


def test_exam_package_file_gone_from_disk_answers_404_not_a_server_error(node, tmp_path):
    """Found reading the route: an exam package whose file was removed by hand (or an
    antivirus) made ``FileResponse`` fail with a bare 500."""
    (tmp_path / "exam.bin").write_bytes(b"exam" * 100)
    rc, _, err = run_node_cli("set-package", str(tmp_path / "exam.bin"), "--data", str(node.data_dir))
    assert rc == 0, err
    for f in (node.data_dir / "files" / "exam").iterdir():
        os.remove(f)
    key = pair_station(node, tmp_path / "st").station_key()
    r = requests.get(node.url + "/api/v1/exam/package", headers=sign_request(key, "GET", "/api/v1/exam/package"),
                     verify=False, timeout=20)
    err = _error(r, 404, "no_exam_package")
    assert "пропал" in err["message_ru"] and "set-package" in err["remedy_ru"]


def test_unexpected_error_answers_500_in_the_one_russian_shape(tmp_path):
    """The last line of defence (in-process ASGI client: a route that fails on purpose
    cannot be put into the real server): the traceback goes to the log, the client
    gets the Russian error body, the console a page."""
    router = APIRouter(prefix="/api/v1/test")

    @router.get("/boom")
    def boom() -> dict:
        raise RuntimeError("bug")

    client = TestClient(create_app(tmp_path / "node", extra_routers=[router]), raise_server_exceptions=False)
    r = client.get("/api/v1/test/boom")
    assert r.status_code == 500 and r.json()["error"]["code"] == "internal"
    assert "Внутренняя ошибка узла" in r.json()["error"]["message_ru"] and r.json()["error"]["remedy_ru"]
    assert "Traceback" not in r.text
