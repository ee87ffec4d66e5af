"""Package upload against a real node: verified once, duplicates answered "already
have it", chunks sent twice, truncated uploads, altered packages refused and
recorded, packages for unknown participant codes kept and flagged."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import ssl
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from sync.errors import NodeRefusedError
from sync.outbox import OutboxState
from sync.package import canonical_json, seal_package
from sync.signing import UNSIGNED_PAYLOAD, StationKey, generate_private_key, sign_request
from sync.station_config import StationSync
from sync.uploader import SyncWorker
from tests.sync.harness import make_package, pair_station, run_node_cli


def _stored(node, package_id):
    rows = [p for p in node.store().list_packages() if p["package_id"] == package_id]
    files = list(node.store().packages_dir.glob(f"{package_id}*"))
    return rows, files


def test_upload_verified_once_and_duplicate_answered(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=3_000_000)
    c = st.client()
    seen = []
    assert c.upload(pkg.path, pkg.package_id, progress=lambda o, s: seen.append(o), chunk_size=1 << 20) == "verified"
    assert seen[0] == 0 and seen[-1] == pkg.size
    assert c.upload(pkg.path, pkg.package_id) == "already_have"
    rows, files = _stored(node, pkg.package_id)
    assert len(rows) == 1 and len(files) == 1
    assert files[0].read_bytes() == pkg.path.read_bytes()
    assert list(node.store().incoming_dir.iterdir()) == []


def test_chunk_sent_twice_is_harmless(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=500_000)
    c = st.client()
    pid = pkg.package_id
    c._json("PUT", f"/api/v1/uploads/{pid}", {"size": pkg.size})
    data = pkg.path.read_bytes()
    chunk = data[:200_000]
    first = c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=0", body=chunk).json()
    again = c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=0", body=chunk).json()
    assert first == {"status": "receiving", "offset": 200_000, "duplicate_chunk": False}
    assert again["duplicate_chunk"] is True and again["offset"] == 200_000
    with pytest.raises(NodeRefusedError) as err:  # a gap is refused with the committed offset
        c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=300000", body=data[300_000:400_000])
    assert err.value.status == 409 and err.value.body["offset"] == 200_000
    assert c.upload(pkg.path, pid) == "verified"
    assert len(_stored(node, pid)[0]) == 1


def test_truncated_upload_not_accepted_then_resumed(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=400_000)
    c = st.client()
    pid = pkg.package_id
    c._json("PUT", f"/api/v1/uploads/{pid}", {"size": pkg.size})
    c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=0", body=pkg.path.read_bytes()[:100_000])
    with pytest.raises(NodeRefusedError) as err:
        c._json("POST", f"/api/v1/uploads/{pid}/complete", {})
    assert (err.value.status, err.value.reason, err.value.body["offset"]) == (409, "upload_incomplete", 100_000)
    assert _stored(node, pid) == ([], [])
    offsets = []
    assert c.upload(pkg.path, pid, progress=lambda o, s: offsets.append(o)) == "verified"
    assert offsets[0] == 100_000  # resumed, not restarted


def test_chunk_not_matching_signed_hash_refused(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=300_000)
    c = st.client()
    pid = pkg.package_id
    c._json("PUT", f"/api/v1/uploads/{pid}", {"size": pkg.size})
    chunk = pkg.path.read_bytes()[:50_000]
    headers = sign_request(st.station_key(), "PATCH", f"/api/v1/uploads/{pid}", "offset=0",
                           hashlib.sha256(chunk).hexdigest())
    r = c.session.patch(f"{node.url}/api/v1/uploads/{pid}?offset=0", data=b"Z" + chunk[1:], headers=headers,
                        timeout=10)
    assert r.status_code == 400 and r.json()["error"]["reason"] == "chunk_hash_mismatch"
    assert c.package_state(pid)["offset"] == 0


def test_altered_file_refused_recorded_and_kept_on_station(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, code="77777", size=300_000)
    entry = st.outbox.add(pkg)
    raw = bytearray(entry.path.read_bytes())
    raw[5000] ^= 0x01  # bit rot on the station disk after sealing
    entry.path.write_bytes(bytes(raw))
    worker = SyncWorker(st.outbox, st.client, st.station_key())
    [res] = worker.run_once()
    assert res.state is OutboxState.CORRUPT and res.status == "file_hash_mismatch"
    assert st.outbox.get(pkg.package_id).path.exists()  # kept for the technician
    assert _stored(node, pkg.package_id) == ([], [])
    status = json.loads(run_node_cli("status", "--json", "--data", str(node.data_dir))[1])
    rej = [r for r in status["rejections"] if r["package_id"] == pkg.package_id]
    assert rej and rej[0]["reason"] == "file_hash_mismatch" and "изменено" in rej[0]["reason_ru"]


def _resign(src, dst, key: StationKey, change):
    with zipfile.ZipFile(src) as zin:
        manifest = json.loads(zin.read("manifest.json"))
        change(manifest)
        raw = canonical_json(manifest)
        sig = base64.b64encode(key.private_key.sign(b"VPR-PACKAGE-1\n" + raw))
        with zipfile.ZipFile(dst, "w") as zout:
            for info in zin.infolist():
                data = {"manifest.json": raw, "manifest.sig": sig}.get(info.filename) or zin.read(info)
                zout.writestr(info, data)  # the sealed header fields: only the content is forged
    return hashlib.sha256(raw).hexdigest()


def test_altered_manifest_refused(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=200_000)
    forger = StationKey(st.pairing().station_id, generate_private_key())
    bad = tmp_path / "forged.vprpkg"
    pid = _resign(pkg.path, bad, forger, lambda m: m.update(participant_code="99999"))
    with pytest.raises(NodeRefusedError) as err:
        st.client().upload(bad, pid)
    assert (err.value.status, err.value.reason) == (422, "bad_signature")
    other = pair_station(node, tmp_path / "other")
    bad2 = tmp_path / "other.vprpkg"
    pid2 = _resign(pkg.path, bad2, other.station_key(),
                   lambda m: m.update(station_id=other.pairing().station_id))
    with pytest.raises(NodeRefusedError) as err:  # signed by another station, sent by this one
        st.client().upload(bad2, pid2)
    assert err.value.reason == "station_mismatch"
    assert _stored(node, pid) == ([], []) and _stored(node, pid2) == ([], [])


def test_unknown_participant_code_kept_and_flagged(node, tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("20001\n20002\n", encoding="utf-8")
    run_node_cli("import-codes", str(codes), "--data", str(node.data_dir))
    st = pair_station(node, tmp_path / "st")
    good = make_package(st, tmp_path, code="20001")
    odd = make_package(st, tmp_path, code="31337")
    assert st.client().upload(good.path, good.package_id) == "verified"
    resp = st.client()._json("PUT", f"/api/v1/uploads/{odd.package_id}", {"size": odd.size})
    assert resp["status"] == "receiving"
    assert st.client().upload(odd.path, odd.package_id) == "verified"
    status = json.loads(run_node_cli("status", "--json", "--data", str(node.data_dir))[1])
    flagged = [p["package_id"] for p in status["unknown_code_packages"]]
    assert odd.package_id in flagged and good.package_id not in flagged
    assert "20002" in status["missing_codes"] and "20001" not in status["missing_codes"]
    assert len(_stored(node, odd.package_id)[1]) == 1
    text = run_node_cli("status", "--data", str(node.data_dir))[1]
    assert "31337" in text and "ВНИМАНИЕ" in text


def test_seal_in_outbox_and_worker_acks(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkgs = [make_package(st, tmp_path, code=f"4000{i}") for i in range(3)]
    for p in pkgs:
        st.outbox.add(p)
    worker = SyncWorker(st.outbox, st.client, st.station_key())
    assert worker.run_until_idle(30)
    assert {e.state for e in st.outbox.entries()} == {OutboxState.ACKED}
    assert st.outbox.progress().percent == 100.0
    for p in pkgs:
        assert len(_stored(node, p.package_id)[0]) == 1


def test_seal_package_directly_into_outbox_folder(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    src = tmp_path / "a.flac"
    src.write_bytes(b"fLaC" + bytes(1000))
    pkg = seal_package({"a.flac": src}, {"participant_code": "50001", "variant": "2", "subject": "german"},
                       st.station_key(), st.outbox.packages_dir)
    entry = st.outbox.add(pkg)
    assert entry.path == pkg.path and len(list(st.outbox.packages_dir.iterdir())) == 1


def test_package_sealed_before_pairing_uploads_after_pairing(node, tmp_path):
    early = StationSync(tmp_path / "st")
    src = tmp_path / "a.flac"
    src.write_bytes(b"fLaC" + bytes(5000))
    pkg = seal_package({"a.flac": src}, {"participant_code": "51001", "variant": "1", "subject": "english"},
                       StationKey("unpaired-pc", early.private_key()), tmp_path / "early")
    st = pair_station(node, tmp_path / "st")
    assert st.client().upload(pkg.path, pkg.package_id) == "verified"
    other = pair_station(node, tmp_path / "other")  # another station cannot pass it off as its own
    pkg2 = seal_package({"a.flac": src}, {"participant_code": "51002", "variant": "1", "subject": "english"},
                        StationKey("unpaired-pc", early.private_key()), tmp_path / "early")
    with pytest.raises(NodeRefusedError) as err:
        other.client().upload(pkg2.path, pkg2.package_id)
    assert err.value.reason == "bad_signature"


def test_worker_heartbeat_reports_readiness(node, tmp_path):
    st = pair_station(node, tmp_path / "st", name="каб. 9")
    worker = SyncWorker(st.outbox, st.client, st.station_key(),
                        readiness=lambda: {"ok": True, "summary": "гарнитура проверена"})
    worker.run_once()
    status = json.loads(run_node_cli("status", "--json", "--data", str(node.data_dir))[1])
    [me] = [s for s in status["stations"] if s["station_id"] == st.pairing().station_id]
    assert me["readiness_summary"] == "гарнитура проверена" and me["online"]
    assert not worker.heartbeat()  # not due again yet


def test_chunk_cut_mid_body_commits_nothing(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=400_000)
    c = st.client()
    pid = pkg.package_id
    c._json("PUT", f"/api/v1/uploads/{pid}", {"size": pkg.size})
    chunk = pkg.path.read_bytes()[:200_000]
    headers = sign_request(st.station_key(), "PATCH", f"/api/v1/uploads/{pid}", "offset=0",
                           hashlib.sha256(chunk).hexdigest())
    head = [f"PATCH /api/v1/uploads/{pid}?offset=0 HTTP/1.1", f"Host: 127.0.0.1:{node.port}",
            f"Content-Length: {len(chunk)}", "Content-Type: application/octet-stream"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", node.port)) as raw, ctx.wrap_socket(raw) as tls:
        tls.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + chunk[:120_000])  # then the line drops
    time.sleep(0.5)
    assert c.package_state(pid)["offset"] == 0  # nothing committed from the cut chunk
    assert c.upload(pkg.path, pid) == "verified"
    assert len(_stored(node, pid)[0]) == 1


def test_network_and_usb_paths_dedupe_each_other(node, tmp_path):
    st = pair_station(node, tmp_path / "st")
    first = make_package(st, tmp_path, code="52001")
    second = make_package(st, tmp_path, code="52002")
    assert st.client().upload(first.path, first.package_id) == "verified"
    usb = tmp_path / "usb"
    usb.mkdir()
    for p in (first, second):
        (usb / p.path.name).write_bytes(p.path.read_bytes())
    rc, out, _ = run_node_cli("import", str(usb), "--json", "--data", str(node.data_dir))
    assert json.loads(out)["counts"] == {"new": 1, "duplicate": 1, "rejected": 0}
    st.outbox.add(second)  # the station never got an ack for it: the network answer is "already have it"
    worker = SyncWorker(st.outbox, st.client, st.station_key())
    [res] = worker.run_once()
    assert res.state is OutboxState.ACKED and res.status == "already_have"
    for p in (first, second):
        assert len(_stored(node, p.package_id)[0]) == 1 and len(_stored(node, p.package_id)[1]) == 1


def test_station_sends_chunks_as_unsigned_payload_and_node_still_refuses_bad_bytes(node, tmp_path):
    # The station's chunks carry the unsigned-payload marker (no per-chunk SHA-256 on
    # either side); bytes that do not match the package are still refused at
    # `complete`, by the whole-package verification, and nothing is stored.
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=300_000)
    c = st.client()
    pid = pkg.package_id
    sent = []
    original = c.session.request

    def spy(method, url, **kw):
        if method == "PATCH":
            sent.append(kw["headers"]["X-VPR-Content-SHA256"])
        return original(method, url, **kw)

    c.session.request = spy
    c._json("PUT", f"/api/v1/uploads/{pid}", {"size": pkg.size})
    raw = bytearray(pkg.path.read_bytes())
    raw[1000] ^= 0x01  # one bit flipped in the first file's data
    c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=0", body=bytes(raw), unsigned_body=True)
    assert sent == [UNSIGNED_PAYLOAD]
    with pytest.raises(NodeRefusedError) as err:
        c._json("POST", f"/api/v1/uploads/{pid}/complete", {})
    assert (err.value.status, err.value.reason) == (422, "file_hash_mismatch")
    assert _stored(node, pid) == ([], [])
    assert c.upload(pkg.path, pid) == "verified"  # the intact copy goes through afterwards
    assert sent[-1] == UNSIGNED_PAYLOAD and len(_stored(node, pid)[0]) == 1


def test_many_packages_completed_at_once_all_verified_once(node, tmp_path):
    # Thirty stations tend to finish together; the node verifies a bounded number of
    # packages at a time (VERIFY_AT_ONCE) and the others wait their turn - none is
    # refused, dropped or stored twice.
    jobs = []
    for i in range(6):
        st = pair_station(node, tmp_path / f"st{i}", name=f"ПК {i}")
        pkg = make_package(st, tmp_path / f"p{i}", code=f"2{i:04d}", size=1_500_000)
        c = st.client()
        c._json("PUT", f"/api/v1/uploads/{pkg.package_id}", {"size": pkg.size})
        c._send("PATCH", f"/api/v1/uploads/{pkg.package_id}", query="offset=0", body=pkg.path.read_bytes(),
                unsigned_body=True)
        jobs.append((c, pkg))
    with ThreadPoolExecutor(len(jobs)) as pool:
        answers = list(pool.map(lambda j: j[0]._json("POST", f"/api/v1/uploads/{j[1].package_id}/complete", {}),
                                jobs))
    assert [a["status"] for a in answers] == ["verified"] * len(jobs)
    for _, pkg in jobs:
        rows, files = _stored(node, pkg.package_id)
        assert len(rows) == 1 and len(files) == 1


def test_lost_part_file_on_main_port_restarts_the_upload(node, tmp_path):
    # The main port's chunk route: a part file gone between two chunks is not
    # recreated with zeros before the offset; the station starts the upload again.
    st = pair_station(node, tmp_path / "st")
    pkg = make_package(st, tmp_path, size=600_000)
    c = st.client()
    pid, data = pkg.package_id, pkg.path.read_bytes()
    c._json("PUT", f"/api/v1/uploads/{pid}", {"size": pkg.size})
    c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=0", body=data[:200_000], unsigned_body=True)
    (node.store().incoming_dir / f"{pid}.part").unlink()
    with pytest.raises(NodeRefusedError) as err:
        c._send("PATCH", f"/api/v1/uploads/{pid}", query="offset=200000", body=data[200_000:400_000],
                unsigned_body=True)
    assert (err.value.status, err.value.reason, err.value.body["offset"]) == (409, "no_upload", 0)
    assert c.upload(pkg.path, pid) == "verified"
    rows, files = _stored(node, pid)
    assert len(rows) == 1 and files[0].read_bytes() == data
