"""The kiosk's own checks before it asks the node, and the answer when the PC was never
paired or the node is not running (real sockets, no server on the port)."""

from __future__ import annotations

import json

from station.results_kiosk.lookup import Refused, ResultsLookup, check_typed
from sync.station_config import StationSync
from tests.sync.harness import free_port


def test_typed_code_and_pin_are_checked_first():
    assert check_typed("12 345", "123 456") is None
    assert check_typed("1234", "123456").message.startswith("Код участника - это пять цифр.")
    assert check_typed("12345", "12345").message.startswith("PIN - это шесть цифр")


def test_not_paired_and_node_down_are_plain_russian(tmp_path):
    lookup = ResultsLookup(StationSync(tmp_path / "sync"))
    assert not lookup.paired()
    out = lookup.find("12345", "123456")
    assert isinstance(out, Refused) and "не подключён к узлу школы" in out.message
    # a pairing to a node that is not running
    sync = StationSync(tmp_path / "sync")
    sync.private_key()
    (sync.root / "pairing.json").write_text(json.dumps({
        "node_url": f"https://127.0.0.1:{free_port()}", "fingerprint": "ab" * 32,
        "station_id": "st-1", "name": "киоск", "paired_at": 0}), "utf-8")
    out = lookup.find("12345", "123456")
    assert isinstance(out, Refused) and out.message.startswith("Нет связи с узлом школы.") and not out.clear_pin
