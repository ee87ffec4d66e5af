"""The node's upload data port (coordinator/upload_port.py) against a real node
process: stations send their chunks there; it applies the main port's rules
(authentication, replay, offsets, duplicates, signed chunk hashes, truncation) and
answers the same JSON; anything else is refused plainly; a station that cannot reach
it sends its chunks to the main port instead."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import ssl
import threading
import time

import pytest

from sync.client import NodeClient, fetch_certificate
from sync.errors import NodeRefusedError
from sync.signing import UNSIGNED_PAYLOAD, StationKey, generate_private_key, sign_request
from sync.station_config import StationSync
from tests.sync.harness import NodeProcess, free_port, make_package, pair_station, run_node_cli


def _stored(node, package_id):
    rows = [p for p in node.store().list_packages() if p["package_id"] == package_id]
    files = list(node.store().packages_dir.glob(f"{package_id}*"))
    return rows, files


def _spy_urls(client: NodeClient) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    original = client.session.request

    def spy(method, url, **kw):
        seen.append((method, url))
        return original(method, url, **kw)

    client.session.request = spy
    return seen


def _upload_spied(node, tmp_path, size: int) -> tuple[object, list[str]]:
    """A new station uploads one package of ``size`` bytes in 1 MiB chunks (verified);
    returns the package and the URLs its chunks went to."""
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=size)
    c = st.client()
    seen = _spy_urls(c)
    assert c.upload(pkg.path, pkg.package_id, chunk_size=1 << 20) == "verified"
    return pkg, [url for method, url in seen if method == "PATCH"]


def _upload_url(node) -> str:
    return f"https://127.0.0.1:{node.upload_port}"


def _opened(node, tmp_path, size=400_000):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=size)
    c = st.client()
    state = c._json("PUT", f"/api/v1/uploads/{pkg.package_id}", {"size": pkg.size})
    return st, pkg, c, state


def _patch(c: NodeClient, node, pid: str, offset: int, body: bytes) -> dict:
    return c._send("PATCH", f"/api/v1/uploads/{pid}", query=f"offset={offset}", body=body, unsigned_body=True,
                   base_url=_upload_url(node)).json()


def test_put_names_the_port_and_station_chunks_go_there(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=2_500_000)
    c = st.client()
    seen = _spy_urls(c)
    assert c.upload(pkg.path, pkg.package_id, chunk_size=1 << 20) == "verified"
    patches = [url for method, url in seen if method == "PATCH"]
    others = [url for method, url in seen if method != "PATCH"]
    assert len(patches) == 3 and all(u.startswith(_upload_url(node) + "/") for u in patches)
    assert others and all(u.startswith(node.url + "/") for u in others)  # PUT, complete: main port
    rows, files = _stored(node, pkg.package_id)
    assert len(rows) == 1 and files[0].read_bytes() == pkg.path.read_bytes()


def test_offsets_duplicates_and_end_as_on_the_main_port(node, tmp_path):
    st, pkg, c, state = _opened(node, tmp_path)
    assert state["upload_port"] == node.upload_port
    pid, data = pkg.package_id, pkg.path.read_bytes()
    assert _patch(c, node, pid, 0, data[:150_000]) == {"status": "receiving", "offset": 150_000,
                                                       "duplicate_chunk": False}
    again = _patch(c, node, pid, 0, data[:150_000])
    assert again["duplicate_chunk"] is True and again["offset"] == 150_000
    with pytest.raises(NodeRefusedError) as err:  # a gap: 409 with the committed offset
        _patch(c, node, pid, 200_000, data[200_000:250_000])
    assert (err.value.status, err.value.reason, err.value.body["offset"]) == (409, "offset_mismatch", 150_000)
    assert err.value.message_ru
    with pytest.raises(NodeRefusedError) as err:
        _patch(c, node, pid, 150_000, data[150_000:] + b"x")
    assert (err.value.status, err.value.reason) == (400, "chunk_past_end")
    assert c.package_state(pid)["offset"] == 150_000
    assert c.upload(pkg.path, pid) == "verified"
    assert _patch(c, node, pid, 0, data[:1000])["status"] == "already_have"
    assert len(_stored(node, pid)[0]) == 1


def test_station_authentication_enforced(node, tmp_path):
    st, pkg, c, _ = _opened(node, tmp_path)
    pid, chunk = pkg.package_id, pkg.path.read_bytes()[:100_000]
    path = f"/api/v1/uploads/{pid}"
    url = f"{_upload_url(node)}{path}?offset=0"
    r = c.session.patch(url, data=chunk, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["reason"] == "missing_credentials"
    assert r.json()["error"]["message_ru"]
    impostor = StationKey(st.pairing().station_id, generate_private_key())
    r = c.session.patch(url, data=chunk, headers=sign_request(impostor, "PATCH", path, "offset=0", UNSIGNED_PAYLOAD),
                        timeout=10)
    assert r.status_code == 401 and r.json()["error"]["reason"] == "bad_signature"
    headers = sign_request(st.station_key(), "PATCH", path, "offset=0", UNSIGNED_PAYLOAD,
                           now=time.time() + c.clock_offset)
    assert c.session.patch(url, data=chunk, headers=headers, timeout=10).status_code == 200
    r = c.session.patch(url, data=chunk, headers=headers, timeout=10)  # the same request again
    assert r.status_code == 401 and r.json()["error"]["reason"] == "replayed_request"
    signed_for_other_offset = sign_request(st.station_key(), "PATCH", path, "offset=0", UNSIGNED_PAYLOAD)
    r = c.session.patch(f"{_upload_url(node)}{path}?offset=100000", data=chunk, headers=signed_for_other_offset,
                        timeout=10)
    assert r.status_code == 401 and r.json()["error"]["reason"] == "bad_signature"
    assert c.package_state(pid)["offset"] == 100_000  # only the one authentic chunk counted
    rc, _, _ = run_node_cli("revoke", st.pairing().station_id, "--data", str(node.data_dir))
    assert rc == 0
    with pytest.raises(NodeRefusedError) as err:
        _patch(c, node, pid, 100_000, chunk)
    assert (err.value.status, err.value.reason) == (403, "revoked_station")


def test_signed_chunk_hash_checked(node, tmp_path):
    st, pkg, c, _ = _opened(node, tmp_path)
    pid, chunk = pkg.package_id, pkg.path.read_bytes()[:50_000]
    headers = sign_request(st.station_key(), "PATCH", f"/api/v1/uploads/{pid}", "offset=0",
                           hashlib.sha256(chunk).hexdigest(), now=time.time() + c.clock_offset)
    r = c.session.patch(f"{_upload_url(node)}/api/v1/uploads/{pid}?offset=0", data=b"Z" + chunk[1:],
                        headers=headers, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["reason"] == "chunk_hash_mismatch"
    assert c.package_state(pid)["offset"] == 0
    headers = sign_request(st.station_key(), "PATCH", f"/api/v1/uploads/{pid}", "offset=0",
                           hashlib.sha256(chunk).hexdigest(), now=time.time() + c.clock_offset)
    r = c.session.patch(f"{_upload_url(node)}/api/v1/uploads/{pid}?offset=0", data=chunk, headers=headers,
                        timeout=10)
    assert r.status_code == 200 and r.json()["offset"] == 50_000


def _raw_tls(node) -> ssl.SSLSocket:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", node.upload_port), timeout=10))


def _read_answer(tls: ssl.SSLSocket) -> tuple[int, dict, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        got = tls.recv(65536)
        if not got:
            break
        data += got
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0])
    while len(body) < length:
        body += tls.recv(65536)
    return int(head.split()[1]), json.loads(body), head


def test_chunk_cut_mid_body_commits_nothing(node, tmp_path):
    st, pkg, c, _ = _opened(node, tmp_path)
    pid, chunk = pkg.package_id, pkg.path.read_bytes()[:200_000]
    headers = sign_request(st.station_key(), "PATCH", f"/api/v1/uploads/{pid}", "offset=0", UNSIGNED_PAYLOAD,
                           now=time.time() + c.clock_offset)
    head = [f"PATCH /api/v1/uploads/{pid}?offset=0 HTTP/1.1", f"Host: 127.0.0.1:{node.upload_port}",
            f"Content-Length: {len(chunk)}"] + [f"{k}: {v}" for k, v in headers.items()]
    with _raw_tls(node) as tls:
        tls.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + chunk[:120_000])  # then the line drops
    time.sleep(0.5)
    assert c.package_state(pid)["offset"] == 0
    assert c.upload(pkg.path, pid) == "verified"
    assert len(_stored(node, pid)[0]) == 1


def test_anything_but_a_chunk_refused_plainly(node):
    c = NodeClient(node.url, fetch_certificate(node.url)[1])
    r = c.session.get(_upload_url(node) + "/api/v1/time", timeout=10)
    assert r.status_code == 404 and "только части пакетов" in r.json()["error"]["message_ru"]
    r = c.session.patch(_upload_url(node) + "/api/v1/time?offset=0", data=b"x", timeout=10)
    assert r.status_code == 404
    r = c.session.patch(_upload_url(node) + "/api/v1/uploads/" + "a" * 64 + "?offset=zero", data=b"x", timeout=10)
    assert r.status_code == 400 and r.json()["error"]["reason"] == "bad_offset"
    with _raw_tls(node) as tls:  # 17 MB declared: refused without reading it
        tls.sendall(b"PATCH /api/v1/uploads/" + b"a" * 64 + b"?offset=0 HTTP/1.1\r\nContent-Length: 17000000\r\n\r\n")
        status, body, head = _read_answer(tls)
        assert status == 400 and body["error"]["reason"] == "bad_chunk_size" and b"close" in head.lower()
    with _raw_tls(node) as tls:
        tls.sendall(b"PATCH /api/v1/uploads/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        status, body, _ = _read_answer(tls)
        assert status == 400 and body["error"]["reason"] == "length_required"
    with _raw_tls(node) as tls:
        tls.sendall(b"BREW /pot HTTP/1.1\r\n\r\n")  # a method http.server does not know
        status, body, _ = _read_answer(tls)
        assert status == 501 and body["error"]["message_ru"]
    with socket.create_connection(("127.0.0.1", node.upload_port), timeout=10) as plain:  # no TLS at all
        plain.sendall(b"GET / HTTP/1.1\r\n\r\n")
        plain.recv(100)  # the handshake fails and the node closes this connection ...
    assert c.session.get(_upload_url(node) + "/", timeout=10).status_code == 404  # ... and goes on serving


def test_unreachable_upload_port_chunks_go_to_main_port(node, tmp_path, monkeypatch, caplog):
    import sync.client as client_mod

    closed = free_port()  # nothing listens here: as a firewall that refuses the port
    monkeypatch.setattr(client_mod, "_UPLOAD_PORT_DOWN_UNTIL", {})
    monkeypatch.setattr(NodeClient, "_upload_url", lambda self, port: f"https://127.0.0.1:{closed}")
    with caplog.at_level(logging.WARNING, logger="sync.client"):
        pkg, patches = _upload_spied(node, tmp_path, 2_500_000)
    assert patches[0].startswith(f"https://127.0.0.1:{closed}/")  # tried once ...
    assert len(patches) == 4 and all(u.startswith(node.url + "/") for u in patches[1:])  # ... then the main port
    assert "chunks go to the main port" in caplog.text
    assert len(_stored(node, pkg.package_id)[0]) == 1
    # the uploader makes a new client after a failure: the next one remembers the closed port
    st = StationSync(tmp_path / "st")
    other = make_package(st, tmp_path / "2", code="33333", size=500_000)
    c2 = st.client()
    seen2 = _spy_urls(c2)
    assert c2.upload(other.path, other.package_id) == "verified"
    assert all(u.startswith(node.url + "/") for _, u in seen2)


def test_full_upload_port_sends_that_chunk_to_main_port(node, tmp_path, monkeypatch, caplog):
    # A full data port accepts a connection and closes it before the TLS handshake
    # (UploadPortServer.process_request); a stand-in listener does just that here.
    import sync.client as client_mod

    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(8)
    stop = threading.Event()

    def accept_and_close() -> None:
        while not stop.is_set():
            try:
                conn, _ = full.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=accept_and_close, daemon=True).start()
    monkeypatch.setattr(client_mod, "_UPLOAD_PORT_DOWN_UNTIL", {})
    monkeypatch.setattr(NodeClient, "_upload_url", lambda self, port: f"https://127.0.0.1:{full.getsockname()[1]}")
    try:
        with caplog.at_level(logging.WARNING, logger="sync.client"):
            _, patches = _upload_spied(node, tmp_path, 1_500_000)
        assert len(patches) == 4  # each chunk: the full port, then the main port at once
        assert [u.startswith(node.url + "/") for u in patches] == [False, True, False, True]
        assert "no answer" in caplog.text and client_mod._UPLOAD_PORT_DOWN_UNTIL == {}  # no 10-minute window
    finally:
        stop.set()
        full.close()


def test_upload_port_reachability_as_check_node_sees_it(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    c = st.client()
    assert c.whoami()["upload_port"] == node.upload_port
    assert c.upload_port_reachable(node.upload_port) is True
    assert c.upload_port_reachable(free_port()) is False  # nothing listens there (a closed firewall port)


def test_without_upload_port_put_names_none_and_chunks_use_main_port(tmp_path):
    node = NodeProcess(tmp_path / "node", upload_port=0).start()
    try:
        st, pkg, c, state = _opened(node, tmp_path)
        assert "upload_port" not in state
        seen = _spy_urls(c)
        assert c.upload(pkg.path, pkg.package_id) == "verified"
        assert all(url.startswith(node.url + "/") for _, url in seen)
    finally:
        node.stop()


def _free_port_pair() -> int:
    """A free port whose next port is free too (the node's default upload port)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise RuntimeError("no two adjacent free ports")


def test_default_upload_port_is_next_one_and_a_busy_one_is_skipped(tmp_path):
    port = _free_port_pair()
    node = NodeProcess(tmp_path / "a", port=port, upload_port="default").start()
    try:
        _, _, _, state = _opened(node, tmp_path / "x")
        assert state["upload_port"] == port + 1
    finally:
        node.stop()
    with socket.socket() as busy:  # port + 1 taken by another program: the node starts all the same
        busy.bind(("127.0.0.1", port + 1))
        busy.listen(1)
        node = NodeProcess(tmp_path / "b", port=port, upload_port="default").start()
        try:
            _, pkg, c, state = _opened(node, tmp_path / "y")
            assert "upload_port" not in state
            assert c.upload(pkg.path, pkg.package_id) == "verified"
            assert "занят" in node.log_path.read_text(encoding="utf-8")
        finally:
            node.stop()


@pytest.mark.parametrize("argv, expected", [
    (["--port", "8443", "--upload-port", "8443"], "совпадает"),
    (["--upload-port", "70000"], "Неверный номер порта"),
    (["--port", "0"], "Неверный номер порта"),
])
def test_bad_port_options_refused_in_russian(tmp_path, argv, expected):
    rc, out, err = run_node_cli("serve", "--data", str(tmp_path / "d"), *argv)
    assert rc == 2 and expected in err and "Traceback" not in err + out


# -- in process: the port's chunks feed the member digests that `complete` verifies with --

@pytest.fixture()
def port_in_process(tmp_path, monkeypatch):
    """A real UploadPortServer (threads, TLS, SQLite) in this process, a station
    registered in its store, and a list of the package members verification reads."""
    from coordinator.storage import NodeStore
    from coordinator.tls import ensure_certificate
    from coordinator.upload_port import UploadPortServer
    import sync.package as package_mod
    from tests.sync.harness import offline_station

    store = NodeStore(tmp_path / "node")
    tls = ensure_certificate(tmp_path / "node" / "tls")
    server = UploadPortServer("127.0.0.1", 0, tls, store)
    server.start()
    station = offline_station(store, tmp_path / "st")
    client = NodeClient(f"https://127.0.0.1:{server.port}", tls.fingerprint, station.station_key())
    client.clock_offset = 0.0
    reads: list[str] = []
    original = package_mod._hash_stored_member
    monkeypatch.setattr(package_mod, "_hash_stored_member",
                        lambda zf, info, d: (reads.append(info.filename), original(zf, info, d))[1])
    yield store, station, client, server, reads
    client.close()
    server.stop()


def _chunks(client, pkg, start=0, step=300_000):
    data = pkg.path.read_bytes()
    for off in range(start, len(data), step):
        client._send("PATCH", f"/api/v1/uploads/{pkg.package_id}", query=f"offset={off}",
                     body=data[off:off + step], unsigned_body=True)


def test_complete_after_unbroken_chunks_reads_nothing_back(port_in_process, tmp_path):
    from coordinator.ingest import Outcome, finalize_upload

    store, station, client, _, reads = port_in_process
    pkg = make_package(station, tmp_path, size=1_000_000)
    reads.clear()  # sealing verified the package once on the "station"
    sid = station.pairing().station_id
    store.start_upload(pkg.package_id, sid, pkg.size)
    _chunks(client, pkg)
    res = finalize_upload(store, pkg.package_id, sid)
    assert res.outcome is Outcome.NEW and reads == []


def test_digests_lost_or_broken_mean_the_file_is_read_back(port_in_process, tmp_path, caplog):
    from coordinator.ingest import STREAMED, Outcome, finalize_upload

    store, station, client, server, reads = port_in_process
    caplog.set_level(logging.INFO, logger="coordinator.upload_port")
    sid = station.pairing().station_id
    lost = make_package(station, tmp_path / "a", code="11111", size=1_000_000)
    cut = make_package(station, tmp_path / "b", code="22222", size=1_000_000)
    reads.clear()  # sealing verified the packages once on the "station"
    store.start_upload(lost.package_id, sid, lost.size)
    client._send("PATCH", f"/api/v1/uploads/{lost.package_id}", query="offset=0",  # the first chunk only ...
                 body=lost.path.read_bytes()[:300_000], unsigned_body=True)
    STREAMED.pop(lost.package_id)  # ... then what a node restart loses
    _chunks(client, lost, start=300_000)
    assert finalize_upload(store, lost.package_id, sid).outcome is Outcome.NEW
    assert reads == ["files/task1.flac", "files/task2.flac"]

    reads.clear()
    store.start_upload(cut.package_id, sid, cut.size)
    data = cut.path.read_bytes()
    client._send("PATCH", f"/api/v1/uploads/{cut.package_id}", query="offset=0", body=data[:300_000],
                 unsigned_body=True)
    headers = sign_request(station.station_key(), "PATCH", f"/api/v1/uploads/{cut.package_id}", "offset=300000",
                           UNSIGNED_PAYLOAD)
    head = [f"PATCH /api/v1/uploads/{cut.package_id}?offset=300000 HTTP/1.1", "Content-Length: 300000"]
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=10)) as tls:
        tls.sendall(("\r\n".join(head + [f"{k}: {v}" for k, v in headers.items()]) + "\r\n\r\n").encode()
                    + data[300_000:500_000])  # the line drops mid-chunk: 200 KB of it fed to the digests
    deadline = time.time() + 20  # until the port has seen the cut (it took the digests out when the
    while "connection lost" not in caplog.text and time.time() < deadline:  # chunk began, and a cut
        time.sleep(0.05)  # chunk never gives them back)
    assert "connection lost" in caplog.text
    assert store.get_upload(cut.package_id).offset == 300_000
    _chunks(client, cut, start=300_000)  # the station resends from the committed offset
    assert finalize_upload(store, cut.package_id, sid).outcome is Outcome.NEW
    assert reads == ["files/task1.flac", "files/task2.flac"]  # digests broken by the cut: read back
    assert len(STREAMED) == 0


def test_lost_part_file_restarts_the_upload_instead_of_filling_zeros(port_in_process, tmp_path):
    # Found in review: chunk 0 arrives, the part file then disappears (removed by hand,
    # an antivirus, a cleanup in another process) while its row stays. The next chunk
    # must not recreate the file with zeros before it: the upload starts again.
    from coordinator.ingest import Outcome, final_path, finalize_upload, part_path

    store, station, client, _, _ = port_in_process
    sid = station.pairing().station_id
    pkg = make_package(station, tmp_path, size=1_000_000)
    data = pkg.path.read_bytes()
    store.start_upload(pkg.package_id, sid, pkg.size)
    client._send("PATCH", f"/api/v1/uploads/{pkg.package_id}", query="offset=0", body=data[:300_000],
                 unsigned_body=True)
    part_path(store, pkg.package_id).unlink()
    with pytest.raises(NodeRefusedError) as err:
        client._send("PATCH", f"/api/v1/uploads/{pkg.package_id}", query="offset=300000",
                     body=data[300_000:600_000], unsigned_body=True)
    assert (err.value.status, err.value.reason, err.value.body["offset"]) == (409, "no_upload", 0)
    assert store.get_upload(pkg.package_id) is None
    store.start_upload(pkg.package_id, sid, pkg.size)  # what the station's next PUT does
    with open(part_path(store, pkg.package_id), "wb") as fh:  # a shorter file than committed is lost data too
        fh.write(data[:100])
    client._send("PATCH", f"/api/v1/uploads/{pkg.package_id}", query="offset=0", body=data[:300_000],
                 unsigned_body=True)
    with open(part_path(store, pkg.package_id), "r+b") as fh:
        fh.truncate(200_000)
    with pytest.raises(NodeRefusedError) as err:
        client._send("PATCH", f"/api/v1/uploads/{pkg.package_id}", query="offset=300000",
                     body=data[300_000:600_000], unsigned_body=True)
    assert (err.value.status, err.value.reason) == (409, "no_upload")
    store.start_upload(pkg.package_id, sid, pkg.size)
    _chunks(client, pkg)
    assert finalize_upload(store, pkg.package_id, sid).outcome is Outcome.NEW
    assert final_path(store, pkg.package_id).read_bytes() == data
