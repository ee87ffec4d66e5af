"""The kiosk's look-up on a real node (the demo school, a paired kiosk PC): the right
code + PIN gets that participant's released results and nothing about another code; a
wrong PIN is refused in Russian; a subject not marked final is not shown."""

from __future__ import annotations

import json

import pytest

from coordinator.kiosk import access
from coordinator.kiosk.store import KioskStore
from coordinator.school import codes as school_codes
from coordinator.school.store import SchoolStore
from sync.errors import NodeRefusedError
from tests.sync.harness import NodeProcess, pair_station, run_node_cli


@pytest.fixture(scope="module")
def kiosk_node(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kiosk")
    folder = tmp / "school"
    assert run_node_cli("demo", str(folder), "--participants", "30")[0] == 0
    node = NodeProcess(folder).start()
    kiosk = pair_station(node, tmp / "kiosk", name="Холл, киоск")
    yield node, folder, kiosk
    node.stop()


def test_right_pin_shows_one_participant_and_nothing_else(kiosk_node):
    node, folder, station = kiosk_node
    store = KioskStore(folder)
    with SchoolStore(folder) as school:
        codes = [c.code for c in school_codes.active_codes(school)]
    pins = access.issue_pins(store, codes)
    client = station.client()
    me = codes[3]
    answer = client.kiosk_lookup(me, pins[me])
    assert answer["code"] == me and answer["subjects"] == []  # nothing released yet
    access.release(store, "rus8", "coordinator")
    answer = client.kiosk_lookup(f" {me[:2]} {me[2:]} ", pins[me])  # typed with spaces
    [rus] = answer["subjects"]
    assert rus["subject_id"] == "rus8" and rus["mark"] in (2, 3, 4, 5) and len(rus["tasks"]) == 12
    assert rus["primary"] == sum(t["points"] or 0 for t in rus["tasks"])
    body = json.dumps(answer, ensure_ascii=False)
    assert all(c not in body for c in codes if c != me)  # no other code, anywhere in the answer
    with pytest.raises(NodeRefusedError) as err:
        client.kiosk_lookup(codes[4], "000000" if pins[codes[4]] != "000000" else "111111")
    assert err.value.status == 403 and "PIN" in err.value.message_ru
    client.close()
