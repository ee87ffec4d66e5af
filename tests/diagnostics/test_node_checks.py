"""Clock and node checks: the thresholds with controlled offsets and an injected node
clock, and the probe against a real node (uvicorn, TLS) from tests/sync/harness."""

import pytest

from diagnostics.checks import Status
from diagnostics.node_checks import NodeProbe, check_clock, check_node, measure_offset, probe_node
from sync.errors import NodeUnreachableError
from tests.sync.harness import NodeProcess, free_port, pair_station


@pytest.mark.parametrize("offset, status", [(0.0, Status.PASS), (1.9, Status.PASS), (-2.5, Status.WARN),
                                            (29.0, Status.WARN), (31.0, Status.FAIL), (-3600.0, Status.FAIL),
                                            (None, Status.WARN)])
def test_clock_thresholds(offset, status):
    res = check_clock(offset)
    assert res.status is status, res.text_ru
    if offset is not None and status is not Status.PASS:
        assert ("отстают" if offset > 0 else "спешат") in res.message_ru
        assert "Синхронизир" in res.remedy_ru


def test_offset_measured_from_an_injected_node_clock():
    ticks = iter([1000.0, 1000.2])  # local clock before and after the request
    offset, rtt, tz = measure_offset(lambda: {"unix": 1045.1, "local": "2026-04-01T11:00:00+05:00"},
                                     clock=lambda: next(ticks))
    assert offset == pytest.approx(45.0) and rtt == pytest.approx(0.2) and tz == 5 * 3600
    assert check_clock(offset, rtt).status is Status.FAIL


def test_not_configured(tmp_path):
    probe = probe_node(None, tmp_path / "sync")
    assert probe == NodeProbe(configured=False)
    res = check_node(probe)
    assert res.status is Status.WARN and "Не настроено" in res.message_ru
    assert check_clock(probe.offset_s).status is Status.WARN


def test_unreachable(tmp_path):
    probe = probe_node(f"https://127.0.0.1:{free_port()}", tmp_path / "sync", timeout=2)
    assert not probe.reachable and isinstance(probe.error, NodeUnreachableError)
    res = check_node(probe)
    assert res.status is Status.FAIL and res.message_ru == NodeUnreachableError.message_ru


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    proc = NodeProcess(tmp_path_factory.mktemp("node") / "data").start()
    yield proc
    proc.stop()


def test_reachable_but_not_paired(node, tmp_path):
    probe = probe_node(node.url, tmp_path / "sync")
    assert probe.reachable and not probe.paired
    assert abs(probe.offset_s) < 1.0 and probe.node_utc_offset_s is not None
    assert check_node(probe).status is Status.WARN
    assert check_clock(probe.offset_s).status is Status.PASS


def test_paired_station(node, tmp_path):
    station = pair_station(node, tmp_path / "sync")
    probe = probe_node(None, station.root)
    assert probe.paired and probe.accepted is True and probe.station_id == station.pairing().station_id
    res = check_node(probe)
    assert res.status is Status.PASS, res.text_ru
    assert check_clock(probe.offset_s, probe.rtt_s).status is Status.PASS


def test_revoked_station_is_refused(node, tmp_path):
    station = pair_station(node, tmp_path / "sync", name="ПК отозванный")
    node.store().revoke_station(station.pairing().station_id)
    probe = probe_node(None, station.root)
    assert probe.reachable and probe.accepted is False
    res = check_node(probe)
    assert res.status is Status.FAIL and "не признаёт" in res.message_ru


def test_report_reaches_the_node_by_heartbeat(node, tmp_path):
    from coordinator.node.monitoring import build_status
    from diagnostics.checks import CheckId, CheckResult
    from diagnostics.report import build_report

    station = pair_station(node, tmp_path / "sync", name="ПК с отчётом")
    probe = probe_node(None, station.root)
    results = [check_clock(probe.offset_s, probe.rtt_s), check_node(probe),
               CheckResult(CheckId.SCREEN, Status.FAIL, "Экран 800×600 меньше необходимого 1024×768.")]
    report = build_report(results, station_name="ПК с отчётом", station_id=probe.station_id)
    client = station.client()
    client.heartbeat(report)
    client.close()
    st = next(s for s in build_status(node.store())["stations"] if s["station_id"] == probe.station_id)
    assert st["readiness"] == report
    assert st["readiness_summary"] == "не готова: разрешение экрана"
