"""USB fallback: ``vpr-station export`` writes the unacknowledged packages with a
report; ``vpr-node import`` accepts them with the network path's checks and dedupe,
and reports what was new, duplicate and rejected."""

from __future__ import annotations

import json
import subprocess
import sys

from coordinator.node.storage import NodeStore
from sync.outbox import OutboxState
from sync.package import seal_package
from sync.signing import StationKey
from sync.station_config import StationSync
from tests.conftest import REPO_ROOT
from tests.sync.harness import make_package, offline_station, run_node_cli


def _station_cli(*args):
    return subprocess.run([sys.executable, "-m", "station.cli", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)


def test_export_then_import_new_duplicate_rejected(tmp_path):
    node_dir = tmp_path / "node"
    store = NodeStore(node_dir)
    st = offline_station(store, tmp_path / "st")
    pkgs = [make_package(st, tmp_path, code=f"8000{i}") for i in range(3)]
    for p in pkgs:
        st.outbox.add(p)
    st.outbox.mark_acked(pkgs[0].package_id, "verified")  # already delivered over the network
    usb = tmp_path / "usb"
    usb.mkdir()
    r = _station_cli("export", str(usb), "--data", str(tmp_path / "st"), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    exported = {p["package_id"] for p in report["packages"]}
    assert exported == {pkgs[1].package_id, pkgs[2].package_id}
    folder = next(usb.iterdir())
    assert (folder / "export-report.json").exists()
    # the station still keeps them until the node acknowledges
    assert {e.state for e in st.outbox.unacked()} == {OutboxState.PENDING}

    rc, out, _ = run_node_cli("import", str(usb), "--json", "--data", str(node_dir))
    first = json.loads(out)
    assert rc == 0 and first["counts"] == {"new": 2, "duplicate": 0, "rejected": 0}
    rc, out, _ = run_node_cli("import", str(usb), "--json", "--data", str(node_dir))
    assert json.loads(out)["counts"] == {"new": 0, "duplicate": 2, "rejected": 0}
    assert len(NodeStore(node_dir).list_packages()) == 2
    assert {p["via"] for p in NodeStore(node_dir).list_packages()} == {"usb"}

    # an altered copy on the stick and a package from a station the node does not know
    victim = folder / f"{pkgs[2].package_id}.vprpkg"
    tampered = usb / "tampered"
    tampered.mkdir()
    raw = bytearray(victim.read_bytes())
    raw[3000] ^= 0xFF
    other_store = NodeStore(tmp_path / "other-node")
    stranger = offline_station(other_store, tmp_path / "stranger")
    alien = make_package(stranger, tmp_path, code="80009")
    (tampered / "alien.vprpkg").write_bytes(alien.path.read_bytes())
    (tampered / "x.vprpkg").write_bytes(b"not a zip at all")
    new_pkg = make_package(st, tmp_path, code="80005")
    raw_new = bytearray(new_pkg.path.read_bytes())
    raw_new[3000] ^= 0xFF
    (tampered / "bitrot.vprpkg").write_bytes(bytes(raw_new))
    rc, out, _ = run_node_cli("import", str(tampered), "--data", str(node_dir))
    assert rc == 1
    assert "отклонено: 3" in out and "станция не подключена к узлу" in out and "изменено" in out
    reasons = sorted(r["reason"] for r in NodeStore(node_dir).list_rejections())
    assert reasons == ["bad_format", "file_hash_mismatch", "unknown_station"]
    assert len(NodeStore(node_dir).list_packages()) == 2
    assert not list((node_dir / "files" / "incoming").iterdir())


def test_export_includes_damaged_and_sessions(tmp_path):
    store = NodeStore(tmp_path / "node")
    st = offline_station(store, tmp_path / "st")
    pkg = make_package(st, tmp_path)
    e = st.outbox.add(pkg)
    st.outbox.mark_corrupt(e.package_id, "local copy damaged: file_hash_mismatch")
    sessions = tmp_path / "sessions" / "s1"
    sessions.mkdir(parents=True)
    (sessions / "part-0001.flac").write_bytes(b"partial")
    usb = tmp_path / "usb"
    usb.mkdir()
    r = _station_cli("export", str(usb), "--data", str(tmp_path / "st"), "--sessions", str(tmp_path / "sessions"))
    assert r.returncode == 0, r.stderr
    assert "Повреждённых" in r.stdout
    folder = next(usb.iterdir())
    assert (folder / "damaged" / f"{pkg.package_id}.vprpkg.damaged").exists()
    assert (folder / "sessions" / "s1" / "part-0001.flac").read_bytes() == b"partial"


def test_export_to_missing_folder_is_a_clear_error(tmp_path):
    r = _station_cli("export", str(tmp_path / "nope"), "--data", str(tmp_path / "st"))
    assert r.returncode != 0 and "Папка не найдена" in r.stderr and "Traceback" not in r.stderr


def _unpaired_package(station, tmp_path, code):
    src = tmp_path / f"u{code}.flac"
    src.write_bytes(b"fLaC" + bytes(5000))
    key = StationKey("unpaired-classroom-pc", station.private_key())
    return seal_package({"a.flac": src}, {"participant_code": code, "variant": "1", "subject": "english"}, key,
                        tmp_path / "unpaired")


def test_package_sealed_before_pairing_imports_after_pairing(tmp_path):
    node_dir = tmp_path / "node"
    store = NodeStore(node_dir)
    early = StationSync(tmp_path / "st")  # key exists, not paired yet
    pkg = _unpaired_package(early, tmp_path, "81001")
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / pkg.path.name).write_bytes(pkg.path.read_bytes())
    rc, out, _ = run_node_cli("import", str(usb), "--json", "--data", str(node_dir))
    assert json.loads(out)["counts"]["rejected"] == 1  # nobody paired with that key yet
    st = offline_station(store, tmp_path / "st")  # the technician pairs the station (same key)
    rc, out, _ = run_node_cli("import", str(usb), "--json", "--data", str(node_dir))
    assert rc == 0 and json.loads(out)["counts"]["new"] == 1
    [row] = NodeStore(node_dir).list_packages()
    assert row["station_id"] == st.pairing().station_id


def test_regression_usb_import_does_not_hang_on_a_fifo_or_a_device_link(tmp_path):
    """A FIFO named like a package, or a symlink to a device, on the stick used to make
    ``vpr-node import`` wait forever; only regular files are read now, the rest is
    reported, and a real package beside them still arrives."""
    import os

    import pytest

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this OS")
    store = NodeStore(tmp_path / "node")
    station = offline_station(store, tmp_path / "st")
    usb = tmp_path / "usb"
    usb.mkdir()
    good = make_package(station, tmp_path, size=50_000)
    (usb / good.path.name).write_bytes(good.path.read_bytes())
    os.mkfifo(usb / ("a" * 64 + ".vprpkg"))
    (usb / ("b" * 64 + ".vprpkg")).symlink_to("/dev/zero")
    r = subprocess.run([sys.executable, "-m", "coordinator.cli", "import", str(usb), "--json", "--data",
                        str(tmp_path / "node")], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    report = json.loads(r.stdout)
    assert report["counts"] == {"new": 1, "duplicate": 0, "rejected": 2}, r.stdout + r.stderr
    assert all("not a regular file" in x["detail"] for x in report["rejected"])
    assert "Traceback" not in r.stderr
