"""The node over real HTTPS: pairing, authentication faults (missing/wrong
credentials, unknown and revoked stations, replays, stale clocks), OpenAPI, and the
content it hands out (time, exam package, password, participant codes)."""

from __future__ import annotations

import hashlib
import time

import pytest

from sync.client import NodeClient, fetch_certificate
from sync.errors import NodeCertificateError, NodeRefusedError, PairingError
from sync.signing import UNSIGNED_PAYLOAD, StationKey, generate_private_key, sign_request
from sync.station_config import StationSync
from tests.sync.harness import pair_station, run_node_cli


def node_fingerprint(node) -> str:
    return fetch_certificate(node.url)[1]


def test_openapi_and_time_served(node):
    c = NodeClient(node.url, node_fingerprint(node))
    doc = c.session.get(node.url + "/openapi.json", timeout=10).json()
    assert "/api/v1/uploads/{package_id}" in doc["paths"]
    assert abs(c.node_time()["unix"] - time.time()) < 5


def test_pairing_and_signed_request(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    info = st.client().whoami()
    assert info["station_id"] == st.pairing().station_id
    assert (tmp_path / "st" / "node_cert.pem").read_text().startswith("-----BEGIN CERTIFICATE")
    assert st.pairing().fingerprint == node_fingerprint(node)


def test_wrong_used_and_expired_codes_refused(node, tmp_path):
    with pytest.raises(PairingError):
        StationSync(tmp_path / "a").pair(node.url, "00000000", "x")
    code, _ = node.store().create_pair_code(600)
    StationSync(tmp_path / "b").pair(node.url, code, "b")
    with pytest.raises(PairingError) as err:
        StationSync(tmp_path / "c").pair(node.url, code, "c")
    assert "код" in err.value.message_ru.lower()
    old, _ = node.store().create_pair_code(-1)
    with pytest.raises(PairingError):
        StationSync(tmp_path / "d").pair(node.url, old, "d")


def test_wrong_fingerprint_refused_at_pairing(node, tmp_path):
    code, _ = node.store().create_pair_code(600)
    with pytest.raises(PairingError) as err:
        StationSync(tmp_path / "s").pair(node.url, code, "s", expected_fingerprint="ab" * 32)
    assert "Отпечаток" in err.value.message_ru


def test_pinned_certificate_mismatch_refused(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    p = st.pairing()
    c = NodeClient(p.node_url, "00" * 32, st.station_key())
    with pytest.raises(NodeCertificateError):
        c.whoami()


def _refusal(client_call):
    with pytest.raises(NodeRefusedError) as err:
        client_call()
    return err.value


def test_missing_credentials_refused(node):
    c = NodeClient(node.url, node_fingerprint(node))
    e = _refusal(lambda: c._send("GET", "/api/v1/whoami", signed=False))
    assert (e.status, e.reason) == (401, "missing_credentials")
    assert e.message_ru


def test_wrong_key_and_unknown_station_refused(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    impostor = NodeClient(node.url, node_fingerprint(node), StationKey(st.pairing().station_id, generate_private_key()))
    e = _refusal(impostor.whoami)
    assert (e.status, e.reason) == (401, "bad_signature")
    stranger = NodeClient(node.url, node_fingerprint(node), StationKey("st999-dead", generate_private_key()))
    e = _refusal(stranger.whoami)
    assert (e.status, e.reason) == (401, "unknown_station")


def test_replayed_request_refused(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    c = st.client()
    headers = sign_request(st.station_key(), "GET", "/api/v1/whoami")
    first = c.session.get(node.url + "/api/v1/whoami", headers=headers, timeout=10)
    again = c.session.get(node.url + "/api/v1/whoami", headers=headers, timeout=10)
    assert first.status_code == 200
    assert again.status_code == 401 and again.json()["error"]["reason"] == "replayed_request"


def test_stale_timestamp_refused_and_client_corrects_its_clock(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    c = st.client()
    headers = sign_request(st.station_key(), "GET", "/api/v1/whoami", now=time.time() - 3600)
    r = c.session.get(node.url + "/api/v1/whoami", headers=headers, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["reason"] == "stale_timestamp"
    c.clock_offset = -3600.0  # a station clock an hour fast: the client re-measures and succeeds
    assert c.whoami()["station_id"] == st.pairing().station_id


def test_body_altered_after_signing_refused(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    c = st.client()
    body = b'{"readiness": {"ok": true}}'
    headers = sign_request(st.station_key(), "POST", "/api/v1/heartbeat", "", hashlib.sha256(body).hexdigest())
    headers["Content-Type"] = "application/json"
    r = c.session.post(node.url + "/api/v1/heartbeat", data=b'{"readiness": {"ok": false}}', headers=headers,
                       timeout=10)
    assert r.status_code == 401 and r.json()["error"]["reason"] == "body_mismatch"


def test_revoked_station_refused(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    sid = st.pairing().station_id
    rc, out, _ = run_node_cli("revoke", sid, "--data", str(node.data_dir))
    assert rc == 0 and "отключена" in out
    e = _refusal(st.client().whoami)
    assert (e.status, e.reason) == (403, "revoked_station")
    rc, out, _ = run_node_cli("stations", "--json", "--data", str(node.data_dir))
    assert '"revoked": true' in out


def test_content_handed_out(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    c = st.client()
    e = _refusal(c.exam_info)
    assert (e.status, e.reason) == (404, "no_exam_package")
    exam = tmp_path / "english-8.vprexam"
    exam.write_bytes(b"opaque exam bytes" * 100_000)
    rc, out, _ = run_node_cli("set-package", str(exam), "--password", "Секрет-2026", "--data", str(node.data_dir))
    assert rc == 0
    info = c.download_exam(tmp_path / "got.bin")
    assert (tmp_path / "got.bin").read_bytes() == exam.read_bytes()
    assert info["sha256"] == hashlib.sha256(exam.read_bytes()).hexdigest()
    e = _refusal(c.password)
    assert (e.status, e.reason) == (409, "password_not_released")
    assert run_node_cli("release-password", "--data", str(node.data_dir))[0] == 0
    assert c.password() == "Секрет-2026"
    codes = tmp_path / "codes.csv"
    codes.write_text("Код участника\n10001\n10002\n10002\n", encoding="utf-8")
    assert run_node_cli("import-codes", str(codes), "--data", str(node.data_dir))[0] == 0
    assert {"10001", "10002"} <= set(c.codes())


def test_heartbeat_readiness_in_status(node, tmp_path):
    st = pair_station(node, tmp_path / "st", name="каб. 7")
    st.client().heartbeat({"ok": False, "summary": "микрофон не найден"})
    rc, out, _ = run_node_cli("status", "--data", str(node.data_dir))
    assert rc == 0 and "микрофон не найден" in out and "на связи" in out


def test_oversized_bodies_refused_before_reading(node):
    c = NodeClient(node.url, node_fingerprint(node))
    big = b'{"public_key": "' + b"A" * 400_000 + b'", "proof": "x"}'
    r = c.session.post(node.url + "/api/v1/pair", data=big, headers={"Content-Type": "application/json"},
                       timeout=10)
    assert r.status_code == 413 and r.json()["error"]["reason"] == "body_too_large"

    def chunked():  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b"A" * 10_000

    r = c.session.post(node.url + "/api/v1/pair", data=chunked(), headers={"Content-Type": "application/json"},
                       timeout=10)
    assert r.status_code == 413 and r.json()["error"]["reason"] == "body_too_large"  # as a declared one
    assert c.node_time()["unix"] > 0  # the node is still fine


def test_unsigned_payload_marker_only_for_upload_chunks(node, tmp_path):
    # An upload chunk may say "unsigned-payload" (the package is verified whole at
    # `complete`); any request with a JSON body must still match its signed hash.
    st = pair_station(node, tmp_path / "st")
    c = st.client()
    headers = sign_request(st.station_key(), "POST", "/api/v1/heartbeat", "", UNSIGNED_PAYLOAD)
    headers["Content-Type"] = "application/json"
    r = c.session.post(node.url + "/api/v1/heartbeat", data=b'{"readiness": {"ok": true}}', headers=headers,
                       timeout=10)
    assert r.status_code == 401 and r.json()["error"]["reason"] == "body_mismatch"
