"""Accommodations travel with the valid codes: ``vpr-node codes accommodate`` on a real
node over HTTPS, ``GET /api/v1/codes`` with its ``codes`` list unchanged, the station
taking them (and its offline cache, including the cache format of older stations),
and the flow giving that code extra time on every timer and large print."""

from __future__ import annotations

import json

import pytest

from exam_content.archive import open_package
from station.config import StationConfig
from station.flow.phases import Phase
from station.node_link import CODES_CACHE, known_codes, materials_dir
from sync.protocol import Accommodation
from tests.exam_content.helpers import PASSWORD, built_package
from tests.station.test_flow import Rig
from tests.sync.harness import pair_station, run_node_cli


def test_codes_answer_carries_accommodations_and_the_station_uses_them(node, tmp_path):
    data = ["--data", str(node.data_dir)]
    codes = tmp_path / "codes.csv"
    codes.write_text("10001\n10002\n10003\n", encoding="utf-8")
    assert run_node_cli("import-codes", str(codes), *data)[0] == 0
    rc, out, err = run_node_cli("codes", "accommodate", "10002", "--extra-time", "1.5", "--large-print", *data)
    assert rc == 0, err
    assert run_node_cli("codes", "accommodate", "99999", "--extra-time", "+30", *data)[0] == 0  # not a valid code
    station = pair_station(node, tmp_path / "st")
    got = station.client().code_list()
    assert got["codes"] == ["10001", "10002", "10003"]
    assert got["accommodations"] == {"10002": {"extra_factor": 1.5, "extra_minutes": 0, "large_print": True}}
    assert station.client().codes() == ["10001", "10002", "10003"]  # what an older station reads

    known = known_codes(station, StationConfig.load())
    assert known.codes == {"10001", "10002", "10003"}
    assert known.accommodation("10002") == Accommodation(1.5, 0, True)
    assert known.accommodation("10001") == Accommodation()
    cached = json.loads((materials_dir() / CODES_CACHE).read_text("utf-8"))
    assert cached["accommodations"] == got["accommodations"]

    node.stop()  # offline: the cache answers
    try:
        offline = known_codes(station, StationConfig.load())
        assert offline == known
        (materials_dir() / CODES_CACHE).write_text(json.dumps(["10001"]), "utf-8")  # an older station's cache
        assert known_codes(station, StationConfig.load()).codes == {"10001"}
    finally:
        node.start()

    package = open_package(built_package(tmp_path, "en", fast=True), PASSWORD)
    rig = Rig(tmp_path / "flow", package)
    rig.flow.accommodations = known.accommodation
    rig.pass_sound_check()
    rig.flow.submit_code("10002")
    rig.flow.confirm_code(True)
    assert rig.flow.large_print and rig.flow.session.time_factor == pytest.approx(1.5)
    assert rig.flow.duration_s == pytest.approx(3 * 1.5)  # the instructions' reading time, stretched
    rig.flow.finish_instructions()
    assert rig.flow.phase is Phase.LISTEN_READ and rig.flow.remaining_s == pytest.approx(4.5)
