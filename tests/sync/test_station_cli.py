"""``vpr-station pair`` / ``sync`` / ``outbox`` as a user runs them, against a real
node; the exam client itself still answers "not yet available"."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT
from tests.sync.harness import make_package, pair_station, run_node_cli
from sync.station_config import StationSync


def _run(*args):
    return subprocess.run([sys.executable, "-m", "station.cli", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)


def test_pair_sync_outbox(node, tmp_path):
    rc, out, _ = run_node_cli("pair-code", "--json", "--data", str(node.data_dir))
    info = json.loads(out)
    assert rc == 0 and len(info["code"]) == 8
    data = tmp_path / "st"
    bad = _run("pair", node.url, info["code"], "--data", str(data), "--fingerprint", "ABCD 0000")
    assert bad.returncode != 0 and "Отпечаток" in bad.stderr and "Traceback" not in bad.stderr
    code = f"{info['code'][:4]}-{info['code'][4:]}"
    whole = " ".join(info["fingerprint"][i:i + 4].upper() for i in range(0, 64, 4))  # as the screen shows it
    r = _run("pair", node.url, code, "--data", str(data), "--name", "каб. 5", "--fingerprint", whole)
    assert r.returncode == 0, r.stderr
    assert "подключена" in r.stdout
    st = StationSync(data)
    pkg = make_package(st, tmp_path)
    st.outbox.add(pkg)
    r = _run("outbox", "--data", str(data), "--json")
    assert json.loads(r.stdout)["waiting"] == 1
    r = _run("sync", "--data", str(data), "--timeout", "30")
    assert r.returncode == 0, r.stderr
    assert "принят узлом" in r.stdout
    again = _run("pair", node.url, info["code"], "--data", str(tmp_path / "st2"))
    assert again.returncode != 0 and "Код подключения" in again.stderr


def test_unpaired_station_sync_is_a_clear_error(tmp_path):
    r = _run("sync", "--data", str(tmp_path / "st"))
    assert r.returncode != 0 and "не подключена" in r.stderr and "Traceback" not in r.stderr


def test_check_node(node, tmp_path):
    pair_station(node, tmp_path / "st")
    r = _run("check-node", "--data", str(tmp_path / "st"), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["clock_ok"] and abs(info["clock_offset_s"]) < 5 and info["password_released"] is False
    r = _run("check-node", "--data", str(tmp_path / "st"))
    assert "Связь с узлом есть" in r.stdout and "в норме" in r.stdout


def test_regression_fingerprint_prefix_or_empty_is_refused(node, tmp_path):
    """A part of the node's fingerprint (or nothing) given as the expected one used to
    pass; only the whole fingerprint, compared exactly, may."""
    for given in (None, "", "ABCD"):
        rc, out, _ = run_node_cli("pair-code", "--json", "--data", str(node.data_dir))
        info = json.loads(out)
        given = info["fingerprint"][:16] if given is None else given
        r = _run("pair", node.url, info["code"], "--data", str(tmp_path / f"st-{len(given)}"), "--fingerprint", given)
        assert r.returncode != 0 and "не полностью" in r.stderr and "Traceback" not in r.stderr, (given, r.stderr)
        assert not (tmp_path / f"st-{len(given)}" / "pairing.json").exists()


def test_regression_pairing_file_with_a_partial_pin_is_refused(tmp_path):
    from sync.errors import NotPairedError

    station = StationSync(tmp_path / "st")
    station.root.mkdir(parents=True, exist_ok=True)
    (station.root / "pairing.json").write_text(json.dumps({"node_url": "https://10.0.0.1:8443", "fingerprint": "ab12",
                                                           "station_id": "st-1"}), encoding="utf-8")
    try:
        station.client()
        raise AssertionError("a partial pin was accepted")
    except NotPairedError as exc:
        assert "неполный" in exc.message_ru
