"""What the station tells the node's live board (station/flow/live.py): the activity
through a whole participant (fake clock and audio, real files), a heartbeat sent at once
when the board would show something else, and - with a real node over HTTPS - the
board's card of the station saying which task of how many and the time left."""

from __future__ import annotations

import time

import pytest

from coordinator.node.board import StationState, station_card
from coordinator.node.storage import NodeStore
from exam_content.archive import open_package
from station.flow.live import LiveState, live_of
from station.flow.phases import Phase
from sync.uploader import SyncWorker
from tests.exam_content.helpers import PASSWORD, built_package
from tests.station.test_flow import Rig
from tests.sync.harness import NodeProcess, pair_station


@pytest.fixture(scope="module")
def fast_path(tmp_path_factory):
    return built_package(tmp_path_factory.mktemp("fast"), "en", fast=True)


def test_activity_through_a_participant(tmp_path, fast_path):
    rig = Rig(tmp_path, open_package(fast_path, PASSWORD))
    live = LiveState()
    rig.pass_sound_check()
    assert live.update(rig.flow) and live.snapshot() == {"activity": "ready"}
    assert not live.update(rig.flow)  # nothing new for the board
    rig.flow.submit_code("51234")
    assert not live.update(rig.flow)  # the code is not confirmed yet: still ready
    rig.flow.confirm_code(True)
    assert live.update(rig.flow)
    got = live.snapshot()
    assert got["activity"] == "in_task" and got["code"] == "51234" and "task" not in got  # the instruction
    rig.flow.finish_instructions()
    rig.until(Phase.LISTEN_READ)
    assert live.update(rig.flow)
    got = live.snapshot()
    assert (got["task"], got["tasks"]) == (1, 6) and 0 < got["remaining_s"] <= rig.flow.duration_s
    rig.run(0.5)
    assert not live.update(rig.flow)  # only the time left moved: the next regular heartbeat carries it
    rig.flow.raise_hand("reason", can_continue=True)
    assert live.update(rig.flow) and live.snapshot()["activity"] == "fault"
    assert live.snapshot()["fault"] == "reason"


def test_sound_check(tmp_path, fast_path):
    rig = Rig(tmp_path, open_package(fast_path, PASSWORD))
    rig.flow.start()
    assert live_of(rig.flow) == {"activity": "sound_check"}


def test_board_shows_the_task_and_time_left(tmp_path, fast_path):
    node = NodeProcess(tmp_path / "node").start()
    try:
        st = pair_station(node, tmp_path / "st", name="каб. 12, ПК 3")
        rig = Rig(tmp_path / "rig", open_package(fast_path, PASSWORD))
        live = LiveState()
        worker = SyncWorker(st.outbox, st.client, st.station_key(), live=live.snapshot, heartbeat_s=3600)
        rig.pass_sound_check()
        rig.flow.submit_code("51234")
        rig.flow.confirm_code(True)
        rig.flow.finish_instructions()
        rig.until(Phase.LISTEN_READ)
        assert live.update(rig.flow)
        worker.heartbeat()  # the first one is due at once
        assert not worker.heartbeat()  # an hour's interval: not due again
        worker.state_changed()  # what runtime.track_live calls when the board would change
        assert worker.heartbeat()
        [me] = [s for s in NodeStore(node.data_dir).list_stations() if s.station_id == st.pairing().station_id]
        card = station_card(me, 0, time.time())
        assert card.state is StationState.IN_TASK
        assert card.detail_ru.startswith("задание 1 из 6, осталось "), card.detail_ru
        assert me.live["code"] == "51234" and me.live["pending"] == 0
    finally:
        node.stop()
